/**
 * Stops every running experiment of the fault's state machine within seconds of a stop condition:
 * an EventBridge rule invokes it when one of the stop-condition alarms goes to ALARM. Each running
 * execution is stopped (error StopConditionAlarm, the cause naming the alarm and its reason), then
 * undone at once, as the abort rule's cleanup would undo it a little later: its commands in flight
 * cancelled and Action=Cleanup sent to its targets. The polled check in the state machine stays as
 * the backstop, and the abort rule still runs: every step of a cleanup is harmless the second time.
 */
import { STOP_ERRORS } from "../../lib/stop-errors";
import type { AlarmStateChangeEvent, StoppedExperiments } from "../contract";
import { runningExecutions, stopExecution } from "../executions";
import { logger, metrics, MetricUnit, task } from "../telemetry";
import { fromExecution, NOTHING, undo } from "../undo";

export const handler = task(
  "stop-experiments",
  async ({ detail, time }: AlarmStateChangeEvent): Promise<StoppedExperiments> => {
    logger.appendKeys({ alarm: detail.alarmName });
    const cause = `The stop-condition alarm ${detail.alarmName} went to ALARM at ${time}: ${detail.state.reason}`;
    const stopped = await Promise.all(
      (await runningExecutions()).map(async (executionArn) => {
        const detail = await stopExecution(executionArn, STOP_ERRORS.alarm, cause);
        const experiment = fromExecution({ "detail-type": "Step Functions Execution Status Change", detail });
        const cleanup = experiment ? await undo(experiment) : NOTHING;
        logger.info("experiment stopped", { executionArn, ...cleanup });
        return { executionArn, cleanup };
      }),
    );
    metrics.addMetric("ExperimentsStopped", MetricUnit.Count, stopped.length);
    return { stopped };
  },
);
