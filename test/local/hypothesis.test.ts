/**
 * Whole experiments judged against a hypothesis: the construct's state machine, the real handlers,
 * a fake CloudWatch holding the alarms' history and the metrics' datapoints as AWS does, and
 * simulated instances that tell what their clients did. Each ends with a verdict in the output, in
 * report.json and on the event bus; a verdict other than Passed fails the execution once the fault
 * is over and cleaned up.
 */
import "./support/environment";
import { Duration, type Stack } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import { AlarmExpectation, ProbeComparison, ProbePhase, type HttpResetPeerFaultProps } from "../../lib";
import type { Verdict } from "../../lambda/contract";
import { SimulatedAgent, type SimulatedAgentOptions } from "./support/agents/simulated";
import type { LocalFault } from "./support/local-fault";
import { FAST, SIMULATED_INPUT, simulatedFleet } from "./support/simulated-fleet";
import { describeOutcome, recordedReport, reportOf, wholeReport } from "./support/scenario";
import { waitFor } from "../payload/support/exec";

const LATENCY_ALARM = "checkout-latency";
const RESETS_ALARM = "checkout-resets";
const ERRORS = { namespace: "Checkout", metricName: "Errors5xx", dimensions: { Service: "checkout" } };
const LATENCY = { namespace: "Checkout", metricName: "LatencyP99", dimensions: { Service: "checkout" } };

const hypothesis = (stack: Stack, failExecution?: boolean): HttpResetPeerFaultProps => ({
  hypothesis: {
    statement: "Checkout keeps answering, our alarm sees the resets, and no order is sent twice",
    alarms: [
      {
        name: "latency-stays-ok",
        alarm: cloudwatch.Alarm.fromAlarmName(stack, "Latency", LATENCY_ALARM),
        expect: AlarmExpectation.STAYS_OK,
      },
      {
        name: "resets-seen",
        alarm: cloudwatch.Alarm.fromAlarmName(stack, "Resets", RESETS_ALARM),
        expect: AlarmExpectation.FIRES,
        within: Duration.minutes(2),
      },
    ],
    metrics: [
      {
        name: "few-5xx",
        metric: new cloudwatch.Metric({
          namespace: ERRORS.namespace,
          metricName: ERRORS.metricName,
          dimensionsMap: ERRORS.dimensions,
          statistic: "Sum",
          period: Duration.minutes(1),
        }),
        comparison: ProbeComparison.LESS_THAN_OR_EQUAL,
        threshold: 5,
        phase: ProbePhase.CONTINUOUSLY,
        missingDataValue: 0,
      },
      {
        name: "p99-under-a-second",
        metric: new cloudwatch.Metric({
          namespace: LATENCY.namespace,
          metricName: LATENCY.metricName,
          dimensionsMap: LATENCY.dimensions,
          statistic: "Maximum",
          period: Duration.minutes(1),
        }),
        comparison: ProbeComparison.LESS_THAN,
        threshold: 1000,
      },
    ],
    clients: { maxUnsafeRetries: 0, weight: 2 },
    failExecution,
  },
  tunableDefaults: { observeRecoverySeconds: 0 },
});

const GATED = (stack: Stack) => hypothesis(stack);
const REPORTED_ONLY = (stack: Stack) => hypothesis(stack, false);
/** Two simulated instances, and the hypothesis's alarms, OK. */
function fleet(props: typeof GATED, agent: SimulatedAgentOptions = {}) {
  const { local, agent: simulated } = simulatedFleet(2, { props, agent });
  local.aws.cloudwatch.addAlarm(LATENCY_ALARM);
  local.aws.cloudwatch.addAlarm(RESETS_ALARM);
  return { local, agent: simulated };
}

/** Datapoints for both metrics now, the latency's `latencyMs`. */
function publish(local: LocalFault, latencyMs = 200): void {
  const at = new Date();
  local.aws.cloudwatch.record(ERRORS.namespace, ERRORS.metricName, ERRORS.dimensions, [{ at, value: 1 }]);
  local.aws.cloudwatch.record(LATENCY.namespace, LATENCY.metricName, LATENCY.dimensions, [
    { at, value: latencyMs },
  ]);
}

/** Fires the resets alarm as soon as the fault reaches an instance, as a real alarm on resets would. */
async function fireOnInjection(local: LocalFault, agent: SimulatedAgent): Promise<void> {
  await waitFor("the fault to reach an instance", () =>
    agent.runs.some((r) => r.parameters.Action === "Inject"),
  );
  local.aws.cloudwatch.setAlarmState(RESETS_ALARM, "ALARM");
}

const probe = (verdict: Verdict | undefined, name: string) => verdict?.probes.find((p) => p.name === name);

const verdictEvents = (local: LocalFault) =>
  local.aws.eventBridge.events.filter((e) => e.detailType === "Hypothesis Verdict");

test("a hypothesis that holds: Passed, score 100, with the time the alarm took to see the fault", async () => {
  const { local, agent } = fleet(GATED);
  try {
    publish(local);
    const execution = local.stateMachine.start(SIMULATED_INPUT, FAST);
    await fireOnInjection(local, agent);
    publish(local);
    const outcome = await execution.done;
    expect(describeOutcome(outcome)).toBe("SUCCEEDED");
    const verdict = reportOf(outcome).verdict;
    expect(verdict).toMatchObject({ result: "Passed", score: 100, steadyStateHeld: true });
    expect(verdict?.probes.map((p) => [p.name, p.outcome])).toEqual([
      ["latency-stays-ok", "Passed"],
      ["resets-seen", "Passed"],
      ["few-5xx", "Passed"],
      ["p99-under-a-second", "Passed"],
      ["clients", "Passed"],
    ]);
    expect(probe(verdict, "resets-seen")?.evidence.timeToDetectSeconds).toEqual(expect.any(Number));
    expect(probe(verdict, "few-5xx")?.windows?.map((w) => w.phase)).toEqual(["Before", "During", "After"]);
    // The same verdict in report.json, on the page, on the bus, and as a metric.
    expect(wholeReport(local, outcome).verdict).toEqual(verdict);
    const [, bucket, key] = /^s3:\/\/([^/]+)\/(.+)$/.exec(reportOf(outcome).reportPage) ?? [];
    const page = local.aws.s3.read(bucket, key);
    expect(page).toContain("Verdict: Passed, score 100");
    expect(page).toContain("Did the clients retry safely? Yes");
    expect(page).toMatch(/Did alarm checkout-resets see it\? Yes, [\d.]+ s after the fault&#39;s start\./);
    expect(verdictEvents(local)).toEqual([
      expect.objectContaining({
        source: "http-reset-peer",
        detail: expect.objectContaining({ result: "Passed", score: 100 }),
      }),
    ]);
    expect(
      local.aws.cloudwatch.metricData.filter((d) => d.MetricName === "HypothesisScore").map((d) => d.Value),
    ).toEqual([100, 100]);
  } finally {
    await local.dispose();
  }
}, 60_000);

/** The verdict of an execution that failed, from the report it wrote. */
const recordedVerdict = (local: LocalFault, name: string) => recordedReport(local, name)?.verdict;

const injections = (local: LocalFault) => local.aws.ssm.commandsOf("Inject");

test("an alarm that never fires is a blind spot: Failed, and the execution fails HypothesisRejected after a clean fault", async () => {
  const { local, agent } = fleet(GATED);
  try {
    publish(local);
    const execution = local.stateMachine.start(SIMULATED_INPUT, FAST);
    const outcome = await execution.done;
    expect(outcome.error).toBe("HypothesisRejected");
    expect(outcome.cause).toMatch(/^Failed, score \d+: failed: resets-seen$/);
    const verdict = recordedVerdict(local, execution.name);
    expect(probe(verdict, "resets-seen")).toMatchObject({ outcome: "Failed", evidence: { blindSpot: true } });
    expect(probe(verdict, "resets-seen")?.reason).toContain("blind spot");
    // Weights 1, 1, 1, 1 and 2: four of six passed.
    expect(verdict?.score).toBe(83);
    // The fault ran to its end everywhere and restored each instance before the verdict.
    expect(agent.runs.filter((r) => r.parameters.Action === "Inject")).toHaveLength(2);
    expect(verdictEvents(local).map((e) => e.detail.result)).toEqual(["Failed"]);
    // The abort rule sees the failed execution and finds nothing to undo: no Cleanup is sent.
    expect(outcome.ruleCleanup?.result).toMatchObject({ cancelled: [], cleanupCommands: [] });
    expect(agent.runs.filter((r) => r.parameters.Action === "Cleanup")).toEqual([]);
  } finally {
    await local.dispose();
  }
}, 60_000);

test("a POST sent twice fails the clients probe; with failExecution false the execution succeeds with the verdict", async () => {
  const { local, agent } = fleet(REPORTED_ONLY, { unsafeRetries: { POST: 3 } });
  try {
    publish(local);
    const execution = local.stateMachine.start(SIMULATED_INPUT, FAST);
    await fireOnInjection(local, agent);
    const outcome = await execution.done;
    expect(describeOutcome(outcome)).toBe("SUCCEEDED");
    const verdict = reportOf(outcome).verdict;
    expect(verdict?.result).toBe("Failed");
    expect(probe(verdict, "clients")).toMatchObject({
      outcome: "Failed",
      evidence: { unsafeRetries: { POST: 6 } },
    });
    expect(probe(verdict, "clients")?.reason).toContain("6 unsafe retries (at most 0)");
  } finally {
    await local.dispose();
  }
}, 60_000);

test("a metric with no datapoint during the fault cannot be judged: Inconclusive, never Passed", async () => {
  const { local, agent } = fleet(GATED);
  try {
    // Only the 5XX count, which counts a missing period as 0: the latency has no data at all.
    const execution = local.stateMachine.start(SIMULATED_INPUT, FAST);
    await fireOnInjection(local, agent);
    const outcome = await execution.done;
    expect(outcome.error).toBe("HypothesisInconclusive");
    const verdict = recordedVerdict(local, execution.name);
    expect(verdict).toMatchObject({ result: "Inconclusive", steadyStateHeld: true });
    expect(probe(verdict, "p99-under-a-second")).toMatchObject({
      outcome: "Inconclusive",
      reason: "During: the metric had no datapoint in the window",
    });
    expect(verdict?.score).toBe(83);
  } finally {
    await local.dispose();
  }
}, 60_000);

test("a steady state that does not hold injects nothing, and the verdict says why", async () => {
  const { local } = fleet(GATED);
  try {
    publish(local);
    local.aws.cloudwatch.setAlarmState(LATENCY_ALARM, "ALARM");
    const execution = local.stateMachine.start(SIMULATED_INPUT, FAST);
    const outcome = await execution.done;
    expect(outcome.error).toBe("HypothesisRejected");
    expect(injections(local)).toHaveLength(0);
    const verdict = recordedVerdict(local, execution.name);
    expect(verdict).toMatchObject({ result: "Failed", steadyStateHeld: false, score: 50 });
    expect(verdict?.summary).toContain("the steady state did not hold: nothing was injected");
    expect(probe(verdict, "latency-stays-ok")).toMatchObject({
      outcome: "Failed",
      evidence: { stateBefore: "ALARM" },
    });
    expect(probe(verdict, "resets-seen")?.outcome).toBe("Skipped");
  } finally {
    await local.dispose();
  }
}, 60_000);

test("a dry run judges the steady state alone, and says what it would have judged", async () => {
  const { local } = fleet(GATED);
  try {
    publish(local);
    const outcome = await local.stateMachine.start({ ...SIMULATED_INPUT, DRY_RUN: true }, FAST).done;
    expect(describeOutcome(outcome)).toBe("SUCCEEDED");
    expect(injections(local)).toHaveLength(0);
    const verdict = reportOf(outcome).verdict;
    expect(verdict).toMatchObject({ result: "Passed", score: 100, steadyStateHeld: true });
    expect(verdict?.probes.map((p) => [p.name, p.outcome])).toEqual([
      ["latency-stays-ok", "Passed"],
      ["resets-seen", "Skipped"],
      ["few-5xx", "Passed"],
      ["p99-under-a-second", "Skipped"],
      ["clients", "Skipped"],
    ]);
    expect(verdict?.summary).toContain("dry run: nothing was injected");
  } finally {
    await local.dispose();
  }
}, 60_000);
