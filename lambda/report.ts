/**
 * The execution's output: what happened on each instance, from the document's own summary line.
 * Each command's invocations are read 50 at a time with their output's start, where the summary
 * line stands: a call per 50 instances, not one per instance.
 */
import type { CommandInvocation } from "@aws-sdk/client-ssm";
import { clientsForPlan } from "./aws-clients";
import type { InstanceReport, Report, ReportEvent } from "./contract";
import { documentSummary } from "./document-output";
import { commandInvocations, invocationOutput } from "./invocations";
import { logger, metrics, MetricUnit, task } from "./telemetry";

function instanceReport(
  commandId: string,
  instanceId: string,
  invocation: CommandInvocation | undefined,
): InstanceReport {
  const summary = documentSummary(invocation && invocationOutput(invocation));
  const error =
    summary.error ?? (invocation ? undefined : "SSM has no invocation of the command on this instance");
  return {
    instanceId,
    commandId,
    status: invocation?.Status ?? "NotFound",
    connectionsReset: summary.connectionsReset ?? null,
    verified: summary.verified ?? null,
    startedAt: summary.startedAt ?? null,
    endedAt: summary.endedAt ?? null,
    restored: summary.restored ?? null,
    outcome: summary.outcome ?? null,
    ...(error ? { error } : {}),
  };
}

const succeeded = (r: InstanceReport): boolean => r.status === "Success" && !r.error;

function report(
  { plan, targets }: Pick<ReportEvent, "plan" | "targets">,
  instances: InstanceReport[],
  extra: Partial<Report>,
): Report {
  return {
    experimentId: plan.experimentId,
    dryRun: plan.dryRun,
    region: plan.region,
    targets,
    instances,
    totals: {
      instances: instances.length,
      succeeded: instances.filter(succeeded).length,
      failed: instances.filter((r) => !succeeded(r)).length,
      connectionsReset: instances.reduce((sum, r) => sum + (r.connectionsReset ?? 0), 0),
    },
    ...extra,
  };
}

export const handler = task("report", async (event: ReportEvent): Promise<Report> => {
  const { plan, runs, cleanup } = event;
  logger.appendKeys({ experimentId: plan.experimentId, region: plan.region });
  if (plan.dryRun) {
    return report(event, [], {
      note: "Dry run: the targets were resolved and checked; nothing was sent to them",
    });
  }
  const { ssm } = await clientsForPlan(plan);
  const instances: InstanceReport[] = [];
  for (const command of runs.flatMap((run) => run.commands)) {
    const invocations = await commandInvocations(ssm, command.commandId);
    for (const instanceId of command.instanceIds) {
      const invocation = invocations.find((i) => i.InstanceId === instanceId);
      instances.push(instanceReport(command.commandId, instanceId, invocation));
    }
  }
  const result = report(event, instances, cleanup === undefined ? {} : { cleanup });
  metrics.addMetric("ConnectionsReset", MetricUnit.Count, result.totals.connectionsReset);
  metrics.addMetric("InstancesFailed", MetricUnit.Count, result.totals.failed);
  logger.info("report", { totals: result.totals });
  return result;
});
