/**
 * A metric probe over one window: GetMetricData reads the value the probe judges (a metric, or the
 * metric math over several), and every value must compare to the threshold as the probe asks.
 * CloudWatch publishes no datapoint for a period without data: such a period counts as the probe's
 * missingDataValue, and without one a window with no datapoint at all cannot be judged.
 */
import {
  GetMetricDataCommand,
  type CloudWatchClient,
  type MetricDataQuery,
} from "@aws-sdk/client-cloudwatch";
import type { ComparisonName, MetricProbeSpec } from "../../lib/hypothesis/probe-spec";
import type { ProbeWindow } from "../contract";
import { messageOf } from "./outcomes";
import type { Window } from "./windows";

const HOLDS: Record<ComparisonName, (value: number, threshold: number) => boolean> = {
  GreaterThan: (v, t) => v > t,
  GreaterThanOrEqual: (v, t) => v >= t,
  LessThan: (v, t) => v < t,
  LessThanOrEqual: (v, t) => v <= t,
};

const WORDS: Record<ComparisonName, string> = {
  GreaterThan: ">",
  GreaterThanOrEqual: "≥",
  LessThan: "<",
  LessThanOrEqual: "≤",
};

/** The probe's condition in words: "≤ 5". */
export const condition = (probe: MetricProbeSpec): string => `${WORDS[probe.comparison]} ${probe.threshold}`;

interface Point {
  readonly at: Date;
  readonly value: number;
}

/** The value the probe judges over the window, oldest first, every page of it. */
async function read(cloudwatch: CloudWatchClient, probe: MetricProbeSpec, window: Window): Promise<Point[]> {
  const points: Point[] = [];
  let token: string | undefined;
  do {
    const page = await cloudwatch.send(
      new GetMetricDataCommand({
        MetricDataQueries: probe.queries as MetricDataQuery[],
        StartTime: window.from,
        EndTime: window.to,
        ScanBy: "TimestampAscending",
        NextToken: token,
      }),
    );
    const judged = page.MetricDataResults?.find((r) => r.Id === "judged");
    const times = judged?.Timestamps ?? [];
    judged?.Values?.forEach((value, i) => points.push({ at: new Date(times[i]), value }));
    token = page.NextToken;
  } while (token);
  return points;
}

/** The period of the value judged: the expression's or the metric's. */
const periodOf = (probe: MetricProbeSpec): number => {
  const judged = probe.queries.find((q) => q.Id === "judged");
  return judged?.MetricStat?.Period ?? judged?.Period ?? 60;
};

/** The periods of the window that have no datapoint, each counted as the missing-data value. */
function filled(probe: MetricProbeSpec, window: Window, points: Point[]): Point[] {
  if (probe.missingDataValue === undefined) return points;
  const step = periodOf(probe) * 1000;
  const seen = new Set(points.map((p) => Math.floor(p.at.getTime() / step)));
  const missing: Point[] = [];
  for (let t = Math.floor(window.from.getTime() / step) * step; t < window.to.getTime(); t += step) {
    if (!seen.has(t / step)) missing.push({ at: new Date(t), value: probe.missingDataValue });
  }
  return [...points, ...missing].sort((a, b) => a.at.getTime() - b.at.getTime());
}

/** What the probe found over one window of its phase, and the figures that decided it. */
export interface MetricWindowResult {
  readonly window: ProbeWindow;
  readonly evidence: Record<string, unknown>;
}

export async function judgeMetricWindow(
  cloudwatch: CloudWatchClient,
  probe: MetricProbeSpec,
  phase: ProbeWindow["phase"],
  window: Window,
): Promise<MetricWindowResult> {
  const span = { phase, from: window.from.toISOString(), to: window.to.toISOString() };
  let points: Point[];
  try {
    points = filled(probe, window, await read(cloudwatch, probe, window));
  } catch (error) {
    return {
      window: {
        ...span,
        outcome: "Inconclusive",
        reason: `CloudWatch could not be read: ${messageOf(error)}`,
      },
      evidence: {},
    };
  }
  if (!points.length) {
    return {
      window: { ...span, outcome: "Inconclusive", reason: "the metric had no datapoint in the window" },
      evidence: { datapoints: 0 },
    };
  }
  const holds = HOLDS[probe.comparison];
  const breaches = points.filter((p) => !holds(p.value, probe.threshold));
  const values = points.map((p) => p.value);
  // The value farthest on the wrong side of the threshold, or nearest to it when all held.
  const worst = probe.comparison.startsWith("Less") ? Math.max(...values) : Math.min(...values);
  const evidence = {
    datapoints: points.length,
    worst,
    breaches: breaches.length,
    ...(breaches.length ? { firstBreachAt: breaches[0].at.toISOString() } : {}),
  };
  const reason = breaches.length
    ? `${breaches.length} of ${points.length} values broke ${condition(probe)} (worst ${worst}, first at ${breaches[0].at.toISOString()})`
    : `all ${points.length} values held ${condition(probe)} (worst ${worst})`;
  return { window: { ...span, outcome: breaches.length ? "Failed" : "Passed", reason }, evidence };
}
