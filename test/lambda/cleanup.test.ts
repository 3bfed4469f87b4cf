import { setEnvironment } from "./support/environment";
import { CancelCommandCommand, ListCommandsCommand } from "@aws-sdk/client-ssm";
import { handler as cleanupHandler } from "../../lambda/handlers/cleanup";
import type { CleanupResult, ExecutionStatusChangeEvent } from "../../lambda/contract";
import { handler as sendHandler } from "../../lambda/handlers/send-command";
import { metrics } from "../../lambda/telemetry";
import { instanceIds, useFakeAws } from "./support/fake-aws";
import { injectOutput, planFor } from "./support/plan";
import { invoked } from "./support/invoke";

const cleanup = invoked(cleanupHandler);
const send = invoked(sendHandler);

const fake = useFakeAws();

/** The instances a cleanup's Cleanup commands went to. */
const cleaned = (result: CleanupResult): string[] =>
  result.cleanupCommands.flatMap((c) => fake().commands.find((f) => f.id === c.commandId)!.instanceIds);

const ALARM = { Error: "StopConditionAlarm", Cause: "Stop-condition alarm errors is in ALARM" };

async function inject(ids: string[], experimentId = "run-1", tunables: Record<string, unknown> = {}) {
  const plan = planFor(ids, tunables, experimentId);
  const { commands } = await send({ plan, instanceIds: ids });
  return { plan, commands, stop: ALARM };
}

function statusChange(
  name: string,
  input: unknown,
  status = "ABORTED",
  startDate = Date.now() - 60_000,
): ExecutionStatusChangeEvent {
  return {
    "detail-type": "Step Functions Execution Status Change",
    detail: { status, name, input: typeof input === "string" ? input : JSON.stringify(input), startDate },
  };
}

describe("in the state machine, after a failure or an alarm", () => {
  test("cancels commands in flight, 50 IDs per call, and sends Cleanup to each instance in 50s", async () => {
    const ids = instanceIds(60);
    const { plan, commands } = await inject(ids);
    const result = await cleanup({ plan, commands, stop: ALARM });
    expect(result.cancelled.sort()).toEqual(commands.map((c) => c.commandId).sort());
    for (const call of fake().ssm.commandCalls(CancelCommandCommand)) {
      expect(call.args[0].input.InstanceIds!.length).toBeLessThanOrEqual(50);
    }
    expect(result.cleanupCommands.map((c) => c.instances)).toEqual([50, 10]);
    expect(cleaned(result).sort()).toEqual(ids);
    for (const sent of fake().sent("Cleanup")) {
      expect(sent.parameters).toEqual({ Action: ["Cleanup"], ExperimentId: ["run-1"] });
    }
    expect([...fake().commands[0].invocations.values()].every((i) => i.status === "Cancelled")).toBe(true);
  });

  test("leaves instances whose injection succeeded alone, and cancels nothing that has ended", async () => {
    const first = await inject(instanceIds(1, 1));
    const second = await inject(instanceIds(1, 2));
    fake().finish(first.commands[0].commandId, instanceIds(1, 1)[0], "Success", injectOutput());
    fake().finish(
      second.commands[0].commandId,
      instanceIds(1, 2)[0],
      "Failed",
      '{"action":"Inject","error":"x"}',
    );
    const result = await cleanup({ plan: first.plan, commands: second.commands, stop: ALARM });
    expect(result.cancelled).toEqual([]);
    expect(cleaned(result)).toEqual(instanceIds(1, 2));
  });

  test("a command SSM does not list yet is cancelled and cleaned up all the same", async () => {
    const ids = instanceIds(2);
    const { plan, commands } = await inject(ids);
    fake().ssm.on(ListCommandsCommand).resolves({ Commands: [] });
    const result = await cleanup({ plan, commands, stop: ALARM });
    expect(result.cancelled).toEqual([commands[0].commandId]);
    expect(cleaned(result)).toEqual(ids);
  });

  test("running twice is harmless: the second run cancels nothing and cleans again", async () => {
    const experiment = await inject(instanceIds(3));
    await cleanup(experiment);
    const again = await cleanup(experiment);
    expect(again.cancelled).toEqual([]);
    expect(cleaned(again)).toEqual(instanceIds(3));
  });

  test("counts what it did", async () => {
    const addMetric = jest.spyOn(metrics, "addMetric");
    await cleanup(await inject(instanceIds(1)));
    expect(addMetric).toHaveBeenCalledWith("CommandsCancelled", "Count", 1);
    expect(addMetric).toHaveBeenCalledWith("CleanupCommandsSent", "Count", 1);
  });

  test("a child execution undoes its own batch only; the parent, the whole experiment", async () => {
    const mine = await inject(instanceIds(2, 1));
    const other = await inject(instanceIds(2, 10));
    const child = await cleanup({ ...mine, instanceIds: instanceIds(2, 1) });
    expect(child.cancelled).toEqual(mine.commands.map((c) => c.commandId));
    expect(cleaned(child)).toEqual(instanceIds(2, 1));
    const parent = await cleanup({ ...mine, commands: [] });
    expect(parent.cancelled).toEqual(other.commands.map((c) => c.commandId));
    expect(cleaned(parent).sort()).toEqual([...instanceIds(2, 1), ...instanceIds(2, 10)].sort());
  });

  test("records the first stop cause and returns it: a parent learning that a child failed names the child's cause", async () => {
    const child = await inject(instanceIds(2));
    expect((await cleanup(child)).stop).toEqual(ALARM);
    expect(fake().record(`${child.plan.records}stop.json`)).toEqual(ALARM);
    const parentNews = { Error: "States.ExceedToleratedFailureThreshold", Cause: "a child failed" };
    const parent = await cleanup({ plan: child.plan, commands: [], stop: parentNews });
    expect(parent.stop).toEqual(ALARM);
    // The parent found the child's command itself, and cleaned its instances up again.
    expect(cleaned(parent)).toEqual(instanceIds(2));
  });
});

describe("from EventBridge, when an execution ends badly", () => {
  test.each(["ABORTED", "TIMED_OUT", "FAILED"])(
    "%s: finds the experiment's commands over every page",
    async (status) => {
      const ours = instanceIds(3, 1);
      await inject(ours.slice(0, 1), "nightly-1");
      await inject(instanceIds(2, 50), "someone-else");
      await inject(ours.slice(1), "nightly-1");
      await inject(instanceIds(1, 60), "someone-else");
      const result = await cleanup(statusChange("nightly-1", { EC2_INSTANCE_ID: ours.join(",") }, status));
      expect(result.cancelled.sort()).toEqual(["cmd-1", "cmd-3"]);
      expect(cleaned(result).sort()).toEqual(ours);
      expect(fake().ssm.commandCalls(ListCommandsCommand).length).toBeGreaterThan(1);
      const filters = fake().ssm.commandCalls(ListCommandsCommand)[0].args[0].input.Filters;
      expect(filters).toContainEqual({ key: "DocumentName", value: "HttpResetPeer" });
      expect(filters?.find((f) => f.key === "InvokedAfter")?.value).toMatch(
        /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/,
      );
    },
  );

  test("a command SSM does not list yet is found where its task recorded it, after the stop is recorded", async () => {
    const ids = instanceIds(2);
    const { plan, commands } = await inject(ids, "run-1");
    fake().ssm.on(ListCommandsCommand).resolves({ Commands: [] });
    const event = statusChange(
      "run-1",
      { EC2_INSTANCE_ID: ids.join(",") },
      "ABORTED",
      Date.parse(plan.startedAt),
    );
    const result = await cleanup(event);
    expect(result.cancelled).toEqual([commands[0].commandId]);
    expect(cleaned(result)).toEqual(ids);
    // Recorded first, so a task still sending finds it and undoes what it sent itself.
    expect(fake().record(`${plan.records}stop.json`)).toEqual({
      Error: "Aborted",
      Cause: "The execution was stopped",
    });
    expect(result.stop).toEqual({ Error: "Aborted", Cause: "The execution was stopped" });
  });

  test("matches an execution name through the same ExperimentId the run used", async () => {
    const { plan, targets } = await (async () => {
      const { handler: resolve } = await import("../../lambda/handlers/resolve-targets");
      fake().addInstances(instanceIds(1));
      return invoked(resolve)({
        input: { EC2_INSTANCE_ID: instanceIds(1)[0] },
        executionName: "run 2026.01",
        startTime: "2026-01-01T00:00:00.000Z",
      });
    })();
    expect(targets.count).toBe(1);
    await send({ plan, instanceIds: instanceIds(1) });
    const result = await cleanup(statusChange("run 2026.01", { EC2_INSTANCE_ID: instanceIds(1)[0] }));
    expect(cleaned(result)).toEqual(instanceIds(1));
    expect(fake().sent("Cleanup")[0].parameters.ExperimentId).toEqual([plan.experimentId]);
  });

  test("acts in the input's region with the input's credentials", async () => {
    const role = "arn:aws:iam::222222222222:role/chaos";
    setEnvironment({ ALLOWED_ROLE_ARNS: JSON.stringify([role]) });
    await cleanup(
      statusChange("run-9", { EC2_INSTANCE_TAG: "app:web", REGION: "ap-south-1", ASSUME_ROLE_ARN: role }),
    );
    expect(fake().accesses).toEqual([
      { experimentId: "run-9", region: "ap-south-1", assumeRoleArn: role, authenticationSecret: "" },
    ]);
  });

  test("does not cancel or repeat Cleanup commands, and a second run is harmless", async () => {
    await inject(instanceIds(2), "run-1");
    const event = statusChange("run-1", { EC2_INSTANCE_ID: instanceIds(2).join(",") });
    const first = await cleanup(event);
    const second = await cleanup(event);
    expect(first.cancelled).toEqual(["cmd-1"]);
    expect(second.cancelled).toEqual([]);
    expect(cleaned(second)).toEqual(instanceIds(2));
    expect(fake().ssm.commandCalls(CancelCommandCommand)).toHaveLength(1);
  });

  test.each([
    ["a succeeded execution", statusChange("run-1", { EC2_INSTANCE_ID: instanceIds(1)[0] }, "SUCCEEDED")],
    ["an input that is not JSON", statusChange("run-1", "{not json")],
    ["an input that was refused", statusChange("run-1", { EC2_INSTANCE_ID: "web-1" })],
    [
      "a child execution of the Inject Map (its parent's own end is what the rule acts on)",
      statusChange(
        "child-1",
        { Items: [{ instanceId: instanceIds(1)[0] }], BatchInput: { plan: {} } },
        "ABORTED",
      ),
    ],
    [
      "an execution without input",
      { ...statusChange("run-1", {}), detail: { status: "FAILED", name: "run-1", input: null } },
    ],
    ["an input of null", statusChange("run-1", "null")],
    ["an input that is an array", statusChange("run-1", "[1]")],
    ["an input that is a number", statusChange("run-1", "7")],
    [
      "an input with an invalid tunable",
      statusChange("run-1", { EC2_INSTANCE_ID: instanceIds(1)[0], RAMP_TIME: -1 }),
    ],
    [
      "credentials that are not allowed",
      statusChange("run-1", {
        EC2_INSTANCE_ID: instanceIds(1)[0],
        ASSUME_ROLE_ARN: "arn:aws:iam::222222222222:role/chaos",
      }),
    ],
    [
      "a secret that is not allowed",
      statusChange("run-1", { EC2_INSTANCE_ID: instanceIds(1)[0], AWS_AUTHENTICATION_SECRET: "not-granted" }),
    ],
  ])("%s needs nothing undone", async (_, event) => {
    await inject(instanceIds(1), "run-1");
    fake().ssm.resetHistory();
    expect(await cleanup(event as ExecutionStatusChangeEvent)).toEqual({
      cancelled: [],
      cleanupCommands: [],
    });
    expect(fake().ssm.calls()).toHaveLength(0);
  });

  test.each([
    ["ABORTED", "StopConditionAlarm", "The stop-condition alarm errors went to ALARM"],
    ["TIMED_OUT", "States.Timeout", "The execution was timed out"],
  ])(
    "%s: reports the experiment, with the error and cause it ended with and what the cleanup did",
    async (status, error, cause) => {
      const ids = instanceIds(2);
      const { plan, commands } = await inject(ids, "run-1");
      fake().objects.set(
        `${plan.records}targets.json`,
        JSON.stringify(ids.map((instanceId) => ({ instanceId }))),
      );
      const input = { EC2_INSTANCE_ID: ids.join(",") };
      const event = statusChange("run-1", input, status);
      const stopped = status === "ABORTED" ? { error, cause } : { error: null, cause: null };
      const result = await cleanup({
        ...event,
        detail: { ...event.detail, ...stopped, startDate: Date.parse(plan.startedAt) },
      });
      const report = fake().record(`${plan.records}report.json`) as Record<string, unknown>;
      expect(report).toMatchObject({
        experimentId: "run-1",
        input,
        startedAt: plan.startedAt,
        stop: { Error: error, Cause: cause },
        cleanup: result,
        targets: ids,
      });
      expect((report.instances as { commandId: string }[]).map((i) => i.commandId)).toEqual(
        ids.map(() => commands[0].commandId),
      );
      expect(fake().objects.has(`${plan.records}report.html`)).toBe(true);
    },
  );

  test("an execution stopped before its targets were resolved has no report; a failed one reported in the state machine", async () => {
    const ids = instanceIds(1);
    const { plan } = await inject(ids, "run-1");
    const ended = async (status: string) => {
      const event = statusChange("run-1", { EC2_INSTANCE_ID: ids[0] }, status);
      await cleanup({ ...event, detail: { ...event.detail, startDate: Date.parse(plan.startedAt) } });
    };
    await ended("ABORTED");
    fake().objects.set(`${plan.records}targets.json`, JSON.stringify([{ instanceId: ids[0] }]));
    await ended("FAILED");
    expect([...fake().objects.keys()].filter((k) => k.endsWith("report.json"))).toEqual([]);
  });

  test.each(["HypothesisRejected", "HypothesisInconclusive"])(
    "an execution failed with %s, on its verdict after the report, has nothing to undo",
    async (error) => {
      const ids = instanceIds(1);
      await inject(ids, "run-1");
      const event = statusChange("run-1", { EC2_INSTANCE_ID: ids[0] }, "FAILED");
      const result = await cleanup({
        ...event,
        detail: { ...event.detail, error, cause: "Failed, score 0" },
      });
      expect(result.cleanupCommands).toEqual([]);
      expect(fake().sent("Cleanup")).toEqual([]);
      expect(fake().ssm.commandCalls(CancelCommandCommand)).toHaveLength(0);
    },
  );

  test("a broken deployment is an error, not silently nothing to undo", async () => {
    setEnvironment({ TUNABLE_DEFAULTS: "not json" });
    await expect(cleanup(statusChange("run-1", { EC2_INSTANCE_ID: instanceIds(1)[0] }))).rejects.toThrow(
      "TUNABLE_DEFAULTS is not JSON",
    );
  });
});
