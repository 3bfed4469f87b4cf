/**
 * An experiment's metrics, published when it ends at the times they describe: its resets over
 * time, the sum over every instance and each listed instance's own, and its targets, failures and
 * duration. They go through PutMetricData rather than the embedded metric format because each
 * datum carries its own timestamp, up to 1,000 in a call.
 *
 * An instance has a metric of its own only if it is one the execution's output lists (at most
 * OUTPUT_LIST_LIMIT, those that failed first): CloudWatch bills each metric, and a graph draws at
 * most 500 lines, so 10,000 instances' metrics would cost dollars and show nothing more than the
 * experiment's own series does.
 */
import { PutMetricDataCommand, StandardUnit, type MetricDatum } from "@aws-sdk/client-cloudwatch";
import { DIMENSIONS, METRICS_NAMESPACE, REPORT_METRICS } from "../../lib/fault-metrics";
import { cloudWatchClient } from "../aws/aws-clients";
import { chunk } from "../aws/chunks";
import type { InstanceReport, Report, ResetSeries } from "../contract";

/**
 * PutMetricData takes at most 1,000 metrics in a request
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricData.html).
 */
export const DATA_PER_CALL = 1000;

/** Calls in flight at once: PutMetricData's quota is hundreds a second, and the SDK backs off on throttling. */
const CONCURRENT_CALLS = 8;

type Dimensions = MetricDatum["Dimensions"];

/**
 * Buckets shorter than a minute are stored at one second (high resolution), which costs no more
 * to publish and lets a graph show each second.
 */
const storageResolution = (step: number): number => (step < 60 ? 1 : 60);

/** Each bucket's count at its start: epoch milliseconds → count. */
function buckets(series: ResetSeries): [number, number][] {
  const start = Date.parse(series.start);
  return series.counts.map((count, i) => [start + i * series.step * 1000, count]);
}

function resetData(Dimensions: Dimensions, counts: [number, number][], step: number): MetricDatum[] {
  return counts.map(([at, Value]) => ({
    MetricName: REPORT_METRICS.connectionsReset,
    Dimensions,
    Timestamp: new Date(at),
    Value,
    Unit: StandardUnit.Count,
    StorageResolution: storageResolution(step),
  }));
}

/**
 * The experiment's resets over time: every instance's buckets added up by their start. Steps
 * divide a minute or are whole minutes, and buckets are aligned to them, so sums per minute are
 * exact whatever step each instance's series took.
 */
function experimentSeries(report: Report, Dimensions: Dimensions): MetricDatum[] {
  const series = report.instances.flatMap((r) => (r.resetSeries ? [r.resetSeries] : []));
  const sums = new Map<number, number>();
  for (const s of series) for (const [at, count] of buckets(s)) sums.set(at, (sums.get(at) ?? 0) + count);
  const finest = Math.min(...series.map((s) => s.step));
  return resetData(
    Dimensions,
    [...sums].sort(([a], [b]) => a - b),
    finest,
  );
}

function instanceSeries(report: Report, listed: readonly InstanceReport[]): MetricDatum[] {
  return listed.flatMap(({ instanceId, resetSeries }) =>
    resetSeries
      ? resetData(
          [
            { Name: DIMENSIONS.experiment, Value: report.experimentId },
            { Name: DIMENSIONS.instance, Value: instanceId },
          ],
          buckets(resetSeries),
          resetSeries.step,
        )
      : [],
  );
}

function experimentTotals(report: Report, Dimensions: Dimensions): MetricDatum[] {
  const Timestamp = new Date(report.reportedAt);
  const seconds = (Date.parse(report.reportedAt) - Date.parse(report.startedAt)) / 1000;
  const clients = report.totals.clients;
  const unsafe = Object.values(clients.unsafeRetries).reduce((a, b) => a + b, 0);
  return [
    { MetricName: REPORT_METRICS.targets, Value: report.totals.targets, Unit: StandardUnit.Count },
    { MetricName: REPORT_METRICS.instancesFailed, Value: report.totals.failed, Unit: StandardUnit.Count },
    { MetricName: REPORT_METRICS.experimentDuration, Value: seconds, Unit: StandardUnit.Seconds },
    // What the clients did, where some instance told it.
    ...(clients.instances
      ? [
          { MetricName: REPORT_METRICS.retries, Value: clients.retries, Unit: StandardUnit.Count },
          { MetricName: REPORT_METRICS.unsafeRetries, Value: unsafe, Unit: StandardUnit.Count },
          ...(clients.reconnectMsMax === null
            ? []
            : [
                {
                  MetricName: REPORT_METRICS.reconnectMs,
                  Value: clients.reconnectMsMax,
                  Unit: StandardUnit.Milliseconds,
                },
              ]),
        ]
      : []),
  ].map((datum) => ({ ...datum, Dimensions, Timestamp }));
}

/**
 * The verdict's score, per experiment and for the whole fault (no dimension), so that a dashboard
 * graphs the verdicts over time; and whether it passed, 1 or 0.
 */
function verdictData(report: Report, experiment: Dimensions): MetricDatum[] {
  if (!report.verdict) return [];
  const Timestamp = new Date(report.reportedAt);
  const score = {
    MetricName: REPORT_METRICS.hypothesisScore,
    Value: report.verdict.score,
    Unit: StandardUnit.None,
    Timestamp,
  };
  const passed = report.verdict.result === "Passed" ? 1 : 0;
  return [
    { ...score, Dimensions: experiment },
    score,
    {
      MetricName: REPORT_METRICS.hypothesisPassed,
      Value: passed,
      Unit: StandardUnit.Count,
      Timestamp,
      Dimensions: experiment,
    },
    { MetricName: REPORT_METRICS.hypothesisPassed, Value: passed, Unit: StandardUnit.Count, Timestamp },
  ];
}

/** Publishes the report's metrics; `listed` are the instances that get a metric of their own. */
export async function publishReportMetrics(report: Report, listed: readonly InstanceReport[]): Promise<void> {
  const experiment = [{ Name: DIMENSIONS.experiment, Value: report.experimentId }];
  const data = [
    ...experimentTotals(report, experiment),
    ...verdictData(report, experiment),
    ...experimentSeries(report, experiment),
    ...instanceSeries(report, listed),
  ];
  const cloudwatch = cloudWatchClient();
  for (const wave of chunk(chunk(data, DATA_PER_CALL), CONCURRENT_CALLS)) {
    await Promise.all(
      wave.map((MetricData) =>
        cloudwatch.send(new PutMetricDataCommand({ Namespace: METRICS_NAMESPACE, MetricData })),
      ),
    );
  }
}
