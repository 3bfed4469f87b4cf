import { GetCommandInvocationCommand, ListCommandInvocationsCommand } from "@aws-sdk/client-ssm";
import type { Plan } from "../../lambda/contract";
import { handler as taskHandler, OUTPUT_LIST_LIMIT } from "../../lambda/handlers/report";
import { handler as sendHandler } from "../../lambda/handlers/send-command";
import { metrics } from "../../lambda/telemetry";
import { awsError, instanceIds, useFakeAws } from "./support/fake-aws";
import { injectOutput, planFor } from "./support/plan";
import { invoked } from "./support/invoke";

const handler = invoked(taskHandler);
const send = invoked(sendHandler);

const fake = useFakeAws();

/** Report on `targets`, written where resolve-targets writes them. */
function report(plan: Plan, targets: string[]) {
  const key = `${plan.records}targets.json`;
  fake().objects.set(key, JSON.stringify(targets.map((instanceId) => ({ instanceId }))));
  return handler({ plan, targets: { key, count: targets.length } });
}

test("reports each instance from the document's first line of output, and the totals", async () => {
  const ids = instanceIds(5);
  const plan = planFor(ids, { SEQUENCE: "serial" });
  const runs = [];
  for (const id of ids) runs.push(await send({ plan, instanceIds: [id] }));
  const [ok, refused, early, silent, dropped] = ids;
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
      remoteConnectionsReset: 3,
      outcome: "reset proxy died",
      error: "fault ended early: reset proxy died",
    }),
  );
  fake().commands[3].invocations.delete(silent);
  fake().finish(
    runs[4].commands[0].commandId,
    dropped,
    "Failed",
    injectOutput({
      connectionsReset: 0,
      remoteConnectionsReset: 0,
      remoteTraffic: "InterceptedNotReset",
      verified: false,
      verifiedBy: ["localhost"],
      error: "40 connection attempts from remote peers were caught but none was reset",
    }),
  );

  const result = await report(plan, ids);

  const written = fake().record(`${plan.records}report.json`) as Record<string, unknown>;
  expect(written.instances).toEqual([
    {
      instanceId: ok,
      commandId: runs[0].commands[0].commandId,
      status: "Success",
      connectionsReset: 12,
      remoteConnectionsReset: 12,
      localConnectionsReset: 0,
      remoteTraffic: "Reset",
      verified: true,
      verifiedBy: ["remote peers", "localhost"],
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
      remoteConnectionsReset: null,
      localConnectionsReset: null,
      remoteTraffic: null,
      verified: null,
      verifiedBy: null,
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
    expect.objectContaining({ instanceId: dropped, status: "Failed", remoteTraffic: "InterceptedNotReset" }),
  ]);
  expect(result.totals).toEqual({
    targets: 5,
    instances: 5,
    succeeded: 1,
    failed: 4,
    connectionsReset: 15,
    remoteConnectionsReset: 15,
    remoteTraffic: { Reset: 2, InterceptedNotReset: 1 },
  });
  const { reportObject, listsCut, ...whole } = result;
  expect(whole).toMatchObject({ experimentId: "run-1", dryRun: false, region: "eu-west-1", targets: ids });
  expect(listsCut).toBe(false);
  expect(reportObject).toBe(`s3://http-reset-peer-records/${plan.records}report.json`);
  // The output lists the instances that failed first; the whole report keeps the targets' order.
  expect(result.instances.map((r) => r.instanceId)).toEqual([refused, early, silent, dropped, ok]);
  expect(written).toEqual({ ...whole, instances: written.instances });
});

test("output that is not the document's JSON line reads as nothing", async () => {
  const targets = instanceIds(1);
  const plan = planFor(targets);
  const run = await send({ plan, instanceIds: targets });
  fake().finish(run.commands[0].commandId, targets[0], "Failed", "sh: 1: python3: not found\n");
  const result = await report(plan, targets);
  expect(result.instances[0]).toMatchObject({ status: "Failed", outcome: null, connectionsReset: null });
});

test("a dry run reports the targets and that nothing was sent", async () => {
  const plan = planFor(instanceIds(2), { DRY_RUN: true });
  const result = await report(plan, instanceIds(2));
  expect(result).toMatchObject({
    dryRun: true,
    targets: instanceIds(2),
    instances: [],
    totals: { targets: 2, instances: 0, succeeded: 0, failed: 0, connectionsReset: 0 },
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
  const result = await report(plan, targets);
  expect(result.totals).toEqual({
    targets: 60,
    instances: 60,
    succeeded: 60,
    failed: 0,
    connectionsReset: 720,
    remoteConnectionsReset: 720,
    remoteTraffic: { Reset: 60 },
  });
  // The document's invocations since the start are listed in pages of 50, never read one by one
  // or command by command.
  expect(fake().ssm.commandCalls(GetCommandInvocationCommand)).toHaveLength(0);
  for (const call of fake().ssm.commandCalls(ListCommandInvocationsCommand)) {
    expect(call.args[0].input).toMatchObject({ Details: true, MaxResults: 50 });
    expect(call.args[0].input.CommandId).toBeUndefined();
    expect(call.args[0].input.Filters).toEqual([
      { key: "DocumentName", value: "HttpResetPeer" },
      { key: "InvokedAfter", value: "2026-01-01T00:00:00Z" },
    ]);
  }
  expect(addMetric).toHaveBeenCalledWith("ConnectionsReset", "Count", 720);
});

test("an SSM error other than a missing invocation fails the task", async () => {
  const targets = instanceIds(1);
  const plan = planFor(targets);
  await send({ plan, instanceIds: targets });
  fake().ssm.on(ListCommandInvocationsCommand).rejects(awsError("AccessDeniedException"));
  await expect(report(plan, targets)).rejects.toThrow("AccessDeniedException");
});

test(`the output lists at most ${OUTPUT_LIST_LIMIT} targets and instances, failed ones first; the bucket holds them all`, async () => {
  const targets = instanceIds(OUTPUT_LIST_LIMIT + 20);
  const plan = planFor(targets);
  const run = await send({ plan, instanceIds: targets });
  for (const c of run.commands)
    for (const id of c.instanceIds) fake().finish(c.commandId, id, "Success", injectOutput());
  const last = run.commands.at(-1)!;
  fake().finish(last.commandId, targets.at(-1)!, "Failed", '{"action":"Inject","error":"x"}');
  const result = await report(plan, targets);
  expect(result.targets).toEqual(targets.slice(0, OUTPUT_LIST_LIMIT));
  expect(result.instances).toHaveLength(OUTPUT_LIST_LIMIT);
  expect(result.instances[0]).toMatchObject({ instanceId: targets.at(-1), status: "Failed" });
  expect(result).toMatchObject({ listsCut: true, totals: { targets: 120, instances: 120, failed: 1 } });
  const whole = fake().record(`${plan.records}report.json`) as { targets: string[]; instances: unknown[] };
  expect(whole.targets).toEqual(targets);
  expect(whole.instances).toHaveLength(120);
});
