/**
 * The experiment's report: what happened on each instance, from the document's own summary line.
 * The experiment's commands are found in SSM's own record, and the document's invocations since
 * the experiment started are read 50 at a time with their output's start, where the summary line
 * stands: a call per 50 instances, not one per instance or per command. The whole report goes to
 * the records bucket; the execution's output holds its totals and the first entries of its lists.
 */
import type { CommandInvocation } from "@aws-sdk/client-ssm";
import { clientsForPlan } from "../aws-clients";
import type { InstanceReport, Plan, Report, ReportEvent, ReportSummary } from "../contract";
import { documentSummary } from "../document-output";
import { experimentCommands } from "../experiment-commands";
import { documentInvocations, invocationOutput } from "../invocations";
import { readTargets, writeReport } from "../records";
import { logger, metrics, MetricUnit, task } from "../telemetry";

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
    remoteConnectionsReset: summary.remoteConnectionsReset ?? null,
    localConnectionsReset: summary.localConnectionsReset ?? null,
    remoteTraffic: summary.remoteTraffic ?? null,
    verified: summary.verified ?? null,
    verifiedBy: summary.verifiedBy ?? null,
    startedAt: summary.startedAt ?? null,
    endedAt: summary.endedAt ?? null,
    restored: summary.restored ?? null,
    outcome: summary.outcome ?? null,
    ...(error ? { error } : {}),
  };
}

const succeeded = (r: InstanceReport): boolean => r.status === "Success" && !r.error;

const sum = (instances: InstanceReport[], count: (r: InstanceReport) => number | null): number =>
  instances.reduce((total, r) => total + (count(r) ?? 0), 0);

/** How many times each value occurs. */
function tally(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}

/** Entries each list of the execution's output holds at most; the whole report is in the bucket. */
export const OUTPUT_LIST_LIMIT = 100;

function report(plan: Plan, targets: string[], instances: InstanceReport[], note?: string): Report {
  return {
    experimentId: plan.experimentId,
    dryRun: plan.dryRun,
    region: plan.region,
    targets,
    instances,
    totals: {
      targets: targets.length,
      instances: instances.length,
      succeeded: instances.filter(succeeded).length,
      failed: instances.filter((r) => !succeeded(r)).length,
      connectionsReset: sum(instances, (r) => r.connectionsReset),
      remoteConnectionsReset: sum(instances, (r) => r.remoteConnectionsReset),
      remoteTraffic: tally(instances.flatMap((r) => (r.remoteTraffic ? [r.remoteTraffic] : []))),
    },
    ...(note ? { note } : {}),
  };
}

/** What the execution's output holds of the report: its lists cut, the instances that failed first. */
function summary(whole: Report, reportObject: string): ReportSummary {
  const instances = [...whole.instances.filter((r) => !succeeded(r)), ...whole.instances.filter(succeeded)];
  return {
    ...whole,
    targets: whole.targets.slice(0, OUTPUT_LIST_LIMIT),
    instances: instances.slice(0, OUTPUT_LIST_LIMIT),
    reportObject,
    listsCut: Math.max(whole.targets.length, whole.instances.length) > OUTPUT_LIST_LIMIT,
  };
}

/** What each of the experiment's injections did, in the order of the targets. */
async function instanceReports(plan: Plan, targets: string[]): Promise<InstanceReport[]> {
  const { ssm } = await clientsForPlan(plan);
  const since = new Date(plan.startedAt);
  const commands = await experimentCommands(ssm, plan.experimentId, [], since);
  const invocations = new Map(
    (await documentInvocations(ssm, since)).map((i) => [`${i.CommandId}/${i.InstanceId}`, i]),
  );
  const instances: InstanceReport[] = [];
  for (const command of commands.filter((c) => c.action === "Inject")) {
    for (const instanceId of command.instanceIds) {
      const invocation = invocations.get(`${command.commandId}/${instanceId}`);
      instances.push(instanceReport(command.commandId, instanceId, invocation));
    }
  }
  const order = new Map(targets.map((id, index) => [id, index]));
  return instances.sort((a, b) => (order.get(a.instanceId) ?? 0) - (order.get(b.instanceId) ?? 0));
}

export const handler = task("report", async ({ plan, targets }: ReportEvent): Promise<ReportSummary> => {
  logger.appendKeys({ experimentId: plan.experimentId, region: plan.region });
  const targetIds = await readTargets(targets.key);
  const whole = plan.dryRun
    ? report(plan, targetIds, [], "Dry run: the targets were resolved and checked; nothing was sent to them")
    : report(plan, targetIds, await instanceReports(plan, targetIds));
  const result = summary(whole, await writeReport(plan, whole));
  metrics.addMetric("ConnectionsReset", MetricUnit.Count, result.totals.connectionsReset);
  metrics.addMetric("InstancesFailed", MetricUnit.Count, result.totals.failed);
  logger.info("report", { totals: result.totals, reportObject: result.reportObject });
  return result;
});
