import { PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import {
  GetCommandInvocationCommand,
  ListCommandInvocationsCommand,
  ListCommandsCommand,
} from "@aws-sdk/client-ssm";
import type { Plan, Report, ReportEvent } from "../../lambda/contract";
import { CLIENT_TABLE_INSTANCES } from "../../lambda/report/client-table";
import { SCRIPT_STEP } from "../../lib/document-names";
import { OUTPUT_LIST_LIMIT } from "../../lambda/report/experiment-report";
import { handler as taskHandler } from "../../lambda/handlers/report";
import { handler as sendHandler } from "../../lambda/handlers/send-command";
import { handler as checkHandler } from "../../lambda/handlers/check-progress";
import { DATA_PER_CALL } from "../../lambda/report/report-metrics";
import { awsError, instanceIds, useFakeAws } from "./support/fake-aws";
import { CLIENT_ROWS, CLIENTS, injectOutput, NOTHING_TOLD, planFor } from "./support/plan";
import { invoked } from "./support/invoke";

const handler = invoked(taskHandler);
const send = invoked(sendHandler);
const check = invoked(checkHandler);

const fake = useFakeAws();

const INPUT = { EC2_INSTANCE_TAG: "app:web", TOTAL_CHAOS_DURATION: 30 };

/** Report on `targets`, written where resolve-targets writes them. */
function report(plan: Plan, targets: string[], more: Pick<ReportEvent, "stop" | "cleanup"> = {}) {
  const key = `${plan.records}targets.json`;
  fake().objects.set(key, JSON.stringify(targets.map((instanceId) => ({ instanceId }))));
  return handler({ plan, targets: { key, count: targets.length }, input: INPUT, ...more });
}

/** The metric data the report published, in the order sent. */
const published = () =>
  fake()
    .cloudwatch.commandCalls(PutMetricDataCommand)
    .flatMap((call) => call.args[0].input.MetricData ?? []);

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
      connectionsSpared: 0,
      requestsReset: { GET: 10, POST: 2 },
      requestsForwarded: { GET: 5 },
      remoteTraffic: "Reset",
      verified: true,
      verifiedBy: ["remote peers", "localhost"],
      startedAt: "2026-01-01T00:00:00.000Z",
      endedAt: "2026-01-01T00:00:30.000Z",
      restored: true,
      outcome: "completed",
      resetSeries: { start: "2026-01-01T00:00:00Z", step: 1, counts: expect.any(Array) },
      clients: CLIENTS,
    },
    {
      instanceId: refused,
      commandId: runs[1].commands[0].commandId,
      status: "Failed",
      ...NOTHING_TOLD,
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
    connectionsSpared: 0,
    // Summed by method over the three instances that told their counts.
    requestsReset: { GET: 30, POST: 6 },
    requestsForwarded: { GET: 15 },
    remoteTraffic: { Reset: 2, InterceptedNotReset: 1 },
    // Over the three instances that told what their clients did, each client with its instance.
    clients: {
      instances: 3,
      seen: 6,
      retries: 9,
      unsafeRetries: { POST: 3 },
      reconnected: 6,
      notSeenAgain: 0,
      retryDelayMsMax: 200,
      reconnectMsMax: 800,
      amplificationMax: 1.5,
      top: [ok, early, dropped].map((instanceId) => ({ ...CLIENTS.top[0], instanceId })),
    },
  });
  const { reportObject, reportPage, reportPageConsoleUrl, listsCut, ...whole } = result;
  expect(whole).toMatchObject({
    experimentId: "run-1",
    dryRun: false,
    region: "eu-west-1",
    input: INPUT,
    startedAt: plan.startedAt,
    targets: ids,
  });
  expect(Date.parse(whole.reportedAt)).toBeGreaterThanOrEqual(Date.parse(plan.startedAt));
  expect(whole).not.toHaveProperty("stop");
  expect(listsCut).toBe(false);
  expect(reportObject).toBe(`s3://http-reset-peer-records/${plan.records}report.json`);
  expect(reportPage).toBe(`s3://http-reset-peer-records/${plan.records}report.html`);
  expect(reportPageConsoleUrl).toBe(
    "https://console.aws.amazon.com/s3/object/http-reset-peer-records?region=eu-west-1&prefix=" +
      encodeURIComponent(`${plan.records}report.html`),
  );
  const page = fake().objects.get(`${plan.records}report.html`) ?? "";
  expect(page).toMatch(/^<!DOCTYPE html>/i);
  for (const id of ids) expect(page).toContain(id);
  // The output lists the instances that failed first; the whole report keeps the targets' order.
  expect(result.instances.map((r) => r.instanceId)).toEqual([refused, early, silent, dropped, ok]);
  expect(written).toEqual({ ...whole, instances: written.instances, clients: written.clients });
  // The clients' rows, read from the full output of the instances that told of clients: the
  // unsafe ones first. The execution's output leaves them to report.json.
  expect(written.clients).toEqual({
    instancesRead: 3,
    instancesWithClients: 3,
    rows: [
      ...[ok, early, dropped].map((instanceId) => ({ ...CLIENT_ROWS[0], instanceId })),
      ...[ok, early, dropped].map((instanceId) => ({ ...CLIENT_ROWS[1], instanceId })),
    ],
  });
  expect(result).not.toHaveProperty("clients");
  for (const call of fake().ssm.commandCalls(GetCommandInvocationCommand))
    expect(call.args[0].input).toMatchObject({ PluginName: SCRIPT_STEP });
});

test("a report whose clients' rows cannot be read says why, and reports the rest", async () => {
  const targets = instanceIds(2);
  const plan = planFor(targets);
  const run = await send({ plan, instanceIds: targets });
  for (const id of targets) fake().finish(run.commands[0].commandId, id, "Success", injectOutput());
  fake().ssm.on(GetCommandInvocationCommand).rejects(awsError("AccessDeniedException"));
  const result = await report(plan, targets);
  expect(result.totals).toMatchObject({ succeeded: 2, clients: { instances: 2, seen: 4 } });
  const written = fake().record(`${plan.records}report.json`) as Report;
  expect(written.clients).toMatchObject({ instancesRead: 0, instancesWithClients: 2, rows: [] });
  expect(written.clients?.error).toMatch(/^could not read the rows of i-\w+: AccessDeniedException/);
  expect(fake().objects.get(`${plan.records}report.html`)).toContain("could not read the rows of");
});

test("an instance the fault was sent to again is reported once, from its last command", async () => {
  const targets = instanceIds(2);
  const plan = planFor(targets);
  const first = (await send({ plan, instanceIds: targets })).commands[0];
  fake().undeliver(first.commandId, targets[0]);
  fake().finish(first.commandId, targets[1], "Success", injectOutput());
  await new Promise((r) => setTimeout(r, 5)); // sent later, as the check sends it
  const again = (await check({ plan, commands: [first] })).commands!.at(-1)!;
  fake().finish(again.commandId, targets[0], "Success", injectOutput({ connectionsReset: 7 }));
  const result = await report(plan, targets);
  expect(result.instances.map((r) => [r.instanceId, r.commandId, r.status])).toEqual([
    [targets[0], again.commandId, "Success"],
    [targets[1], first.commandId, "Success"],
  ]);
  expect(result.totals).toMatchObject({ instances: 2, succeeded: 2, failed: 0, connectionsReset: 19 });
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

test("reports many instances a page at a time, and publishes their resets at the times they happened", async () => {
  const targets = instanceIds(60);
  const plan = planFor(targets);
  const run = await send({ plan, instanceIds: targets });
  run.commands.forEach((c) =>
    c.instanceIds.forEach((id) =>
      fake().finish(c.commandId, id, "Success", injectOutput({ connectionsSpared: 3 })),
    ),
  );
  const result = await report(plan, targets);
  expect(result.totals).toEqual({
    targets: 60,
    instances: 60,
    succeeded: 60,
    failed: 0,
    connectionsReset: 720,
    remoteConnectionsReset: 720,
    connectionsSpared: 180,
    requestsReset: { GET: 600, POST: 120 },
    requestsForwarded: { GET: 300 },
    remoteTraffic: { Reset: 60 },
    clients: expect.objectContaining({ instances: 60, seen: 120, retries: 180, unsafeRetries: { POST: 60 } }),
  });
  expect(result.totals.clients.top).toHaveLength(10);
  // The document's invocations since the start are listed in pages of 50, never read one by one
  // or command by command; only the clients' rows of CLIENT_TABLE_INSTANCES instances are read
  // one by one, whatever the fleet's size.
  expect(fake().ssm.commandCalls(GetCommandInvocationCommand)).toHaveLength(CLIENT_TABLE_INSTANCES);
  for (const call of fake().ssm.commandCalls(ListCommandInvocationsCommand)) {
    expect(call.args[0].input).toMatchObject({ Details: true, MaxResults: 50 });
    expect(call.args[0].input.CommandId).toBeUndefined();
    expect(call.args[0].input.Filters).toEqual([
      { key: "DocumentName", value: "HttpResetPeer" },
      { key: "InvokedAfter", value: "2026-01-01T00:00:00Z" },
    ]);
  }
  // Each instance's series, a datum per second at that second; the experiment's, the sum of them
  // all, second by second; and the experiment's six totals, three of them what its clients did.
  const data = published();
  expect(data).toHaveLength(60 * 30 + 30 + 6);
  for (const call of fake().cloudwatch.commandCalls(PutMetricDataCommand)) {
    expect(call.args[0].input.Namespace).toBe("HttpResetPeer");
    expect(call.args[0].input.MetricData!.length).toBeLessThanOrEqual(DATA_PER_CALL);
  }
  const first = data.filter(
    (d) => d.MetricName === "ConnectionsReset" && d.Dimensions?.some((x) => x.Value === targets[0]),
  );
  expect(first).toHaveLength(30);
  expect(first.reduce((total, d) => total + (d.Value ?? 0), 0)).toBe(12);
  expect(first[0]).toMatchObject({
    Dimensions: [
      { Name: "ExperimentId", Value: "run-1" },
      { Name: "InstanceId", Value: targets[0] },
    ],
    Timestamp: new Date("2026-01-01T00:00:00Z"),
    Unit: "Count",
    StorageResolution: 1,
  });
  expect(first[29].Timestamp).toEqual(new Date("2026-01-01T00:00:29Z"));
  const perExperiment = data.filter((d) => d.Dimensions?.length === 1);
  const totals = Object.fromEntries(
    perExperiment.filter((d) => d.MetricName !== "ConnectionsReset").map((d) => [d.MetricName, d.Value]),
  );
  expect(totals).toEqual({
    Targets: 60,
    InstancesFailed: 0,
    ExperimentDuration: expect.any(Number),
    ClientRetries: 180,
    UnsafeRetries: 60,
    ReconnectMs: 800,
  });
  const experimentSeries = perExperiment.filter((d) => d.MetricName === "ConnectionsReset");
  expect(experimentSeries.map((d) => d.Value)).toEqual(
    [3, 3, 2, 2, 2, ...Array(25).fill(0)].map((n) => n * 60),
  );
  expect(experimentSeries[0]).toMatchObject({
    Dimensions: [{ Name: "ExperimentId", Value: "run-1" }],
    Timestamp: new Date("2026-01-01T00:00:00Z"),
  });
});

test("a stopped experiment's report says why it stopped and what its cleanup did", async () => {
  const targets = instanceIds(2);
  const plan = planFor(targets);
  const run = await send({ plan, instanceIds: targets });
  for (const id of targets) fake().finish(run.commands[0].commandId, id, "Cancelled", "");
  const stop = { Error: "StopConditionAlarm", Cause: "The alarm <web-5xx> went to ALARM" };
  const cleanup = {
    cancelled: [run.commands[0].commandId],
    cleanupCommands: [{ commandId: "c-1", instances: 2 }],
  };
  const result = await report(plan, targets, { stop, cleanup });
  expect(result).toMatchObject({ stop, cleanup, totals: { failed: 2 } });
  expect(result.instances.map((r) => r.status)).toEqual(["Cancelled", "Cancelled"]);
  const page = fake().objects.get(`${plan.records}report.html`) ?? "";
  expect(page).toContain("StopConditionAlarm");
  expect(page).toContain("&lt;web-5xx&gt;");
  expect(page).not.toContain("<web-5xx>");
});

test("a command its task recorded is reported once SSM lists it, as an experiment stopped at once finds it", async () => {
  const targets = instanceIds(2);
  const plan = planFor(targets);
  fake().listingDelayMs = 300;
  const run = await send({ plan, instanceIds: targets });
  for (const id of targets) fake().finish(run.commands[0].commandId, id, "Cancelled", "");
  const result = await report(plan, targets);
  expect(result.instances.map((r) => [r.commandId, r.status])).toEqual(
    targets.map(() => [run.commands[0].commandId, "Cancelled"]),
  );
  expect(fake().ssm.commandCalls(ListCommandsCommand).length).toBeGreaterThan(1);
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
  // The instances the output lists, and only those, have a metric of their own.
  const ownMetric = new Set(
    published().flatMap(
      (d) => d.Dimensions?.filter((x) => x.Name === "InstanceId").map((x) => x.Value) ?? [],
    ),
  );
  // The failed one printed no series; the output carries no instance's series.
  const listed = result.instances.map((r) => r.instanceId).filter((id) => id !== targets.at(-1));
  expect([...ownMetric].sort()).toEqual(listed.sort());
  expect(result.instances.some((r) => "resetSeries" in r)).toBe(false);
});
