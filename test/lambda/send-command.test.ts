import { CancelCommandCommand } from "@aws-sdk/client-ssm";
import { handler as taskHandler } from "../../lambda/handlers/send-command";
import { metrics } from "../../lambda/telemetry";
import { instanceIds, useFakeAws } from "./support/fake-aws";
import { planFor } from "./support/plan";
import { invoked } from "./support/invoke";

const handler = invoked(taskHandler);

const fake = useFakeAws();

test("sends Inject with the plan's parameters, 50 instances per command", async () => {
  const ids = instanceIds(120);
  fake().addInstances(ids);
  const plan = planFor(ids, {
    TARGET_SERVICE_PORT: 8080,
    TOTAL_CHAOS_DURATION: 60,
    PROXY: "http://proxy:3128",
  });
  const { commands } = await handler({ plan, instanceIds: ids });
  expect(commands.map((c) => c.instanceIds.length)).toEqual([50, 50, 20]);
  expect(commands.flatMap((c) => c.instanceIds)).toEqual(ids);
  expect(commands.map((c) => c.commandId)).toEqual(
    fake()
      .sent("Inject")
      .map((c) => c.id),
  );
  for (const sent of fake().sent("Inject")) {
    expect(sent.documentName).toBe("HttpResetPeer");
    expect(sent.parameters).toEqual({
      Action: ["Inject"],
      TargetServicePort: ["8080"],
      NetworkInterface: ["eth0"],
      DurationSeconds: ["60"],
      InstallDependencies: ["True"],
      Proxy: ["http://proxy:3128"],
      ResetPercentage: ["100"],
      ResetAt: ["request"],
      ResetAfterBytes: ["0"],
      ResetMethods: [""],
      ResetPaths: [""],
      ObserveRecoverySeconds: ["30"],
      ExperimentId: ["run-1"],
    });
  }
  const input = fake().ssm.call(0).args[0].input as { Comment: string; TimeoutSeconds: number };
  expect(input.Comment).toBe("http-reset-peer Inject run-1");
  expect(input.TimeoutSeconds).toBeGreaterThanOrEqual(30);
  // Recorded for a cleanup that runs before SSM lists them; nothing undone, as nothing stops.
  expect(fake().record(`${plan.records}commands/${commands[0].commandId}.json`)).toEqual(commands);
  expect(fake().sent("Cleanup")).toEqual([]);
});

test("a task that finds the experiment stopping once it has sent undoes its own batch", async () => {
  const ids = instanceIds(2);
  const others = instanceIds(1, 10);
  fake().addInstances([...ids, ...others]);
  const plan = planFor([...ids, ...others]);
  await handler({ plan, instanceIds: others });
  fake().objects.set(`${plan.records}stop.json`, JSON.stringify({ Error: "Aborted", Cause: "stopped" }));
  const { commands } = await handler({ plan, instanceIds: ids });
  expect(
    fake()
      .ssm.commandCalls(CancelCommandCommand)
      .map((c) => c.args[0].input.CommandId),
  ).toEqual([commands[0].commandId]);
  expect(
    fake()
      .sent("Cleanup")
      .flatMap((c) => c.instanceIds),
  ).toEqual(ids);
});

test("an experiment ID of 128 characters keeps the comment within SSM's 100", async () => {
  const plan = planFor(instanceIds(1), {}, "x".repeat(128));
  await handler({ plan, instanceIds: instanceIds(1) });
  expect((fake().ssm.call(0).args[0].input as { Comment: string }).Comment).toHaveLength(100);
});

test("an SSM error fails the task", async () => {
  fake().ssm.rejects(new Error("AccessDeniedException"));
  await expect(handler({ plan: planFor(instanceIds(1)), instanceIds: instanceIds(1) })).rejects.toThrow(
    "AccessDeniedException",
  );
});

test("counts the instances injected", async () => {
  const addMetric = jest.spyOn(metrics, "addMetric");
  await handler({ plan: planFor(instanceIds(2)), instanceIds: instanceIds(2) });
  expect(addMetric).toHaveBeenCalledWith("InstancesInjected", "Count", 2);
});
