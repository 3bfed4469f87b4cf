/**
 * One experiment of the construct's real state machine, every task bound to its real handler,
 * against the in-memory AWS with a fleet of simulated instances selected by tag. Waits and faults
 * run on one simulated clock (test/local/support/clock.ts), or in real time with a hypothesis, whose
 * sampled probes take real time; what is measured is everything the execution did.
 */
import "../../test/local/support/environment";
import { MAX_TARGETS } from "../../lib/execution-limits";
import { SimulatedAgent } from "../../test/local/support/agents/simulated";
import { localFault } from "../../test/local/support/local-fault";
import type { DeployedFunction } from "../../test/local/support/runner/deployment";
import type { ExecutionOutcome, LocalExecution } from "../../test/local/support/runner/execution";
import { payloadBytes } from "../../test/local/support/runner/history";
import type { Invocation } from "../../test/local/support/runner/lambda";
import { ALARM, describeOutcome, reportOf, SCENARIO_PROPS } from "../../test/local/support/scenario";
import { SimulatedClock, TIMING_ON_THE_CLOCK } from "../../test/local/support/clock";
import { COMMAND_PROBE_ANSWER, hypothesisProps, probedWorld } from "./hypothesis-world";

/**
 * Seconds from SendCommand to the command's end on top of DurationSeconds: the agent picking it up,
 * the script setting up and restoring (item 5 of the payload benchmarks: well under a second), and
 * the status reaching SSM.
 */
export const COMMAND_OVERHEAD_SECONDS = 2;

export interface ExperimentSpec {
  /** Running instances carrying the tag. */
  readonly instances: number;
  /** Of which the experiment selects this many (INSTANCE_AFFECTED_PERC is derived from it). */
  readonly targets: number;
  readonly sequence: "parallel" | "serial";
  readonly durationSeconds: number;
  /** Whether the deployment has a stop-condition alarm (in OK, so the fault runs its course). */
  readonly alarm: boolean;
  /**
   * Whether the deployment has a hypothesis of every kind of probe (./hypothesis-world.ts). Its
   * sampled probes run in real time, so the experiment does, each Wait as long as on AWS.
   */
  readonly hypothesis?: boolean;
}

export interface ExperimentRun {
  readonly outcome: ExecutionOutcome;
  /** States entered and Task retries: what Step Functions Standard bills. */
  readonly billedTransitions: number;
  readonly invocations: readonly (Invocation & { readonly fn: DeployedFunction })[];
  /** "Service:Operation" → calls. */
  readonly calls: Record<string, number>;
  readonly progressChecks: number;
  /** How long the experiment would take on AWS: the simulated clock at its end. */
  readonly simulatedSeconds: number;
  /**
   * The execution's wall time from its first event (the local runner validates the definition
   * before, which Step Functions does once, at deployment), and the part of it in which some state
   * other than a Wait ran, in the execution or one of its children: the control plane's own work.
   */
  readonly wallMs: number;
  readonly workMs: number;
  /** Every state's input and output: what the state machine's log holds at level ALL with execution data, at the least. */
  readonly executionDataBytes: number;
  /** Rounds of the hypothesis's sampling loop. */
  readonly samplingRounds: number;
  /**
   * Custom metrics the experiment sent, each a metric-hour: the report's (PutMetricData, one per
   * name and dimensions) and the progress checks' (ExperimentInProgress, and InstancesUnderFault
   * per batch, a child execution), counted from the runs, which are all within an hour.
   */
  readonly customMetrics: number;
}

const TAG = { key: "app", value: "web" };

export const inputOf = (spec: ExperimentSpec) => ({
  EC2_INSTANCE_TAG: `${TAG.key}:${TAG.value}`,
  INSTANCE_AFFECTED_PERC: Math.round((100 * spec.targets) / spec.instances),
  TOTAL_CHAOS_DURATION: spec.durationSeconds,
  SEQUENCE: spec.sequence,
});

/** Runs one experiment; it must end as planned (SUCCEEDED over every target, or refused above MAX_TARGETS). */
export async function runExperiment(spec: ExperimentSpec): Promise<ExperimentRun> {
  const local = localFault({
    timing: spec.hypothesis ? { visibilityMs: 0, deliveryMs: 0 } : TIMING_ON_THE_CLOCK,
    props: spec.hypothesis ? await hypothesisProps() : spec.alarm ? SCENARIO_PROPS : undefined,
  });
  let stopWorld = () => undefined as void;
  try {
    if (spec.alarm) local.aws.cloudwatch.addAlarm(ALARM);
    const clock = new SimulatedClock();
    const realTime = {
      after: (seconds: number, fn: () => void) => {
        const timer = setTimeout(fn, (seconds + COMMAND_OVERHEAD_SECONDS) * 1000);
        return () => clearTimeout(timer);
      },
    };
    const agent = new SimulatedAgent({
      clock: spec.hypothesis
        ? realTime
        : { after: (seconds, fn) => clock.after(seconds + COMMAND_OVERHEAD_SECONDS, fn) },
      resetsPerSecond: 1,
      commandProbe: () => COMMAND_PROBE_ANSWER,
    });
    const ids = local.aws.fleet
      .addMany(spec.instances, { tags: { [TAG.key]: TAG.value }, agent })
      .map((i) => i.id);
    if (spec.hypothesis) stopWorld = await probedWorld(local, agent, ids);
    const started = Date.now();
    const execution = local.stateMachine.start(
      inputOf(spec),
      spec.hypothesis ? {} : { waitMs: clock.waitsOfRun(spec.durationSeconds) },
    );
    const outcome = await execution.done;
    expectPlanned(spec, outcome, local.aws.calls.of("SSM:SendCommand").length);
    const fns = new Map(local.deployment.functions.map((f) => [f.task, f]));
    return {
      outcome,
      billedTransitions:
        outcome.stateTransitions + execution.events.filter((e) => e.type === "StateRetried").length,
      invocations: execution.invocations.map((i) => ({ ...i, fn: fns.get(i.task) as DeployedFunction })),
      calls: local.aws.calls.counts(),
      progressChecks: execution.invocations.filter((i) => i.task === "checkProgress").length,
      simulatedSeconds: spec.hypothesis ? (Date.now() - started) / 1000 : clock.elapsedSeconds,
      wallMs: outcome.stoppedAt - (execution.events[0]?.at ?? outcome.startedAt),
      workMs: execution.workingMs(),
      executionDataBytes: executionDataBytes(execution),
      samplingRounds: execution.invocations.filter((i) => i.task === "sampleProbes").length,
      customMetrics:
        new Set(local.aws.cloudwatch.metricData.map((d) => JSON.stringify([d.MetricName, d.Dimensions])))
          .size + (outcome.childExecutions ? 1 + outcome.childExecutions : 0),
    };
  } finally {
    stopWorld();
    await local.dispose();
  }
}

/**
 * Runs every spec `runs` times, a round of all of them at a time so that whatever else the machine
 * does falls on each alike; returns each spec's runs.
 */
export async function runEach(
  specs: readonly ExperimentSpec[],
  runs: number,
  progress: (round: number) => void,
): Promise<ExperimentRun[][]> {
  const results: ExperimentRun[][] = specs.map(() => []);
  for (let round = 1; round <= runs; round++) {
    for (const [i, spec] of specs.entries()) results[i].push(await runExperiment(spec));
    progress(round);
  }
  return results;
}

function expectPlanned(spec: ExperimentSpec, outcome: ExecutionOutcome, sends: number): void {
  if (spec.targets > MAX_TARGETS) {
    if (outcome.error !== "TooManyTargetsError" || sends > 0) {
      throw new Error(`expected a refusal before anything was sent, got ${describeOutcome(outcome)}`);
    }
    return;
  }
  const totals = outcome.status === "SUCCEEDED" ? reportOf(outcome).totals : undefined;
  if (totals?.succeeded !== spec.targets) {
    throw new Error(`expected ${spec.targets} instances to succeed, got ${describeOutcome(outcome)}`);
  }
  // With a hypothesis, every probe judged and passed: the whole of what a hypothesis costs.
  const verdict = reportOf(outcome).verdict;
  if (
    spec.hypothesis &&
    (verdict?.result !== "Passed" || verdict.probes.some((p) => p.outcome !== "Passed"))
  ) {
    throw new Error(
      `expected the hypothesis to pass, got ${JSON.stringify(verdict?.probes.map((p) => [p.name, p.outcome, p.reason]))}`,
    );
  }
}

/** Real time between entering and leaving each Wait state (one at a time, see test/local/support/clock.ts). */
function executionDataBytes(execution: LocalExecution): number {
  let bytes = 0;
  for (const e of execution.events) {
    if (e.type === "StateEntered") bytes += payloadBytes(e.state.input);
    if (e.type === "StateExited") bytes += payloadBytes(e.state.output);
  }
  return bytes;
}
