/**
 * An experiment's report: what happened on each instance, from the document's own summary line.
 * The experiment's commands are found in SSM's own record and in the records its tasks wrote, and
 * the document's invocations since the experiment started are read 50 at a time with their
 * output's start, where the summary line stands: a call per 50 instances, not one per instance or
 * per command. The whole report goes to
 * the records bucket, as JSON and as a page to look at; its metrics go to CloudWatch, and its
 * window to the fault's dashboards. The execution's output holds its totals and the first entries
 * of its lists. The report function writes it when the experiment ends, or once the state machine
 * has cleaned up after a failure; the abort rule's cleanup, after an execution was stopped or
 * timed out.
 */
import type { CommandInvocation, SSMClient } from "@aws-sdk/client-ssm";
import { clientsForPlan } from "../aws/aws-clients";
import type {
  ClientsSummary,
  ClientsTable,
  ClientsTotals,
  InstanceReport,
  Plan,
  Report,
  ReportEvent,
  ReportSummary,
} from "../contract";
import { clientsTable } from "./client-table";
import { annotateDashboards } from "./dashboard-annotations";
import { documentSummary } from "../ssm-commands/document-output";
import { listedCommands, type ExperimentCommand } from "../ssm-commands/experiment-commands";
import { documentInvocations, invocationOutput } from "../ssm-commands/invocations";
import { readTargets, recordedCommands, writeReport, type WrittenReport } from "../records/records";
import { publishReportMetrics } from "./report-metrics";
import { reportVerdict } from "./report-verdict";
import { putVerdictEvent } from "./verdict-event";
import { reportPage } from "./page";
import { logger } from "../telemetry";

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
    connectionsSpared: summary.connectionsSpared ?? null,
    requestsReset: summary.requestsReset ?? null,
    requestsForwarded: summary.requestsForwarded ?? null,
    remoteTraffic: summary.remoteTraffic ?? null,
    verified: summary.verified ?? null,
    verifiedBy: summary.verifiedBy ?? null,
    startedAt: summary.startedAt ?? null,
    endedAt: summary.endedAt ?? null,
    restored: summary.restored ?? null,
    outcome: summary.outcome ?? null,
    resetSeries: summary.resetSeries ?? null,
    clients: summary.clients ?? null,
    ...(error ? { error } : {}),
  };
}

const succeeded = (r: InstanceReport): boolean => r.status === "Success" && !r.error;

const sum = (instances: InstanceReport[], count: (r: InstanceReport) => number | null): number =>
  instances.reduce((total, r) => total + (count(r) ?? 0), 0);

/** The counts by key over every record, each key's summed. */
function added(records: (Record<string, number> | null)[]): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const [key, n] of records.flatMap((r) => Object.entries(r ?? {})))
    totals[key] = (totals[key] ?? 0) + n;
  return totals;
}

/** How many times each value occurs. */
function tally(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}

/** The most a figure of some instances reached; null when none told it. */
const most = (values: (number | null | undefined)[]): number | null => {
  const known = values.filter((v): v is number => typeof v === "number");
  return known.length ? Math.max(...known) : null;
};

/** What the clients did, over every instance that told. */
function clientsTotals(instances: InstanceReport[]): ClientsTotals {
  const told = instances.flatMap((r) =>
    r.clients ? [{ instanceId: r.instanceId, clients: r.clients }] : [],
  );
  const count = (figure: (c: ClientsSummary) => number | null) =>
    told.reduce((n, t) => n + (figure(t.clients) ?? 0), 0);
  return {
    instances: told.length,
    seen: count((c) => c.seen),
    retries: count((c) => c.retries),
    unsafeRetries: added(told.map((t) => t.clients.unsafeRetries)),
    reconnected: count((c) => c.reconnected),
    notSeenAgain: count((c) => c.notSeenAgain),
    retryDelayMsMax: most(told.map((t) => t.clients.retryDelayMs?.max)),
    reconnectMsMax: most(told.map((t) => t.clients.reconnectMs?.max)),
    amplificationMax: most(told.map((t) => t.clients.amplification)),
    top: told
      .flatMap((t) => t.clients.top.map((client) => ({ ...client, instanceId: t.instanceId })))
      .sort((a, b) => b.unsafeRetries - a.unsafeRetries || b.retries - a.retries)
      .slice(0, TOP_CLIENTS),
  };
}

/** The clients with the most unsafe retries the totals name. */
const TOP_CLIENTS = 10;

/** Entries each list of the execution's output holds at most; the whole report is in the bucket. */
export const OUTPUT_LIST_LIMIT = 100;

function report(
  { plan, input, stop, cleanup }: ReportEvent,
  targets: string[],
  instances: InstanceReport[],
  { clients, note }: { clients?: ClientsTable; note?: string } = {},
): Report {
  return {
    experimentId: plan.experimentId,
    dryRun: plan.dryRun,
    region: plan.region,
    input,
    startedAt: plan.startedAt,
    reportedAt: new Date().toISOString(),
    ...(stop ? { stop } : {}),
    ...(cleanup ? { cleanup } : {}),
    targets,
    instances,
    totals: {
      targets: targets.length,
      instances: instances.length,
      succeeded: instances.filter(succeeded).length,
      failed: instances.filter((r) => !succeeded(r)).length,
      connectionsReset: sum(instances, (r) => r.connectionsReset),
      remoteConnectionsReset: sum(instances, (r) => r.remoteConnectionsReset),
      connectionsSpared: sum(instances, (r) => r.connectionsSpared),
      requestsReset: added(instances.map((r) => r.requestsReset)),
      requestsForwarded: added(instances.map((r) => r.requestsForwarded)),
      remoteTraffic: tally(instances.flatMap((r) => (r.remoteTraffic ? [r.remoteTraffic] : []))),
      clients: clientsTotals(instances),
    },
    ...(clients ? { clients } : {}),
    ...(note ? { note } : {}),
  };
}

/** The instances the execution's output lists: the first OUTPUT_LIST_LIMIT, those that failed first. */
const listed = ({ instances }: Report): InstanceReport[] =>
  [...instances.filter((r) => !succeeded(r)), ...instances.filter(succeeded)].slice(0, OUTPUT_LIST_LIMIT);

/** What the execution's output holds of the report: its lists cut. */
function summary({ clients: _table, ...whole }: Report, written: WrittenReport): ReportSummary {
  return {
    ...whole,
    targets: whole.targets.slice(0, OUTPUT_LIST_LIMIT),
    instances: listed(whole).map(({ resetSeries: _, ...r }) => r),
    ...written,
    listsCut: Math.max(whole.targets.length, whole.instances.length) > OUTPUT_LIST_LIMIT,
  };
}

/** What each of the experiment's injections did, in the order of the targets. */
async function instanceReports(ssm: SSMClient, plan: Plan, targets: string[]): Promise<InstanceReport[]> {
  const since = new Date(plan.startedAt);
  // Those its tasks recorded too, which SSM may not list yet when an experiment stopped at once.
  const recorded = await recordedCommands(plan.records);
  const commands = await listedCommands(ssm, plan.experimentId, recorded, since);
  const invocations = new Map(
    (await documentInvocations(ssm, since)).map((i) => [`${i.CommandId}/${i.InstanceId}`, i]),
  );
  // An instance the fault was sent to again (its agent could not fetch the program the first time)
  // is reported from its last command: the earlier ones ran nothing.
  const sent = (c: ExperimentCommand) => c.requestedAt?.getTime() ?? Infinity;
  const byInstance = new Map<string, InstanceReport>();
  for (const command of commands.filter((c) => c.action === "Inject").sort((a, b) => sent(a) - sent(b))) {
    for (const instanceId of command.instanceIds) {
      const invocation = invocations.get(`${command.commandId}/${instanceId}`);
      byInstance.set(instanceId, instanceReport(command.commandId, instanceId, invocation));
    }
  }
  const order = new Map(targets.map((id, index) => [id, index]));
  return [...byInstance.values()].sort(
    (a, b) => (order.get(a.instanceId) ?? 0) - (order.get(b.instanceId) ?? 0),
  );
}

/** The report of an experiment that sent the fault: each instance's summary, and the clients' rows. */
async function experimentReport(event: ReportEvent, targets: string[]): Promise<Report> {
  const { ssm } = await clientsForPlan(event.plan);
  const instances = await instanceReports(ssm, event.plan, targets);
  return report(event, targets, instances, { clients: await clientsTable(ssm, instances) });
}

/**
 * The metrics and the dashboards' bands are views of the report, which stands without them: a
 * failure to make one is logged, and fails neither the report nor the experiment.
 */
async function beside(what: string, work: () => Promise<unknown>): Promise<void> {
  try {
    await work();
  } catch (error) {
    logger.error(`could not ${what}`, error as Error);
  }
}

/** Reports the experiment; returns what the execution's output holds of it. */
export async function reportExperiment(event: ReportEvent): Promise<ReportSummary> {
  const { plan, targets } = event;
  const targetIds = await readTargets(targets.key);
  const made = plan.dryRun
    ? report(event, targetIds, [], {
        note: "Dry run: the targets were resolved and checked; nothing was sent to them",
      })
    : await experimentReport(event, targetIds);
  const verdict = await reportVerdict(plan, made);
  const whole: Report = verdict ? { ...made, verdict } : made;
  const [written] = await Promise.all([
    writeReport(plan, whole, reportPage(whole)),
    beside("publish the experiment's metrics", () => publishReportMetrics(whole, listed(whole))),
    whole.dryRun ||
      beside("mark the experiment's window on its dashboards", () =>
        annotateDashboards({
          experimentId: whole.experimentId,
          startedAt: whole.startedAt,
          endedAt: whole.reportedAt,
          stopped: Boolean(whole.stop),
        }),
      ),
  ]);
  if (verdict) await beside("put the verdict's event", () => putVerdictEvent(whole, written));
  const result = summary(whole, written);
  logger.info("report", { totals: result.totals, reportPage: result.reportPage });
  return result;
}
