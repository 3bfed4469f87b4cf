import { GetCommandInvocationCommand, ListCommandInvocationsCommand } from "@aws-sdk/client-ssm";
import { handler as report } from "../../lambda/report";
import { handler as send } from "../../lambda/send-command";
import { metrics } from "../../lambda/telemetry";
import { awsError, instanceIds, useFakeAws } from "./support/fake-aws";
import { injectOutput, planFor } from "./support/plan";

const fake = useFakeAws();

test("reports each instance from the document's first line of output, and the totals", async () => {
  const ids = instanceIds(4);
  const plan = planFor(ids, { SEQUENCE: "serial" });
  const runs = [];
  for (const id of ids) runs.push(await send({ plan, instanceIds: [id] }));
  const [ok, refused, early, silent] = ids;
  fake().finish(runs[0].commands[0].commandId, ok, "Success", injectOutput({ connectionsReset: 12 }));
  fake().finish(
    runs[1].commands[0].commandId,
    refused,
    "Failed",
    '{"action":"Inject","error":"nothing listens"}\n',
  );
  fake().finish(
    runs[2].commands[0].commandId,
    early,
    "Failed",
    injectOutput({
      connectionsReset: 3,
      outcome: "reset proxy died",
      error: "fault ended early: reset proxy died",
    }),
  );
  fake().commands[3].invocations.delete(silent);
  const cleanup = { cancelled: [], cleanupCommands: [] };

  const result = await report({ plan, targets: ids, runs, cleanup });

  expect(result.instances).toEqual([
    {
      instanceId: ok,
      commandId: runs[0].commands[0].commandId,
      status: "Success",
      connectionsReset: 12,
      verified: true,
      startedAt: "2026-01-01T00:00:00.000Z",
      endedAt: "2026-01-01T00:00:30.000Z",
      restored: true,
      outcome: "completed",
    },
    {
      instanceId: refused,
      commandId: runs[1].commands[0].commandId,
      status: "Failed",
      connectionsReset: null,
      verified: null,
      startedAt: null,
      endedAt: null,
      restored: null,
      outcome: null,
      error: "nothing listens",
    },
    expect.objectContaining({
      instanceId: early,
      connectionsReset: 3,
      error: "fault ended early: reset proxy died",
    }),
    expect.objectContaining({
      instanceId: silent,
      status: "NotFound",
      error: expect.stringContaining("no invocation"),
    }),
  ]);
  expect(result.totals).toEqual({ instances: 4, succeeded: 1, failed: 3, connectionsReset: 15 });
  expect(result).toMatchObject({
    experimentId: "run-1",
    dryRun: false,
    region: "eu-west-1",
    targets: ids,
    cleanup,
  });
});

test("output that is not the document's JSON line reads as nothing", async () => {
  const targets = instanceIds(1);
  const plan = planFor(targets);
  const run = await send({ plan, instanceIds: targets });
  fake().finish(run.commands[0].commandId, targets[0], "Failed", "sh: 1: python3: not found\n");
  const result = await report({ plan, targets, runs: [run] });
  expect(result.instances[0]).toMatchObject({ status: "Failed", outcome: null, connectionsReset: null });
  expect(result).not.toHaveProperty("cleanup");
});

test("a dry run reports the targets and that nothing was sent", async () => {
  const plan = planFor(instanceIds(2), { DRY_RUN: true });
  const result = await report({ plan, targets: instanceIds(2), runs: [] });
  expect(result).toMatchObject({
    dryRun: true,
    targets: instanceIds(2),
    instances: [],
    totals: { instances: 0, succeeded: 0, failed: 0, connectionsReset: 0 },
  });
  expect(result.note).toContain("nothing was sent");
  expect(fake().ssm.calls()).toHaveLength(0);
});

test("reports many instances a page at a time, and counts their resets in a metric", async () => {
  const addMetric = jest.spyOn(metrics, "addMetric");
  const targets = instanceIds(60);
  const plan = planFor(targets);
  const run = await send({ plan, instanceIds: targets });
  run.commands.forEach((c) =>
    c.instanceIds.forEach((id) => fake().finish(c.commandId, id, "Success", injectOutput())),
  );
  const result = await report({ plan, targets, runs: [run] });
  expect(result.totals).toEqual({ instances: 60, succeeded: 60, failed: 0, connectionsReset: 720 });
  // Each command's invocations are listed in pages of 50, never read one by one.
  expect(fake().ssm.commandCalls(GetCommandInvocationCommand)).toHaveLength(0);
  for (const call of fake().ssm.commandCalls(ListCommandInvocationsCommand))
    expect(call.args[0].input).toMatchObject({ Details: true, MaxResults: 50 });
  expect(addMetric).toHaveBeenCalledWith("ConnectionsReset", "Count", 720);
});

test("an SSM error other than a missing invocation fails the task", async () => {
  const targets = instanceIds(1);
  const plan = planFor(targets);
  const run = await send({ plan, instanceIds: targets });
  fake().ssm.on(ListCommandInvocationsCommand).rejects(awsError("AccessDeniedException"));
  await expect(report({ plan, targets, runs: [run] })).rejects.toThrow("AccessDeniedException");
});
