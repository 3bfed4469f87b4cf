/**
 * Fleets of thousands of simulated instances: sample sizes, the 50-ID limit, throttling survived
 * through the SDK's adaptive retry, and each run's API calls, state transitions and history events
 * against Step Functions' limits (25,000 events, 256 KiB per state's input or output).
 */
import "./support/environment";
import { SimulatedAgent, type SimulatedAgentOptions } from "./support/agents/simulated";
import { SimulatedClock, TIMING_ON_THE_CLOCK } from "./support/clock";
import type { FakeAwsOptions } from "./support/fake-aws";
import { localFault, type LocalFault } from "./support/local-fault";
import type { ExecutionOutcome } from "./support/runner/execution";
import { MAX_HISTORY_EVENTS, MAX_PAYLOAD_BYTES } from "./support/runner/history";
import { MAX_TARGETS } from "../../lib/execution-limits";
import { describeOutcome, reportOf } from "./support/scenario";

const TIMING = { timing: { visibilityMs: 20, deliveryMs: 5, msPerTimeoutSecond: 10 } };
const FAST = { waitMs: 5 };

function summary(name: string, local: LocalFault, outcome: ExecutionOutcome): void {
  const calls = local.aws.calls;
  console.log(
    `${name}: ${describeOutcome(outcome).slice(0, 300)}\n` +
      `  ${outcome.historyEvents} history events, ${outcome.stateTransitions} state transitions, ` +
      `largest state payload ${outcome.maxPayloadBytes} bytes, ${outcome.stoppedAt - outcome.startedAt} ms\n` +
      `  ${calls.calls.length} API calls (${calls.throttledCount()} throttled): ${JSON.stringify(calls.counts())}`,
  );
}

function fleetOf(
  count: number,
  agentOptions: SimulatedAgentOptions = { msPerSecond: 2 },
  options: FakeAwsOptions = TIMING,
) {
  const local = localFault(options);
  const agent = new SimulatedAgent({ ...agentOptions, resetsPerSecond: 1 });
  local.aws.fleet.addMany(count, { tags: { app: "web" }, agent });
  // A few that must never be picked: other tags, or not running.
  local.aws.fleet.addMany(5, { tags: { app: "db" }, agent });
  local.aws.fleet.addMany(5, { tags: { app: "web" }, agent, state: "stopped" });
  return { local, agent };
}

function expectNoSendOver50(local: LocalFault): void {
  for (const name of ["SSM:SendCommand", "SSM:CancelCommand"]) {
    for (const call of local.aws.calls.of(name))
      expect((call.input.InstanceIds as string[]).length).toBeLessThanOrEqual(50);
  }
}

test("1,000 instances by tag, 20% of calls throttled: the sample, batches of 50, every call retried", async () => {
  const { local, agent } = fleetOf(1000);
  try {
    local.aws.calls.throttle(0.2);
    const outcome = await local.stateMachine.start(
      { EC2_INSTANCE_TAG: "app:web", INSTANCE_AFFECTED_PERC: 6, TOTAL_CHAOS_DURATION: 5 },
      FAST,
    ).done;
    summary("1,000 by tag, 6%, 20% throttled", local, outcome);
    expect(describeOutcome(outcome)).toBe("SUCCEEDED");
    const report = reportOf(outcome);
    expect(report.targets).toHaveLength(60);
    expect(new Set(report.targets).size).toBe(60);
    expect(report.totals).toMatchObject({ instances: 60, succeeded: 60, failed: 0 });
    const picked = new Set(agent.runs.map((r) => r.instanceId));
    expect(picked).toEqual(new Set(report.targets));
    for (const id of picked)
      expect(local.aws.fleet.get(id)).toMatchObject({ state: "running", tags: { app: "web" } });
    expect(local.aws.calls.of("SSM:SendCommand", { throttled: false })).toHaveLength(2);
    expectNoSendOver50(local);
    expect(local.aws.calls.throttledCount()).toBeGreaterThan(0);
    expect(outcome.historyEvents).toBeLessThan(MAX_HISTORY_EVENTS);
  } finally {
    await local.dispose();
  }
}, 120_000);

test("10,000 instances by tag, 20% of calls throttled: every page read, the sample right, batches of 50", async () => {
  const { local } = fleetOf(10_000);
  try {
    local.aws.calls.throttle(0.2);
    const outcome = await local.stateMachine.start(
      { EC2_INSTANCE_TAG: "app:web", INSTANCE_AFFECTED_PERC: 2, TOTAL_CHAOS_DURATION: 5 },
      FAST,
    ).done;
    summary("10,000 by tag, 2%, 20% throttled", local, outcome);
    expect(describeOutcome(outcome)).toBe("SUCCEEDED");
    expect(reportOf(outcome).targets).toHaveLength(200);
    expect(reportOf(outcome).totals).toMatchObject({ instances: 200, succeeded: 200, failed: 0 });
    // 10,000 running instances carry the tag: ten pages of 1,000.
    expect(local.aws.calls.of("EC2:DescribeInstances", { throttled: false })).toHaveLength(10);
    expect(local.aws.calls.of("SSM:SendCommand", { throttled: false })).toHaveLength(4);
    expect(local.aws.calls.throttledCount()).toBeGreaterThan(0);
    expectNoSendOver50(local);
  } finally {
    await local.dispose();
  }
}, 120_000);

/**
 * Step Functions' limits: one execution takes at most MAX_TARGETS instances. At that size both
 * sequences stay within 25,000 history events and 256 KiB per state, with the Waits and the
 * instances on one simulated clock, so each group is checked as often as on AWS. Larger
 * selections are refused before anything is sent.
 */
describe("within Step Functions' execution limits", () => {
  test.each(["parallel", "serial"])(
    `a %s run over ${MAX_TARGETS} instances, 30 s each`,
    async (sequence) => {
      const clock = new SimulatedClock();
      const { local } = fleetOf(MAX_TARGETS, { clock }, { timing: TIMING_ON_THE_CLOCK });
      try {
        const groups = sequence === "serial" ? MAX_TARGETS : 1;
        const outcome = await local.stateMachine.start(
          {
            EC2_INSTANCE_TAG: "app:web",
            INSTANCE_AFFECTED_PERC: 100,
            TOTAL_CHAOS_DURATION: 30,
            SEQUENCE: sequence,
          },
          { waitMs: clock.waitsOfRun(30, groups) },
        ).done;
        summary(`${sequence} over ${MAX_TARGETS}`, local, outcome);
        expect(describeOutcome(outcome)).toBe("SUCCEEDED");
        expect(outcome.maxPayloadBytes).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES);
        expect(outcome.historyEvents).toBeLessThanOrEqual(MAX_HISTORY_EVENTS);
        expect(reportOf(outcome).totals).toMatchObject({ instances: MAX_TARGETS, succeeded: MAX_TARGETS });
        expectNoSendOver50(local);
      } finally {
        await local.dispose();
      }
    },
    180_000,
  );

  test.each([
    ["parallel", 10_000],
    ["serial", 5000],
  ])(
    "a %s run over %i instances is refused by name, and nothing is sent",
    async (sequence, count) => {
      const { local } = fleetOf(count);
      try {
        const outcome = await local.stateMachine.start(
          { EC2_INSTANCE_TAG: "app:web", INSTANCE_AFFECTED_PERC: 100, SEQUENCE: sequence },
          FAST,
        ).done;
        expect(outcome.status).toBe("FAILED");
        expect(outcome.error).toBe("TooManyTargetsError");
        expect(outcome.cause).toContain(`${count} instances were selected`);
        expect(local.aws.calls.of("SSM:SendCommand")).toHaveLength(0);
      } finally {
        await local.dispose();
      }
    },
    120_000,
  );
});
