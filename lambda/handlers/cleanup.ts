/**
 * Undoes an experiment: cancels its commands still in flight and sends Action=Cleanup to every
 * instance that may hold the fault. Runs inside the state machine after a failure or an alarm, and
 * from an EventBridge rule when an execution is aborted, times out or fails (a StopExecution runs
 * no Catch). Both may run for one experiment: every step is harmless the second time. After an
 * execution stopped or timed out, the rule's run also writes the experiment's report.
 */
import type { CleanupEvent, CleanupResult } from "../contract";
import { reportStoppedExecution } from "../report/stopped-report";
import { logger, metrics, MetricUnit, task } from "../telemetry";
import { fromExecution, fromStateMachine, NOTHING, undo } from "../stopping/undo";

export const handler = task("cleanup", async (event: CleanupEvent): Promise<CleanupResult> => {
  const experiment = "detail" in event ? fromExecution(event) : fromStateMachine(event);
  if (!experiment) {
    logger.info("nothing to clean up", { event });
    return NOTHING;
  }
  logger.appendKeys({ experimentId: experiment.access.experimentId, region: experiment.access.region });
  const result = await undo(experiment);
  metrics.addMetric("CommandsCancelled", MetricUnit.Count, result.cancelled.length);
  metrics.addMetric("CleanupCommandsSent", MetricUnit.Count, result.cleanupCommands.length);
  logger.info("cleaned up", { ...result });
  if ("detail" in event) await reportStoppedExecution(event, result);
  return result;
});
