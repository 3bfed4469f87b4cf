/**
 * The report of an execution stopped from outside the state machine (by the stop function on a
 * stop condition, by a person, or by its timeout): no state of it runs any more, so the abort
 * rule's cleanup writes it, once it has undone the experiment. A failed execution has reported
 * in the state machine already, after its own cleanup.
 */
import type { CleanupResult, ExecutionStatusChangeEvent, ReportSummary, TargetsObject } from "../contract";
import { homeRegion } from "../input/environment";
import { executionStop } from "../stopping/execution-stop";
import { experimentIdFor } from "../input/experiment-id";
import { reportExperiment } from "./experiment-report";
import { readInput } from "../input/input";
import { planRun } from "../input/plan";
import { ifWritten, readTargets, recordsPrefix, targetsKey } from "../records/records";
import { logger } from "../telemetry";

const STOPPED_FROM_OUTSIDE = new Set(["ABORTED", "TIMED_OUT"]);

/** The targets resolve-targets wrote under a records prefix; undefined when it wrote none. */
async function writtenTargets(prefix: string): Promise<TargetsObject | undefined> {
  const key = targetsKey(prefix);
  const targets = await ifWritten(readTargets(key));
  return targets && { key, count: targets.length };
}

/**
 * Reports the experiment of an execution that was stopped or timed out, with the error and cause
 * it was stopped with, and what its cleanup did; undefined for any other end, or when it was
 * stopped before its targets were resolved (there is nothing to report on).
 */
export async function reportStoppedExecution(
  { detail }: ExecutionStatusChangeEvent,
  cleanup: CleanupResult,
): Promise<ReportSummary | undefined> {
  if (!STOPPED_FROM_OUTSIDE.has(detail.status) || detail.startDate === undefined) return undefined;
  const input = JSON.parse(detail.input ?? "{}") as Record<string, unknown>;
  const values = readInput(input);
  const experiment = {
    experimentId: experimentIdFor(detail.name),
    region: values.REGION || homeRegion(),
    // As resolve-targets had it from the context object: the same instant, in the same form.
    startedAt: new Date(detail.startDate).toISOString(),
  };
  const targets = await writtenTargets(recordsPrefix(experiment.experimentId, experiment.startedAt));
  if (!targets) {
    logger.info("the execution stopped before its targets were resolved: no report");
    return undefined;
  }
  const plan = planRun(values, experiment, targets.count);
  return reportExperiment({ plan, targets, input, stop: executionStop(detail), cleanup });
}
