import { resetEnvironment, setEnvironment } from "./support/environment";
import { DescribeAlarmsCommand } from "@aws-sdk/client-cloudwatch";
import {
  FAILURES_LISTED,
  handler as checkHandler,
  MAX_DELIVERIES,
} from "../../lambda/handlers/check-progress";
import { handler as sendHandler } from "../../lambda/handlers/send-command";
import { logger, metrics } from "../../lambda/telemetry";
import { instanceIds, useFakeAws } from "./support/fake-aws";
import { injectOutput, planFor } from "./support/plan";
import { invoked } from "./support/invoke";

const check = invoked(checkHandler);
const send = invoked(sendHandler);

const fake = useFakeAws();

async function inject(count: number) {
  const ids = instanceIds(count);
  const plan = planFor(ids);
  const { commands } = await send({ plan, instanceIds: ids });
  return { ids, plan, commands };
}

test("right after SendCommand the invocations do not exist yet: still in progress", async () => {
  const { plan, commands } = await inject(3);
  expect(await check({ plan, commands })).toEqual({ state: "InProgress" });
  expect(await check({ plan, commands })).toEqual({ state: "InProgress" });
});

test("an invocation SSM does not list yet is pending", async () => {
  fake().unlistedPolls = 0;
  const { ids, plan, commands } = await inject(2);
  fake().commands[0].invocations.delete(ids[1]);
  fake().finish(commands[0].commandId, ids[0], "Success", injectOutput());
  expect(await check({ plan, commands })).toEqual({ state: "InProgress" });
});

test("succeeds once every invocation of every command succeeded, over every page", async () => {
  fake().unlistedPolls = 0;
  const { ids, plan, commands } = await inject(55);
  for (const c of commands)
    for (const id of c.instanceIds) fake().finish(c.commandId, id, "Success", injectOutput());
  fake().commands[0].invocations.get(ids[49])!.status = "InProgress";
  expect(await check({ plan, commands })).toEqual({ state: "InProgress" });
  fake().finish(commands[0].commandId, ids[49], "Success", injectOutput());
  expect(await check({ plan, commands })).toEqual({ state: "Succeeded" });
});

test("one failed instance fails the run at once, with the document's own reason", async () => {
  fake().unlistedPolls = 0;
  const { ids, plan, commands } = await inject(3);
  const refused = '{"action":"Inject","error":"another injection is active on this instance (run-0)"}\n';
  fake().finish(commands[0].commandId, ids[0], "Failed", refused);
  fake().finish(commands[0].commandId, ids[1], "TimedOut");
  expect(await check({ plan, commands })).toEqual({
    state: "Failed",
    failed: 2,
    failures: [
      {
        instanceId: ids[0],
        status: "Failed",
        reason: "another injection is active on this instance (run-0)",
      },
      { instanceId: ids[1], status: "TimedOut", reason: "TimedOut" },
    ],
  });
});

test("an instance the program did not reach is sent the fault again, and the check returns the commands to watch", async () => {
  fake().unlistedPolls = 0;
  const { ids, plan, commands } = await inject(3);
  fake().undeliver(commands[0].commandId, ids[1]);
  fake().finish(commands[0].commandId, ids[0], "Success", injectOutput());
  const progress = await check({ plan, commands });
  const resent = fake().sent("Inject")[1];
  expect(resent.instanceIds).toEqual([ids[1]]);
  expect(resent.parameters).toEqual(fake().sent("Inject")[0].parameters);
  expect(progress).toEqual({
    state: "InProgress",
    commands: [
      { commandId: commands[0].commandId, instanceIds: [ids[0], ids[2]] },
      { commandId: resent.id, instanceIds: [ids[1]], attempt: 2 },
    ],
  });
  // Recorded, as every command sent is, for the abort's cleanup and the report.
  expect(fake().record(`${plan.records}commands/${resent.id}.json`)).toEqual([
    { commandId: resent.id, instanceIds: [ids[1]], attempt: 2 },
  ]);
  fake().finish(resent.id, ids[1], "Success", injectOutput());
  fake().finish(commands[0].commandId, ids[2], "Success", injectOutput());
  expect(await check({ plan, commands: progress.commands! })).toEqual({ state: "Succeeded" });
});

test(`after ${MAX_DELIVERIES} deliveries the program never reached, the instance fails the run, with the reason`, async () => {
  fake().unlistedPolls = 0;
  const { ids, plan, commands } = await inject(1);
  let watched = commands;
  for (let delivery = 1; delivery < MAX_DELIVERIES; delivery++) {
    fake().undeliver(watched[0].commandId, ids[0]);
    watched = (await check({ plan, commands: watched })).commands!;
    expect(watched).toEqual([expect.objectContaining({ attempt: delivery + 1 })]);
  }
  fake().undeliver(watched[0].commandId, ids[0]);
  expect(await check({ plan, commands: watched })).toMatchObject({
    state: "Failed",
    failed: 1,
    failures: [
      { instanceId: ids[0], reason: expect.stringMatching(/^the program's part .* was not fetched/) },
    ],
  });
  expect(fake().sent("Inject")).toHaveLength(MAX_DELIVERIES);
});

test("beside an instance that failed, one the program did not reach is not sent the fault again", async () => {
  fake().unlistedPolls = 0;
  const { ids, plan, commands } = await inject(2);
  fake().undeliver(commands[0].commandId, ids[0]);
  fake().finish(commands[0].commandId, ids[1], "Failed", '{"action":"Inject","error":"nothing listens"}\n');
  expect(await check({ plan, commands })).toMatchObject({ state: "Failed", failed: 2 });
  expect(fake().sent("Inject")).toHaveLength(1);
});

test(`a Failed progress lists the first ${FAILURES_LISTED} failures and counts them all`, async () => {
  fake().unlistedPolls = 0;
  const { ids, plan, commands } = await inject(60);
  for (const [n, id] of ids.entries()) fake().finish(commands[Math.floor(n / 50)].commandId, id, "Failed");
  const progress = await check({ plan, commands });
  expect(progress).toMatchObject({ state: "Failed", failed: 60 });
  expect(progress.failures).toHaveLength(FAILURES_LISTED);
});

test("a stop-condition alarm in ALARM comes first and is named", async () => {
  setEnvironment({ STOP_CONDITION_ALARMS: JSON.stringify(["latency", "errors"]) });
  fake().alarms.set("latency", { state: "OK" });
  fake().alarms.set("errors", { state: "ALARM", composite: true });
  const { plan, commands } = await inject(1);
  fake().ssm.resetHistory();
  expect(await check({ plan, commands })).toEqual({ state: "AlarmTriggered", alarm: "errors" });
  expect(fake().ssm.calls()).toHaveLength(0);
  expect(fake().cloudwatch.commandCalls(DescribeAlarmsCommand)[0].args[0].input.AlarmTypes).toEqual([
    "MetricAlarm",
    "CompositeAlarm",
  ]);
});

test("the safety lever engaged stops the fault at the check, naming the lever, before any command is read", async () => {
  const { plan, commands } = await inject(1);
  fake().lever = "engaged";
  fake().ssm.resetHistory();
  expect(await check({ plan, commands })).toEqual({
    state: "LeverEngaged",
    lever: "http-reset-peer-safety-lever",
  });
  expect(
    fake()
      .ssm.calls()
      .map((c) => c.args[0].constructor.name),
  ).toEqual(["GetParameterCommand"]);
});

test("alarms that are not in ALARM let the fault run; missing ones are logged", async () => {
  setEnvironment({ STOP_CONDITION_ALARMS: JSON.stringify(["latency", "gone"]) });
  fake().alarms.set("latency", { state: "INSUFFICIENT_DATA" });
  const warn = jest.spyOn(logger, "warn");
  const { plan, commands } = await inject(1);
  expect(await check({ plan, commands })).toEqual({ state: "InProgress" });
  expect(warn).toHaveBeenCalledWith("stop-condition alarms not found", { missing: ["gone"] });
});

test("more than 100 alarm names are asked for 100 at a time", async () => {
  const names = Array.from({ length: 150 }, (_, n) => `alarm-${n}`);
  setEnvironment({ STOP_CONDITION_ALARMS: JSON.stringify(names) });
  names.forEach((n) => fake().alarms.set(n, { state: "OK" }));
  fake().alarms.set("alarm-149", { state: "ALARM" });
  const { plan, commands } = await inject(1);
  expect(await check({ plan, commands })).toEqual({ state: "AlarmTriggered", alarm: "alarm-149" });
  expect(fake().cloudwatch.commandCalls(DescribeAlarmsCommand)).toHaveLength(2);
});

test("an unexpected SSM error fails the task", async () => {
  const { plan } = await inject(1);
  await expect(
    check({ plan, commands: [{ commandId: "cmd-404", instanceIds: instanceIds(1) }] }),
  ).rejects.toThrow("InvalidCommandId");
});

test("every check publishes the experiment's live metrics: in progress, and the batch's instances under fault", async () => {
  fake().unlistedPolls = 0;
  const { ids, plan, commands } = await inject(3);
  fake().finish(commands[0].commandId, ids[0], "Success", injectOutput());
  setEnvironment({ POWERTOOLS_METRICS_DISABLED: "false" });
  // Powertools prints each metric, a line of the embedded metric format, with a console of its own.
  const lines: string[] = [];
  const single = metrics.singleMetric.bind(metrics);
  const made = jest.spyOn(metrics, "singleMetric").mockImplementation(() => {
    const metric = single();
    (metric as unknown as { console: Pick<Console, "log"> }).console = {
      log: (line: string) => lines.push(line),
    };
    return metric;
  });
  try {
    expect(await check({ plan, commands })).toEqual({ state: "InProgress" });
  } finally {
    made.mockRestore();
    resetEnvironment();
  }
  const documents = lines.map(
    (line) => JSON.parse(line) as Record<string, unknown> & { _aws: { CloudWatchMetrics: unknown[] } },
  );
  const metric = (name: string) => documents.find((d) => name in d);
  expect(metric("ExperimentInProgress")).toMatchObject({
    ExperimentInProgress: 1,
    ExperimentId: plan.experimentId,
    _aws: { CloudWatchMetrics: [{ Namespace: "HttpResetPeer", Dimensions: [["service", "ExperimentId"]] }] },
  });
  expect(metric("InstancesUnderFault")).toMatchObject({
    InstancesUnderFault: 2,
    ExperimentId: plan.experimentId,
    Batch: ids[0],
    _aws: { CloudWatchMetrics: [{ Dimensions: [["service", "ExperimentId", "Batch"]] }] },
  });
});
