/** What an experiment costs: the fault's control plane at list prices, and AWS FIS for the same. */
import { COMMAND_OVERHEAD_SECONDS, type ExperimentRun, type ExperimentSpec } from "./experiment";
import { BILLED_CALLS, PRICES } from "./prices";

export interface Bill {
  readonly stepFunctions: number;
  readonly lambdaRequests: number;
  readonly lambdaDuration: number;
  readonly apiCalls: number;
  /** The custom metrics the experiment sent. */
  readonly metrics: number;
  /** Step Functions, Lambda, billed API calls and custom metrics. */
  readonly total: number;
  /** The state machine's log of the execution data (not in the total). */
  readonly logs: number;
}

/** Lambda bills each invocation's duration in whole milliseconds, rounded up. */
export const billedMs = (run: ExperimentRun): number =>
  run.invocations.reduce((sum, i) => sum + Math.ceil(i.durationMs ?? 0), 0);

export function billOf(run: ExperimentRun): Bill {
  const stepFunctions = run.billedTransitions * PRICES.stateTransition;
  const lambdaRequests = run.invocations.length * PRICES.lambdaRequest;
  const lambdaDuration = run.invocations.reduce(
    (sum, i) =>
      sum +
      (Math.ceil(i.durationMs ?? 0) / 1000) *
        (i.fn.memorySizeMb / 1024) *
        PRICES.lambdaGbSecond[i.fn.architecture],
    0,
  );
  const apiCalls = Object.entries(run.calls).reduce(
    (sum, [name, n]) => sum + n * (BILLED_CALLS[name] ?? 0),
    0,
  );
  const metrics = run.customMetrics * PRICES.customMetricHour;
  return {
    stepFunctions,
    lambdaRequests,
    lambdaDuration,
    apiCalls,
    metrics,
    total: stepFunctions + lambdaRequests + lambdaDuration + apiCalls + metrics,
    logs: (run.executionDataBytes / 1e9) * PRICES.logsGb,
  };
}

/**
 * AWS FIS for the same experiment: one aws:ssm:send-command action for all the targets at once
 * (FIS charges the same whatever the number of resources), or one per instance run one after
 * another for serial. Each lasts the command's run, rounded to the nearest minute, at least one.
 */
export function fisActionMinutes(spec: ExperimentSpec): number {
  const actions = spec.sequence === "serial" ? spec.targets : 1;
  const minutes = Math.max(1, Math.round((spec.durationSeconds + COMMAND_OVERHEAD_SECONDS) / 60));
  return actions * minutes;
}

export const fisDollars = (spec: ExperimentSpec): number => fisActionMinutes(spec) * PRICES.fisActionMinute;
