/** The execution's output: what happened on each instance, from the document's own summary line. */
import type { SSMClient } from "@aws-sdk/client-ssm";
import { clientsForPlan } from "./aws-clients";
import { chunk } from "./chunks";
import type { CommandRef, InstanceReport, Plan, Report, ReportEvent } from "./contract";
import { documentSummary } from "./document-output";
import { invocationDetail } from "./invocations";
import { logger, metrics, MetricUnit, task } from "./telemetry";

/** GetCommandInvocation calls in flight at once: quick for many instances, gentle on the API. */
const PARALLEL_READS = 5;

async function instanceReport(
  ssm: SSMClient,
  commandId: string,
  instanceId: string,
): Promise<InstanceReport> {
  const invocation = await invocationDetail(ssm, commandId, instanceId);
  const summary = documentSummary(invocation?.StandardOutputContent);
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

function report(plan: Plan, instances: InstanceReport[], extra: Partial<Report>): Report {
  return {
    experimentId: plan.experimentId,
    dryRun: plan.dryRun,
    region: plan.region,
    targets: plan.targets,
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

export const handler = task("report", async ({ plan, runs, cleanup }: ReportEvent): Promise<Report> => {
  logger.appendKeys({ experimentId: plan.experimentId, region: plan.region });
  if (plan.dryRun) {
    return report(plan, [], {
      note: "Dry run: the targets were resolved and checked; nothing was sent to them",
    });
  }
  const { ssm } = await clientsForPlan(plan);
  const sent = runs.flatMap((run) =>
    run.commands.flatMap((c: CommandRef) =>
      c.instanceIds.map((instanceId) => ({ commandId: c.commandId, instanceId })),
    ),
  );
  const instances: InstanceReport[] = [];
  for (const group of chunk(sent, PARALLEL_READS)) {
    instances.push(...(await Promise.all(group.map((s) => instanceReport(ssm, s.commandId, s.instanceId)))));
  }
  const result = report(plan, instances, cleanup === undefined ? {} : { cleanup });
  metrics.addMetric("ConnectionsReset", MetricUnit.Count, result.totals.connectionsReset);
  metrics.addMetric("InstancesFailed", MetricUnit.Count, result.totals.failed);
  logger.info("report", { totals: result.totals });
  return result;
});
