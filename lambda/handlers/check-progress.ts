/**
 * Watches the fault: stop-condition alarms and the safety lever first, then every invocation of
 * every command sent. Each check publishes the experiment's live metrics: it is in progress, and
 * how many of the batch's instances are under fault.
 * The state machine Waits between calls.
 */
import type { CommandInvocation } from "@aws-sdk/client-ssm";
import { DIMENSIONS, LIVE_METRICS } from "../../lib/fault-metrics";
import { PROGRESS_STATES } from "../../lib/progress-states";
import { clientsForPlan } from "../aws/aws-clients";
import type { CheckProgressEvent, CommandRef, InvocationFailure, Plan, Progress } from "../contract";
import { documentSummary } from "../ssm-commands/document-output";
import { commandInvocations, invocationOutput } from "../ssm-commands/invocations";
import { engagedLever } from "../stopping/safety-lever";
import { firingAlarm } from "../stopping/stop-conditions";
import { logger, metrics, MetricUnit, task } from "../telemetry";

/** Failures a Failed progress lists; the rest are counted (the whole report has them all). */
export const FAILURES_LISTED = 10;

/** Invocation statuses after which nothing more will happen. */
const ENDED = new Set(["Success", "Failed", "Cancelled", "TimedOut"]);

function failure(instanceId: string, invocation: CommandInvocation): InvocationFailure {
  const status = invocation.Status ?? "Unknown";
  const reason = documentSummary(invocationOutput(invocation)).error ?? invocation.StatusDetails ?? status;
  return { instanceId, status, reason };
}

/**
 * Published at once, each with dimensions of its own, in the embedded metric format: the dashboard
 * adds up the batches' counts, and counts the experiments.
 */
function publishLive(plan: Plan, commands: CommandRef[], underFault: number): void {
  const experiment = { [DIMENSIONS.experiment]: plan.experimentId };
  const inProgress = metrics.singleMetric();
  inProgress.addDimensions(experiment);
  inProgress.addMetric(LIVE_METRICS.experimentInProgress, MetricUnit.Count, 1);
  const batch = metrics.singleMetric();
  batch.addDimensions({ ...experiment, [DIMENSIONS.batch]: commands[0]?.instanceIds[0] ?? "none" });
  batch.addMetric(LIVE_METRICS.instancesUnderFault, MetricUnit.Count, underFault);
}

export const handler = task(
  "check-progress",
  async ({ plan, commands }: CheckProgressEvent): Promise<Progress> => {
    logger.appendKeys({ experimentId: plan.experimentId, region: plan.region });
    const alarm = await firingAlarm();
    if (alarm) {
      metrics.addMetric("StopConditionTriggered", MetricUnit.Count, 1);
      logger.warn("stop-condition alarm in ALARM: stopping the fault", { alarm });
      return { state: PROGRESS_STATES.alarmTriggered, alarm };
    }
    // The backstop of the lever's own rule, as of the alarms'.
    const lever = await engagedLever();
    if (lever) {
      logger.warn("the safety lever is engaged: stopping the fault", { lever });
      return { state: PROGRESS_STATES.leverEngaged, lever };
    }

    const { ssm } = await clientsForPlan(plan);
    const statuses: { instanceId: string; invocation?: CommandInvocation }[] = [];
    for (const command of commands) {
      const invocations = await commandInvocations(ssm, command.commandId);
      for (const instanceId of command.instanceIds) {
        statuses.push({ instanceId, invocation: invocations.find((i) => i.InstanceId === instanceId) });
      }
    }
    publishLive(plan, commands, statuses.filter((s) => !ENDED.has(s.invocation?.Status ?? "Pending")).length);
    const failures = statuses.flatMap(({ instanceId, invocation }) =>
      invocation?.Status && invocation.Status !== "Success" && ENDED.has(invocation.Status)
        ? [failure(instanceId, invocation)]
        : [],
    );
    if (failures.length) {
      metrics.addMetric("InstancesFailed", MetricUnit.Count, failures.length);
      logger.error("the fault failed on some instances", { failures });
      return {
        state: PROGRESS_STATES.failed,
        failed: failures.length,
        failures: failures.slice(0, FAILURES_LISTED),
      };
    }
    const done = statuses.every((s) => s.invocation?.Status === "Success");
    logger.info("progress", { pending: statuses.filter((s) => s.invocation?.Status !== "Success").length });
    return { state: done ? PROGRESS_STATES.succeeded : PROGRESS_STATES.inProgress };
  },
);
