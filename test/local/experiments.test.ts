/**
 * Whole experiments on three namespace-backed instances, each serving HTTP with a client sending
 * requests all the time: the construct's state machine, the real handlers, the real document.
 * Tests wait for events (a command ended, a client answered), never for a time: how fast the
 * fault starts, ends and restores is measured by the benchmarks.
 */
import "./support/environment";
import { describeAsRoot } from "../payload/support/root";
import { waitFor } from "../payload/support/exec";
import { NamespaceFleet, PORT, type NamespaceInstance } from "./support/fleet";
import { localFault, type LocalFault } from "./support/local-fault";
import { ALARM, describeOutcome, recordedReport, reportOf, SCENARIO_PROPS } from "./support/scenario";

/** Progress is checked twice a second; ramps wait as long as the input says. */
const FAST_POLLS = { waitMs: { "Wait for progress": 500 } };

/**
 * Waits until each member's client has been answered a few times since `from`, then checks that
 * from its first answer on it got nothing but answers: the instance serves again, for good.
 */
async function expectAnswered(members: NamespaceInstance[], from: number): Promise<void> {
  await waitFor("every client to be answered", () =>
    members.every((m) => m.traffic.fromFirstAnswer(from).length >= 5),
  );
  for (const m of members) expect(m.traffic.fromFirstAnswer(from).every((s) => s.outcome === 200)).toBe(true);
}

/** Every Cleanup the member ran since `since`: each ended, exit 0, having restored the instance. */
function expectCleanedUp(m: NamespaceInstance, since: number): void {
  const cleanups = m.agent.runs.filter((r) => r.action === "Cleanup" && r.startedAt >= since);
  expect(cleanups.length).toBeGreaterThan(0);
  for (const c of cleanups) expect(c).toMatchObject({ exitCode: 0, summary: { restored: true } });
}

/** A fault long enough to be stopped in the middle. */
const EVERY_INSTANCE_FOR_A_MINUTE = {
  EC2_INSTANCE_TAG: "app:web",
  INSTANCE_AFFECTED_PERC: 100,
  TARGET_SERVICE_PORT: PORT,
  TOTAL_CHAOS_DURATION: 60,
};

describeAsRoot("whole experiments on namespace-backed instances", () => {
  let local: LocalFault;
  let fleet: NamespaceFleet;

  beforeAll(async () => {
    // SSM lists each command only 3 s after it is sent, longer than a stop below takes to come:
    // each stop's cleanup must find the injection it cancels without SSM's list.
    local = localFault({ props: SCENARIO_PROPS, timing: { visibilityMs: 3000 } });
    local.aws.cloudwatch.addAlarm(ALARM);
    fleet = await NamespaceFleet.create(local.aws, 3, () => ({ app: "web" }));
    // Every instance answers before anything starts.
    await expectAnswered(fleet.members, 0);
  }, 60_000);

  afterAll(async () => {
    await fleet?.destroy();
  }, 30_000);

  /** The status of each invocation of the injections sent since `since`. */
  const injectionStatuses = (since: number) =>
    local.aws.ssm.commands
      .filter((c) => c.values.Action === "Inject" && c.requestedAt.getTime() >= since)
      .flatMap((c) => [...c.invocations.values()].map((i) => i.status));

  /** Runs an experiment, polling fast, to its end, which must be success. */
  const succeeded = async (input: unknown) => {
    const outcome = await local.stateMachine.start(input, FAST_POLLS).done;
    expect(describeOutcome(outcome)).toBe("SUCCEEDED");
    return outcome;
  };

  afterEach(async () => {
    local.aws.cloudwatch.setAlarmState(ALARM, "OK");
    // Every command sent ends first, the abort rule's cleanup included; then nothing of the fault remains.
    await fleet.commandsEnded();
    expect(await fleet.allClean()).toBe(true);
  });

  test("by tag, 66%, parallel, with a ramp: two instances reset their clients, the third never", async () => {
    const start = Date.now();
    const outcome = await succeeded({
      EC2_INSTANCE_TAG: "app:web",
      INSTANCE_AFFECTED_PERC: "66",
      TARGET_SERVICE_PORT: PORT,
      TOTAL_CHAOS_DURATION: 4,
      RAMP_TIME: 2,
    });
    const report = reportOf(outcome);
    const hit = fleet.members.filter((m) => report.targets.includes(m.instance.id));
    const spared = fleet.members.filter((m) => !report.targets.includes(m.instance.id));
    for (const m of spared) {
      expect(m.traffic.resets(start)).toBe(0);
      expect(m.agent.runs).toHaveLength(0);
    }
    for (const m of hit) {
      const window = m.traffic.resetWindow(start);
      expect(window).toBeDefined();
      // RAMP_TIME before: no reset in the first two seconds.
      expect(window!.first - start).toBeGreaterThanOrEqual(2000);
      // RAMP_TIME after: the execution ended at least two seconds after the fault did.
      expect(outcome.stoppedAt - m.agent.runs[0].endedAt!).toBeGreaterThanOrEqual(1900);
    }
    // Everyone answers again afterwards.
    await expectAnswered(hit, outcome.stoppedAt);
    const clientResets = hit.reduce((n, m) => n + m.traffic.resets(start), 0);
    expect(report.totals).toMatchObject({ failed: 0 });
    expect(Math.abs(report.totals.connectionsReset - clientResets)).toBeLessThanOrEqual(
      Math.max(3, clientResets * 0.1),
    );
    expect(local.aws.calls.of("SSM:SendCommand", { throttled: false })).toHaveLength(1);
    // 66% of three instances is two (issue 4), rounded to the nearest instance.
    expect(report.targets).toHaveLength(2);
  }, 60_000);

  test("RESET_PERCENTAGE 50 on one instance: its client meets resets and answers, and the report counts both", async () => {
    const start = Date.now();
    const [target] = fleet.members;
    const outcome = await succeeded({
      EC2_INSTANCE_ID: target.instance.id,
      TARGET_SERVICE_PORT: PORT,
      TOTAL_CHAOS_DURATION: 4,
      RESET_PERCENTAGE: 50,
    });
    const [instance] = reportOf(outcome).instances;
    const window = target.traffic.resetWindow(start)!;
    const during = target.traffic.between(window.first, window.last);
    expect(during.some((s) => s.outcome === 200)).toBe(true);
    const reset = instance.remoteConnectionsReset!;
    const spared = instance.connectionsSpared!;
    const n = reset + spared;
    expect(n).toBeGreaterThan(100);
    // Each connection is chosen independently: within five standard deviations of half.
    expect(Math.abs(reset - n / 2)).toBeLessThan(5 * Math.sqrt(n / 4));
    expect(reportOf(outcome).totals).toMatchObject({ connectionsSpared: spared, failed: 0 });
    await expectAnswered([target], outcome.stoppedAt);
  }, 60_000);

  test("serial over explicit IDs: each window follows the last, never overlapping", async () => {
    const ids = fleet.ids.slice(0, 2);
    const start = Date.now();
    const outcome = await succeeded({
      EC2_INSTANCE_ID: ids.join(","),
      SEQUENCE: "serial",
      TARGET_SERVICE_PORT: String(PORT),
      TOTAL_CHAOS_DURATION: "3",
    });
    const [a, b] = ids.map((id) => fleet.byId(id));
    const [wa, wb] = [a.traffic.resetWindow(start), b.traffic.resetWindow(start)];
    const runA = a.agent.runs.at(-1)!;
    const runB = b.agent.runs.at(-1)!;
    expect(runB.startedAt).toBeGreaterThanOrEqual(runA.endedAt!);
    expect(wa && wb).toBeTruthy();
    expect(wb!.first).toBeGreaterThan(runA.endedAt!);
    expect(reportOf(outcome).instances.map((i) => i.instanceId)).toEqual(ids);
    expect(reportOf(outcome).instances.every((i) => i.status === "Success")).toBe(true);
  }, 60_000);

  test("DRY_RUN resolves and reports the targets, and sends nothing", async () => {
    const sent = local.aws.calls.of("SSM:SendCommand").length;
    const outcome = await local.stateMachine.start({
      EC2_INSTANCE_TAG: "app:web",
      DRY_RUN: true,
      INSTANCE_AFFECTED_PERC: 100,
      TARGET_SERVICE_PORT: PORT,
    }).done;
    expect(describeOutcome(outcome)).toBe("SUCCEEDED");
    expect(reportOf(outcome)).toMatchObject({ dryRun: true, targets: expect.any(Array) });
    expect(reportOf(outcome).targets).toHaveLength(3);
    expect(local.aws.calls.of("SSM:SendCommand")).toHaveLength(sent);
  }, 30_000);

  test("aborted mid-fault: the abort rule's cleanup restores every instance, and every client is answered again", async () => {
    const run = local.stateMachine.start(EVERY_INSTANCE_FOR_A_MINUTE, FAST_POLLS);
    const since = Date.now();
    await waitFor("every client to be reset", () => fleet.members.every((m) => m.traffic.resets(since) > 0));
    run.abort();
    const outcome = await run.done;
    expect(outcome.status).toBe("ABORTED");
    expect(outcome.ruleCleanup?.error).toBeUndefined();
    // Every command ends: the injections cancelled, and the abort rule's Cleanup run on each instance.
    await fleet.commandsEnded();
    expect(injectionStatuses(since)).toEqual(fleet.members.map(() => "Cancelled"));
    for (const m of fleet.members) expectCleanedUp(m, since);
    expect(await fleet.allClean()).toBe(true);
    await expectAnswered(fleet.members, Date.now());
  }, 60_000);

  /** The rest of a stopped experiment: every command ends, every instance is clean and serves again. */
  async function expectStoppedAndRestored(since: number): Promise<void> {
    await fleet.commandsEnded();
    // The minute-long injections were stopped, not run to their end.
    expect(injectionStatuses(since)).toEqual(fleet.members.map(() => "Cancelled"));
    for (const m of fleet.members) expectCleanedUp(m, since);
    expect(await fleet.allClean()).toBe(true);
    await expectAnswered(fleet.members, Date.now());
  }

  test("a stop-condition alarm mid-fault: its event stops the execution at once, naming the alarm, and cleans up", async () => {
    const since = Date.now();
    const run = local.stateMachine.start(EVERY_INSTANCE_FOR_A_MINUTE, FAST_POLLS);
    await waitFor("a client to be reset", () => fleet.members.some((m) => m.traffic.resets(since) > 0));
    local.aws.cloudwatch.setAlarmState(ALARM, "ALARM", "Threshold Crossed: 5 datapoints were greater than 1");
    const outcome = await run.done;
    expect(outcome.status).toBe("ABORTED");
    expect(outcome.error).toBe("StopConditionAlarm");
    expect(outcome.cause).toContain(`The stop-condition alarm ${ALARM} went to ALARM`);
    expect(outcome.cause).toContain("5 datapoints were greater than 1");
    const [delivery] = local.deliveries.filter((d) => d.rule === "alarm" && d.at.getTime() >= since);
    const { result } = await delivery.done;
    expect(result).toMatchObject({ stopped: [{ executionArn: run.arn }] });
    await expectStoppedAndRestored(since);
    // The abort rule's cleanup reported the experiment, with the cause it was stopped with.
    expect(outcome.ruleCleanup?.error).toBeUndefined();
    const report = recordedReport(local, run.name);
    expect(report?.stop).toEqual({ Error: "StopConditionAlarm", Cause: outcome.cause });
    expect(report?.cleanup?.cleanupCommands.length).toBeGreaterThan(0);
    expect(report?.instances.map((i) => i.status)).toEqual(fleet.members.map(() => "Cancelled"));
  }, 60_000);

  test("when the alarm's event is lost, the progress check stops the fault all the same", async () => {
    const since = Date.now();
    local.alarmEventsLost = true;
    try {
      const run = local.stateMachine.start(EVERY_INSTANCE_FOR_A_MINUTE, FAST_POLLS);
      await waitFor("a client to be reset", () => fleet.members.some((m) => m.traffic.resets(since) > 0));
      local.aws.cloudwatch.setAlarmState(ALARM, "ALARM");
      const outcome = await run.done;
      expect(outcome.status).toBe("FAILED");
      expect(outcome.error).toBe("StopConditionAlarm");
      expect(outcome.cause).toContain(ALARM);
      await expectStoppedAndRestored(since);
      // Reported in the state machine, after its cleanup, with the cause it failed with.
      expect(recordedReport(local, run.name)?.stop).toEqual({ Error: outcome.error, Cause: outcome.cause });
    } finally {
      local.alarmEventsLost = false;
    }
  }, 60_000);

  test("an experiment started while an alarm is in ALARM is refused by name, and nothing is sent", async () => {
    local.aws.cloudwatch.setAlarmState(ALARM, "ALARM");
    // The alarm's own event has come and gone: it stopped what was running then, which was nothing.
    await Promise.all(local.deliveries.map((d) => d.done));
    const since = Date.now();
    const outcome = await local.stateMachine.start(EVERY_INSTANCE_FOR_A_MINUTE, FAST_POLLS).done;
    expect(outcome.status).toBe("FAILED");
    expect(outcome.error).toBe("StopConditionAlarmError");
    expect(outcome.cause).toContain(`${ALARM} is in ALARM`);
    expect(local.aws.ssm.commands.filter((c) => c.requestedAt.getTime() >= since)).toEqual([]);
  }, 60_000);

  test("the safety lever engaged mid-fault stops the experiment, with cleanup; none runs until it is released", async () => {
    const since = Date.now();
    const run = local.stateMachine.start(EVERY_INSTANCE_FOR_A_MINUTE, FAST_POLLS);
    await waitFor("a client to be reset", () => fleet.members.some((m) => m.traffic.resets(since) > 0));
    local.setSafetyLever("engaged");
    try {
      const outcome = await run.done;
      expect(outcome.status).toBe("ABORTED");
      expect(outcome.error).toBe("SafetyLeverEngaged");
      expect(outcome.cause).toContain(`The safety lever ${local.deployment.safetyLever.name} was engaged`);
      await expectStoppedAndRestored(since);
      await Promise.all(local.deliveries.map((d) => d.done));
      const refusedSince = Date.now();
      const refused = await local.stateMachine.start(EVERY_INSTANCE_FOR_A_MINUTE, FAST_POLLS).done;
      expect(refused).toMatchObject({ status: "FAILED", error: "SafetyLeverEngagedError" });
      expect(local.aws.ssm.commands.filter((c) => c.requestedAt.getTime() >= refusedSince)).toEqual([]);
    } finally {
      local.setSafetyLever("released");
    }
    await Promise.all(local.deliveries.map((d) => d.done));
    const released = await local.stateMachine.start(
      { ...EVERY_INSTANCE_FOR_A_MINUTE, TOTAL_CHAOS_DURATION: 2 },
      FAST_POLLS,
    ).done;
    expect(released.status).toBe("SUCCEEDED");
  }, 90_000);
});
