/**
 * Watches the fault: stop-condition alarms and the safety lever first, then every invocation of
 * every command sent. Each check publishes the experiment's live metrics: it is in progress, and
 * how many of the batch's instances are under fault.
 * The state machine Waits between calls.
 *
 * An instance whose agent could not fetch the program (a download step failed, most often
 * throttled: GetDocument is called by every instance at once) ran nothing and changed nothing:
 * the fault is sent to it again, up to MAX_DELIVERIES in all, and the check returns the commands
 * to watch from then on.
 */
import type { CommandInvocation } from "@aws-sdk/client-ssm";
import { DIMENSIONS, LIVE_METRICS } from "../../lib/fault-metrics";
import { PROGRESS_STATES } from "../../lib/progress-states";
import { clientsForPlan } from "../aws/aws-clients";
import type { CheckProgressEvent, CommandRef, InvocationFailure, Plan, Progress } from "../contract";
import { documentSummary } from "../ssm-commands/document-output";
import { deliverFault } from "../ssm-commands/fault-delivery";
import { commandInvocations, fetchFailed, invocationOutput } from "../ssm-commands/invocations";
import { engagedLever } from "../stopping/safety-lever";
import { firingAlarm } from "../stopping/stop-conditions";
import { logger, metrics, MetricUnit, task } from "../telemetry";

/** Failures a Failed progress lists; the rest are counted (the whole report has them all). */
export const FAILURES_LISTED = 10;

/** Invocation statuses after which nothing more will happen. */
const ENDED = new Set(["Success", "Failed", "Cancelled", "TimedOut"]);

/** How many times the fault is sent to an instance whose agent could not fetch the program. */
export const MAX_DELIVERIES = 3;

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

/**
 * Sends the fault again to the instances whose agent could not fetch the program, one command for
 * each earlier delivery's attempt, and returns the commands to watch: the others, and these.
 */
async function redelivered(
  plan: Plan,
  commands: CommandRef[],
  again: { instanceId: string; command: CommandRef }[],
): Promise<Progress> {
  const { ssm } = await clientsForPlan(plan);
  const resent = new Set(again.map((s) => s.instanceId));
  const byAttempt = new Map<number, string[]>();
  for (const { instanceId, command } of again) {
    const attempt = (command.attempt ?? 1) + 1;
    byAttempt.set(attempt, [...(byAttempt.get(attempt) ?? []), instanceId]);
  }
  const sent: CommandRef[] = [];
  for (const [attempt, instanceIds] of byAttempt)
    sent.push(...(await deliverFault(ssm, plan, instanceIds, attempt)));
  const redelivery = metrics.singleMetric();
  redelivery.addDimensions({ [DIMENSIONS.experiment]: plan.experimentId });
  redelivery.addMetric(LIVE_METRICS.instancesRedelivered, MetricUnit.Count, resent.size);
  logger.warn("the program did not reach some instances: the fault was sent to them again", {
    instanceIds: [...resent],
    commands: sent,
  });
  const kept = commands
    .map((c) => ({ ...c, instanceIds: c.instanceIds.filter((id) => !resent.has(id)) }))
    .filter((c) => c.instanceIds.length);
  return { state: PROGRESS_STATES.inProgress, commands: [...kept, ...sent] };
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
    const statuses: { instanceId: string; command: CommandRef; invocation?: CommandInvocation }[] = [];
    for (const command of commands) {
      const invocations = await commandInvocations(ssm, command.commandId);
      for (const instanceId of command.instanceIds) {
        statuses.push({
          instanceId,
          command,
          invocation: invocations.find((i) => i.InstanceId === instanceId),
        });
      }
    }
    publishLive(plan, commands, statuses.filter((s) => !ENDED.has(s.invocation?.Status ?? "Pending")).length);
    const ended = statuses.filter(
      (s) => s.invocation?.Status && s.invocation.Status !== "Success" && ENDED.has(s.invocation.Status),
    );
    const again = ended.filter(
      (s) => fetchFailed(s.invocation!) && (s.command.attempt ?? 1) < MAX_DELIVERIES,
    );
    if (again.length && again.length === ended.length) return redelivered(plan, commands, again);
    const failures = ended.map(({ instanceId, invocation }) => failure(instanceId, invocation!));
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
