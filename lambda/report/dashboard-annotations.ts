/**
 * Marks each experiment's window on the fault's dashboards (`HttpResetPeerDashboard`), as a band on
 * every graph from the experiment's start to its end, labelled with its ExperimentId: red when it
 * was stopped, green when it ran to its end.
 *
 * Why here, and why like this: a CloudWatch dashboard holds static annotations only. Nothing in a
 * dashboard's body draws a band from data (no metric, query or alarm can place a vertical
 * annotation), so the only way to show when each experiment ran is to write the band into the body
 * itself. The report function does it once an experiment ends: for every dashboard named in
 * DASHBOARD_NAMES (a JSON array), it reads the body (GetDashboard), puts the band on every graph
 * (`"type": "metric"` widgets drawn as a time series), keeps the latest MAX_BANDS experiments' bands
 * on each graph, and writes the body back (PutDashboard).
 *
 * - Running it twice for one experiment is harmless: a band with the same label is replaced.
 * - A dashboard that no longer exists is skipped, with a log line; any other error is thrown (the
 *   report logs it, and stands without the band).
 * - The bands last until the stack that holds the dashboard is next deployed with a change to it:
 *   CloudFormation owns the body, and writes back the one the construct synthesized, without the
 *   bands added here (a deployment that leaves the dashboard as it was does not touch it).
 * - PutDashboard takes no condition: two experiments ending at the same moment may each write the
 *   body the other read, and one band is then lost.
 * - Which bands are ours: vertical bands (with an `endValue`) in one of BAND_COLORS whose label is
 *   an ExperimentId. Every other annotation of a graph is left as it is.
 */
import { DashboardNotFoundError, GetDashboardCommand, PutDashboardCommand } from "@aws-sdk/client-cloudwatch";
import { ENVIRONMENT } from "../../lib/task-environment";
import { cloudWatchClient } from "../aws/aws-clients";
import { logger } from "../telemetry";

/** One experiment's window. */
export interface ExperimentWindow {
  readonly experimentId: string;
  /** When the experiment started and ended (ISO 8601). */
  readonly startedAt: string;
  readonly endedAt: string;
  /** Whether it was stopped before its end (an alarm, the safety lever, a failure, an abort). */
  readonly stopped: boolean;
}

/** The experiments whose bands a graph keeps: the latest, by start. */
export const MAX_BANDS = 20;

/** The bands' colours: an experiment that ran to its end, and one that was stopped. */
export const BAND_COLORS = { ran: "#2ca02c", stopped: "#d62728" } as const;

/** An ExperimentId, as lambda/input/experiment-id.ts makes them. */
const EXPERIMENT_ID = /^[A-Za-z0-9_-]{1,128}$/;

/** A vertical annotation of a dashboard graph, as the dashboard body holds it. */
interface VerticalAnnotation {
  label?: string;
  value?: string;
  endValue?: string;
  color?: string;
  [key: string]: unknown;
}

interface Widget {
  type?: string;
  properties?: {
    view?: string;
    annotations?: { vertical?: VerticalAnnotation[]; alarms?: unknown[]; [key: string]: unknown };
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

const colors: readonly string[] = Object.values(BAND_COLORS);

const isBand = (a: VerticalAnnotation): boolean =>
  typeof a.label === "string" &&
  EXPERIMENT_ID.test(a.label) &&
  typeof a.value === "string" &&
  typeof a.endValue === "string" &&
  typeof a.color === "string" &&
  colors.includes(a.color.toLowerCase());

/**
 * A graph: a metric widget drawn as a time series (CloudWatch's default view). A graph of an alarm
 * (`annotations.alarms`) is left as CloudWatch draws it.
 */
const isGraph = (w: Widget): boolean =>
  w.type === "metric" &&
  (w.properties?.view ?? "timeSeries") === "timeSeries" &&
  !w.properties?.annotations?.alarms?.length;

const time = (iso: string): number => new Date(iso).getTime();

/** The graph's annotations with the band added (or replaced), and only the latest bands kept. */
function withBand(existing: VerticalAnnotation[], band: VerticalAnnotation): VerticalAnnotation[] {
  const others = existing.filter((a) => !isBand(a));
  const bands = [...existing.filter((a) => isBand(a) && a.label !== band.label), band]
    .sort((a, b) => time(a.value!) - time(b.value!))
    .slice(-MAX_BANDS);
  return [...others, ...bands];
}

/** The body with the band on every graph, and how many graphs got it. */
export function annotateBody(body: string, band: VerticalAnnotation): { body: string; graphs: number } {
  const parsed = JSON.parse(body) as { widgets?: Widget[] };
  let graphs = 0;
  for (const widget of parsed.widgets ?? []) {
    if (!isGraph(widget)) continue;
    const properties = (widget.properties ??= {});
    const annotations = (properties.annotations ??= {});
    annotations.vertical = withBand(annotations.vertical ?? [], band);
    graphs++;
  }
  return { body: JSON.stringify(parsed), graphs };
}

/** The dashboards the construct named, from DASHBOARD_NAMES; none when it is unset. */
export function dashboardNames(): string[] {
  const name = ENVIRONMENT.dashboardNames;
  let value: unknown;
  try {
    value = JSON.parse(process.env[name] || "[]");
  } catch {
    throw new Error(`The function's environment variable ${name} is not JSON: redeploy the construct`);
  }
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) {
    throw new Error(`The function's environment variable ${name} must be a JSON array of strings`);
  }
  return value;
}

function iso(name: string, value: string): string {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new Error(`The experiment's ${name} is not a time: ${value}`);
  return date.toISOString();
}

const isMissing = (error: unknown): boolean =>
  error instanceof DashboardNotFoundError ||
  (error instanceof Error && ["DashboardNotFoundError", "ResourceNotFound"].includes(error.name));

/**
 * Adds the experiment's window as a band on every graph of every dashboard in DASHBOARD_NAMES, with
 * the function's own identity (the dashboards are the fault's, in its account).
 */
export async function annotateDashboards(window: ExperimentWindow): Promise<void> {
  const names = dashboardNames();
  if (!names.length) return;
  if (!EXPERIMENT_ID.test(window.experimentId)) {
    throw new Error(`Not an ExperimentId: ${JSON.stringify(window.experimentId)}`);
  }
  const band: VerticalAnnotation = {
    label: window.experimentId,
    value: iso("start", window.startedAt),
    endValue: iso("end", window.endedAt),
    color: window.stopped ? BAND_COLORS.stopped : BAND_COLORS.ran,
  };
  const cloudwatch = cloudWatchClient();
  for (const name of names) {
    let body: string;
    try {
      body = (await cloudwatch.send(new GetDashboardCommand({ DashboardName: name }))).DashboardBody ?? "{}";
    } catch (error) {
      if (!isMissing(error)) throw error;
      logger.warn("dashboard not found: its experiment window is not marked", { dashboard: name });
      continue;
    }
    const annotated = annotateBody(body, band);
    if (!annotated.graphs) {
      logger.info("the dashboard has no graph to mark", { dashboard: name });
      continue;
    }
    const { DashboardValidationMessages: messages } = await cloudwatch.send(
      new PutDashboardCommand({ DashboardName: name, DashboardBody: annotated.body }),
    );
    if (messages?.length) logger.warn("CloudWatch's remarks on the dashboard", { dashboard: name, messages });
    logger.info("experiment window marked on the dashboard", {
      dashboard: name,
      graphs: annotated.graphs,
      band,
    });
  }
}
