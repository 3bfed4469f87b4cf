import { Duration, Token } from "aws-cdk-lib";
import type * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import type { IConstruct } from "constructs";
import { refusal } from "./probe";
import { ProbePhase } from "./probe-phase";
import type { MetricProbeSpec, MetricQuerySpec } from "./probe-spec";
import { renderChecks, type SampledProbeOptions } from "./sampling";

/** How each of a metric's values must compare to the threshold for the probe to pass. */
export enum ProbeComparison {
  /** Every value above the threshold. */
  GREATER_THAN = "GreaterThan",
  /** Every value at or above the threshold. */
  GREATER_THAN_OR_EQUAL = "GreaterThanOrEqual",
  /** Every value below the threshold. */
  LESS_THAN = "LessThan",
  /** Every value at or below the threshold. */
  LESS_THAN_OR_EQUAL = "LessThanOrEqual",
}

/**
 * A CloudWatch metric, or metric math, held to a threshold over a phase: every value in the phase's
 * window must compare to the threshold as asked (the place of Harness's Prometheus probe). It is
 * read once the fault is over; with stopOnFailure, also every interval while the fault runs, and a
 * value that breaks the threshold stops it.
 */
export interface MetricProbe extends SampledProbeOptions {
  /**
   * A `cloudwatch.Metric` or `cloudwatch.MathExpression` in this account and region; its period
   * and statistic are those read.
   */
  readonly metric: cloudwatch.IMetric;
  /** How each value must compare to the threshold. */
  readonly comparison: ProbeComparison;
  /** What each value is compared to, in the metric's unit. */
  readonly threshold: number;
  /**
   * When it is judged. BEFORE (and BEFORE_AND_AFTER, CONTINUOUSLY) make it part of the steady state:
   * if it fails before, nothing is injected.
   * @default ProbePhase.DURING
   */
  readonly phase?: ProbePhase;
  /**
   * How long the Before window reaches back from the experiment's start, and the After window
   * forward from the fault's end: from one period of the metric to 1 hour. The experiment waits
   * after the fault until the After window has passed.
   * @default Duration.minutes(5)
   */
  readonly window?: Duration;
  /**
   * The value a period without a datapoint counts as. CloudWatch publishes no datapoint for a count
   * that stayed at zero (5XX counts, for one): give 0 for those.
   * @default - a window without any datapoint makes the probe Inconclusive
   */
  readonly missingDataValue?: number;
}

/** CloudWatch's periods: high resolution ones, and whole minutes. */
const validPeriod = (seconds: number): boolean => [1, 5, 10, 30].includes(seconds) || seconds % 60 === 0;

/** The GetMetricData queries of a metric: its own, or its expression's and the metrics it uses. */
function queries(
  refuse: (why: string) => never,
  metric: cloudwatch.IMetric,
  id: string,
  returnData: boolean,
): MetricQuerySpec[] {
  const config = metric.toMetricConfig();
  if (config.metricStat) {
    const stat = config.metricStat;
    if (stat.account !== undefined || stat.region !== undefined) {
      refuse(
        "its metric names another account or region; the probe reads CloudWatch where the fault is deployed",
      );
    }
    const period = stat.period.toSeconds();
    if (!validPeriod(period)) refuse(`period must be 1, 5, 10, 30 seconds or whole minutes; got ${period} s`);
    return [
      {
        Id: id,
        ReturnData: returnData,
        MetricStat: {
          Metric: {
            Namespace: stat.namespace,
            MetricName: stat.metricName,
            Dimensions: (stat.dimensions ?? []).map((d) => ({ Name: d.name, Value: String(d.value) })),
          },
          Period: period,
          Stat: stat.statistic,
        },
      },
    ];
  }
  if (config.mathExpression) {
    const math = config.mathExpression;
    if (math.searchAccount !== undefined || math.searchRegion !== undefined) {
      refuse(
        "its expression searches another account or region; the probe reads CloudWatch where the fault is deployed",
      );
    }
    if (!validPeriod(math.period))
      refuse(`period must be 1, 5, 10, 30 seconds or whole minutes; got ${math.period} s`);
    if (/\bSEARCH\s*\(/i.test(math.expression)) {
      refuse(
        "SEARCH expressions are not taken: name the metrics, so that what is judged is fixed at deployment",
      );
    }
    return [
      ...Object.entries(math.usingMetrics).flatMap(([usedId, used]) => queries(refuse, used, usedId, false)),
      { Id: id, ReturnData: returnData, Expression: math.expression, Period: math.period },
    ];
  }
  return refuse("its metric is neither a metric nor metric math");
}

/** The highest period among the queries: the window must hold one. */
const longestPeriod = (spec: MetricQuerySpec[]): number =>
  Math.max(...spec.map((q) => q.MetricStat?.Period ?? q.Period ?? 60));

export function renderMetricProbe(scope: IConstruct, probe: MetricProbe, weight: number): MetricProbeSpec {
  const refuse = refusal(scope, "metric", probe.name);
  const phase = probe.phase ?? ProbePhase.DURING;
  if (!Object.values(ProbePhase).includes(phase))
    refuse(`phase must be a ProbePhase; got ${JSON.stringify(phase)}`);
  if (!Object.values(ProbeComparison).includes(probe.comparison)) {
    refuse(`comparison must be a ProbeComparison; got ${JSON.stringify(probe.comparison)}`);
  }
  if (Token.isUnresolved(probe.threshold) || !Number.isFinite(probe.threshold)) {
    refuse(`threshold must be a finite number known at synthesis; got ${probe.threshold}`);
  }
  if (probe.missingDataValue !== undefined && !Number.isFinite(probe.missingDataValue)) {
    refuse(`missingDataValue must be a finite number; got ${probe.missingDataValue}`);
  }
  const spec = queries(refuse, probe.metric, "judged", true);
  const ids = spec.map((q) => q.Id);
  const twice = ids.filter((id, i) => ids.indexOf(id) !== i);
  if (twice.length)
    refuse(`its metric math names ${JSON.stringify(twice)} more than once (or "judged", the probe's own)`);
  const window = (probe.window ?? Duration.minutes(5)).toSeconds();
  if (window < longestPeriod(spec) || window > 3600) {
    refuse(
      `window must hold one period of the metric (${longestPeriod(spec)} s) and be at most 1 hour; got ${window} s`,
    );
  }
  const sampling = renderChecks(
    refuse,
    probe,
    phase === ProbePhase.DURING || phase === ProbePhase.CONTINUOUSLY,
  );
  return {
    kind: "Metric",
    name: probe.name,
    weight,
    phase,
    queries: spec,
    comparison: probe.comparison,
    threshold: probe.threshold,
    windowSeconds: window,
    ...(probe.missingDataValue === undefined ? {} : { missingDataValue: probe.missingDataValue }),
    ...(sampling ? { sampling } : {}),
  };
}
