/**
 * Stops every running experiment of the fault's state machine within seconds of a stop condition:
 * EventBridge rules invoke it when one of the stop-condition alarms goes to ALARM, and when the
 * safety lever's parameter changes (it acts only if the lever is then engaged). Each running
 * execution is stopped (error StopConditionAlarm or SafetyLeverEngaged, the cause saying why), then
 * undone at once, as the abort rule's cleanup would undo it a little later: its commands in flight
 * cancelled and Action=Cleanup sent to its targets. The polled check in the state machine stays as
 * the backstop, and the abort rule still runs: every step of a cleanup is harmless the second time.
 */
import { EVENT_TYPES } from "../../lib/event-types";
import { STOP_ERRORS } from "../../lib/stop-errors";
import type { StopExperimentsEvent, StoppedExperiments } from "../contract";
import { runningExecutions, stopExecution } from "../stopping/executions";
import { engagedLever } from "../stopping/safety-lever";
import { logger, metrics, MetricUnit, task } from "../telemetry";
import { fromExecution, NOTHING, undo } from "../stopping/undo";

/** Why the experiments stop, as the executions' error and cause; undefined when they need not. */
async function stopCause(event: StopExperimentsEvent): Promise<{ error: string; cause: string } | undefined> {
  if (event["detail-type"] === EVENT_TYPES.parameterChange) {
    const lever = await engagedLever();
    return lever
      ? { error: STOP_ERRORS.lever, cause: `The safety lever ${lever} was engaged at ${event.time}` }
      : undefined;
  }
  const { alarmName, state } = event.detail;
  logger.appendKeys({ alarm: alarmName });
  return {
    error: STOP_ERRORS.alarm,
    cause: `The stop-condition alarm ${alarmName} went to ALARM at ${event.time}: ${state.reason}`,
  };
}

export const handler = task(
  "stop-experiments",
  async (event: StopExperimentsEvent): Promise<StoppedExperiments> => {
    const why = await stopCause(event);
    if (!why) {
      logger.info("the safety lever was released: nothing to stop");
      return { stopped: [] };
    }
    const stopped = await Promise.all(
      (await runningExecutions()).map(async (executionArn) => {
        const detail = await stopExecution(executionArn, why.error, why.cause);
        const experiment = fromExecution({ "detail-type": EVENT_TYPES.executionStatusChange, detail });
        const cleanup = experiment ? await undo(experiment) : NOTHING;
        logger.info("experiment stopped", { executionArn, ...cleanup });
        return { executionArn, cleanup };
      }),
    );
    metrics.addMetric("ExperimentsStopped", MetricUnit.Count, stopped.length);
    return { stopped };
  },
);
