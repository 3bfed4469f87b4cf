/**
 * Fleets of thousands of simulated instances: sample sizes, the 50-ID limit, throttling survived
 * through the SDK's adaptive retry, and each run's API calls, state transitions and history events
 * against Step Functions' limits (25,000 events per execution, parent and children alike, and
 * 256 KiB per state's input or output).
 */
import "./support/environment";
import { SimulatedAgent, type SimulatedAgentOptions } from "./support/agents/simulated";
import { SimulatedClock, TIMING_ON_THE_CLOCK } from "./support/clock";
import type { FakeAwsOptions } from "./support/fake-aws";
import { fetchFailed } from "./support/fake-aws/ssm-commands";
import { localFault, type LocalFault } from "./support/local-fault";
import type { ExecutionOutcome } from "./support/runner/execution";
import { MAX_HISTORY_EVENTS, MAX_PAYLOAD_BYTES } from "./support/runner/history";
import { MAX_TARGETS, PARALLEL_BATCH } from "../../lib/execution-limits";
import { describeOutcome, reportOf, wholeReport } from "./support/scenario";

const TIMING = { timing: { visibilityMs: 20, deliveryMs: 5, msPerTimeoutSecond: 10 } };
const FAST = { waitMs: 5 };

function summary(name: string, local: LocalFault, outcome: ExecutionOutcome): void {
  const calls = local.aws.calls;
  console.log(
    `${name}: ${describeOutcome(outcome).slice(0, 300)}\n` +
      `  ${outcome.historyEvents} history events (${outcome.childExecutions} children, at most ` +
      `${outcome.maxChildHistoryEvents} each), ${outcome.stateTransitions} state transitions, ` +
      `largest state payload ${outcome.maxPayloadBytes} bytes, the Map's gathered result ` +
      `${outcome.maxMapResultBytes} bytes, ${outcome.stoppedAt - outcome.startedAt} ms\n` +
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

/**
 * Each target got the fault in one of `batches` first sends, and again only after its agent could
 * not fetch the program (a throttled GetDocument, retried by the agent, can still fail).
 */
function expectDeliveries(local: LocalFault, targets: string[], batches: number): void {
  const injects = local.aws.ssm.commandsOf("Inject");
  const [firsts, agains] = [injects.slice(0, batches), injects.slice(batches)];
  expect(firsts.flatMap((c) => c.instanceIds).sort()).toEqual([...targets].sort());
  agains.forEach((command, index) => {
    for (const id of command.instanceIds) {
      const earlier = [...firsts, ...agains.slice(0, index)].flatMap((c) => c.invocations.get(id) ?? []);
      expect(earlier.length).toBeGreaterThan(0);
      for (const invocation of earlier) expect(fetchFailed(invocation)).toBe(true);
    }
  });
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
    expectDeliveries(local, report.targets, 2);
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
    const { targets } = wholeReport(local, outcome);
    expect(targets).toHaveLength(200);
    expect(reportOf(outcome).totals).toMatchObject({
      targets: 200,
      instances: 200,
      succeeded: 200,
      failed: 0,
    });
    // 10,000 running instances carry the tag: ten pages of 1,000.
    expect(local.aws.calls.of("EC2:DescribeInstances", { throttled: false })).toHaveLength(10);
    expectDeliveries(local, targets, 4);
    expect(local.aws.calls.throttledCount()).toBeGreaterThan(0);
    expectNoSendOver50(local);
  } finally {
    await local.dispose();
  }
}, 120_000);

test(`a failure in one of ${MAX_TARGETS / PARALLEL_BATCH} children stops the others, cleans up all ${MAX_TARGETS.toLocaleString("en-US")} instances, and the execution names it`, async () => {
  const local = localFault(TIMING);
  try {
    // The healthy instances hold the fault long enough (30 s at 1 s a second) to be running when it fails.
    const agent = new SimulatedAgent({ msPerSecond: 1000, resetsPerSecond: 1 });
    local.aws.fleet.addMany(MAX_TARGETS - 1, { tags: { app: "web" }, agent });
    const [failing] = local.aws.fleet.addMany(1, {
      tags: { app: "web" },
      agent: new SimulatedAgent({ msPerSecond: 1, exitCode: 1 }),
    });
    const execution = local.stateMachine.start(
      { EC2_INSTANCE_TAG: "app:web", INSTANCE_AFFECTED_PERC: 100, TOTAL_CHAOS_DURATION: 30 },
      { waitMs: 200 },
    );
    const outcome = await execution.done;
    summary(`parallel over ${MAX_TARGETS}, one failing`, local, outcome);
    expectWithinLimits(outcome);
    // The child's own cause, not the parent's news that a child failed.
    expect(outcome.error).toBe("FaultCommandFailed");
    expect(outcome.cause).toContain(failing.id);
    const statuses = await Promise.all(execution.children.map(async (c) => (await c.done).status));
    // The Map Run stopped the others: the failing child undid its own batch, the parent the rest.
    expect(statuses.sort()).toEqual(
      ["FAILED", ...Array(MAX_TARGETS / PARALLEL_BATCH - 1).fill("ABORTED")].sort(),
    );
    const cleaned = local.aws.calls
      .of("SSM:SendCommand", { throttled: false })
      .filter((call) => (call.input.Parameters as Record<string, string[]>).Action[0] === "Cleanup")
      .flatMap((call) => call.input.InstanceIds as string[]);
    expect(new Set(cleaned).size).toBe(MAX_TARGETS);
  } finally {
    await local.dispose();
  }
}, 120_000);

/**
 * The most the Inject Map's gathered result may hold: an eighth of the payload limit, so that a run
 * of MAX_TARGETS, one child per instance (serial) or per 50 (parallel), stays far from it.
 */
const MAX_MAP_RESULT_BYTES = MAX_PAYLOAD_BYTES / 8;

/** Every execution of a run, the parent and each child, within Step Functions' limits. */
function expectWithinLimits(outcome: ExecutionOutcome): void {
  expect(outcome.maxPayloadBytes).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES);
  expect(outcome.maxMapResultBytes).toBeLessThanOrEqual(MAX_MAP_RESULT_BYTES);
  expect(outcome.historyEvents).toBeLessThanOrEqual(MAX_HISTORY_EVENTS);
  expect(outcome.maxChildHistoryEvents).toBeLessThanOrEqual(MAX_HISTORY_EVENTS);
}

/**
 * Step Functions' limits at the largest runs: the targets go to the records bucket and come back
 * in batches, each a child execution with a history of its own, and the Waits and the instances
 * run on one simulated clock, so each group is checked as often as on AWS. Larger selections are
 * refused before anything is sent.
 */
describe("within Step Functions' execution limits", () => {
  test(`a parallel run over ${MAX_TARGETS.toLocaleString("en-US")} instances, 30 s each: ${MAX_TARGETS / PARALLEL_BATCH} children at once`, async () => {
    const clock = new SimulatedClock();
    const { local, agent } = fleetOf(MAX_TARGETS, { clock }, { timing: TIMING_ON_THE_CLOCK });
    try {
      const outcome = await local.stateMachine.start(
        { EC2_INSTANCE_TAG: "app:web", INSTANCE_AFFECTED_PERC: 100, TOTAL_CHAOS_DURATION: 30 },
        { waitMs: clock.waitsOfRun(30) },
      ).done;
      summary(`parallel over ${MAX_TARGETS}`, local, outcome);
      expect(describeOutcome(outcome)).toBe("SUCCEEDED");
      expectWithinLimits(outcome);
      expect(outcome.childExecutions).toBe(MAX_TARGETS / PARALLEL_BATCH);
      expect(reportOf(outcome).totals).toMatchObject({ instances: MAX_TARGETS, succeeded: MAX_TARGETS });
      expect(new Set(wholeReport(local, outcome).instances.map((r) => r.instanceId)).size).toBe(MAX_TARGETS);
      // All at once: every injection started before the first one ended.
      const firstEnd = Math.min(...agent.runs.map((r) => r.endedAt ?? Infinity));
      expect(agent.runs.filter((r) => r.startedAt <= firstEnd)).toHaveLength(MAX_TARGETS);
      expectNoSendOver50(local);
    } finally {
      await local.dispose();
    }
  }, 300_000);

  test("a serial run over 5,000 instances, 30 s each: one child after another, the windows in turn", async () => {
    const clock = new SimulatedClock();
    const { local, agent } = fleetOf(5000, { clock }, { timing: TIMING_ON_THE_CLOCK });
    try {
      const outcome = await local.stateMachine.start(
        {
          EC2_INSTANCE_TAG: "app:web",
          INSTANCE_AFFECTED_PERC: 100,
          TOTAL_CHAOS_DURATION: 30,
          SEQUENCE: "serial",
        },
        { waitMs: clock.waitsOfRun(30) },
      ).done;
      summary("serial over 5,000", local, outcome);
      expect(describeOutcome(outcome)).toBe("SUCCEEDED");
      expectWithinLimits(outcome);
      expect(outcome.childExecutions).toBe(5000);
      expect(reportOf(outcome).totals).toMatchObject({ instances: 5000, succeeded: 5000 });
      const runs = [...agent.runs].sort((a, b) => a.startedAt - b.startedAt);
      expect(runs).toHaveLength(5000);
      for (let i = 1; i < runs.length; i++)
        expect(runs[i].startedAt).toBeGreaterThanOrEqual(runs[i - 1].endedAt!);
      // 30 s each, checked every 10 s: the clock moved through 5,000 windows one after another.
      expect(clock.elapsedSeconds).toBeGreaterThanOrEqual(5000 * 30);
      expectNoSendOver50(local);
    } finally {
      await local.dispose();
    }
  }, 600_000);

  test(`a selection over ${MAX_TARGETS.toLocaleString("en-US")} instances is refused by name, and nothing is sent`, async () => {
    const { local } = fleetOf(MAX_TARGETS + 1);
    try {
      const outcome = await local.stateMachine.start(
        { EC2_INSTANCE_TAG: "app:web", INSTANCE_AFFECTED_PERC: 100 },
        FAST,
      ).done;
      expect(outcome.status).toBe("FAILED");
      expect(outcome.error).toBe("TooManyTargetsError");
      expect(outcome.cause).toContain(`${MAX_TARGETS + 1} instances were selected`);
      expect(local.aws.calls.of("SSM:SendCommand")).toHaveLength(0);
    } finally {
      await local.dispose();
    }
  }, 120_000);
});
