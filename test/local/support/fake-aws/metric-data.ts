/**
 * The metric data CloudWatch keeps, and GetMetricData reading it
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html): the
 * datapoints of one metric summarized by a statistic in periods, and arithmetic between the
 * queries' series.
 */
import {
  CloudWatchServiceException,
  type Dimension,
  type GetMetricDataCommandInput,
  type MetricDataQuery,
  type MetricDataResult,
  type MetricDatum,
  type MetricStat,
} from "@aws-sdk/client-cloudwatch";
import { serviceError, type ServiceExceptionClass } from "./errors";

/** A datum as CloudWatch stored it: with its namespace, and its time, the time it came when it had none. */
export interface StoredDatum extends MetricDatum {
  readonly Namespace: string;
  readonly Timestamp: Date;
}

/** A series: values by the start of their period, in milliseconds since the epoch. */
type Series = Map<number, number>;

/** The periods a request covers: those starting at or after `start` and before `end`, in milliseconds. */
interface Range {
  readonly start: number;
  readonly end: number;
}

const MAX_QUERIES = 500;
const ID = /^[a-z][a-zA-Z0-9_]*$/;

/** GetMetricData names the requests it refuses ValidationError, as seen from AWS. */
const invalid = (message: string) =>
  serviceError(CloudWatchServiceException as unknown as ServiceExceptionClass, "ValidationError", message);

/** The datums an AWS service publishes in its own namespace: one value a point. */
export function publishedData(
  namespace: string,
  metricName: string,
  dimensions: Record<string, string>,
  points: { at: Date; value: number }[],
): StoredDatum[] {
  const Dimensions = Object.entries(dimensions).map(([Name, Value]) => ({ Name, Value }));
  return points.map(({ at, value }) => ({
    Namespace: namespace,
    MetricName: metricName,
    Dimensions,
    Timestamp: new Date(at),
    Value: value,
  }));
}

/**
 * Where CloudWatch starts a request's range: for data less than 15 days old, "rounded down to the
 * nearest whole minute", or for a Period of 5, 10, 20 or 30 seconds "to the nearest time that
 * corresponds to even 5-, 10-, 20-, or 30-second divisions of a minute"
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html, StartTime).
 * The tests' data is never 15 days old.
 */
function roundedStart(input: GetMetricDataCommandInput): number {
  const periods = (input.MetricDataQueries ?? []).map((q) => q.MetricStat?.Period ?? q.Period ?? 60);
  const division = periods.every((p) => p < 60) ? Math.min(...periods) : 60;
  const step = (division >= 5 ? division : 1) * 1000;
  return Math.floor(input.StartTime!.getTime() / step) * step;
}

export function getMetricData(data: readonly StoredDatum[], input: GetMetricDataCommandInput) {
  const queries = validQueries(input);
  const range = { start: roundedStart(input), end: input.EndTime!.getTime() };
  const seriesOf = resolver(data, queries, range);
  // Every query is computed, so one that returns no data still fails the request as it would on AWS.
  const series = new Map(queries.map((query) => [query.Id!, seriesOf(query.Id!)]));
  const ascending = input.ScanBy === "TimestampAscending";
  return {
    MetricDataResults: queries
      .filter((query) => query.ReturnData !== false)
      .map((query) => result(query, series.get(query.Id!)!, ascending)),
    Messages: [],
  };
}

function result(query: MetricDataQuery, series: Series, ascending: boolean): MetricDataResult {
  const times = [...series.keys()].sort((a, b) => (ascending ? a - b : b - a));
  return {
    Id: query.Id,
    Label: query.Label ?? query.MetricStat?.Metric?.MetricName ?? query.Id,
    Timestamps: times.map((time) => new Date(time)),
    Values: times.map((time) => series.get(time)!),
    StatusCode: "Complete",
    Messages: [],
  };
}

/** The request's queries, once they pass GetMetricData's checks. */
function validQueries(input: GetMetricDataCommandInput): MetricDataQuery[] {
  const queries = input.MetricDataQueries ?? [];
  if (queries.length < 1 || queries.length > MAX_QUERIES) {
    throw invalid(
      `1 validation error detected: Value at 'metricDataQueries' failed to satisfy constraint: Member must have length between 1 and ${MAX_QUERIES}`,
    );
  }
  queries.forEach(checkQuery);
  if (new Set(queries.map((query) => query.Id)).size < queries.length) {
    throw invalid("The values for parameter id in MetricDataQueries are not unique.");
  }
  if (!input.StartTime || !input.EndTime) throw invalid("The parameters StartTime and EndTime are required.");
  const start = input.StartTime.getTime();
  const end = input.EndTime.getTime();
  if (start === end) throw invalid("The parameter StartTime must not equal parameter EndTime.");
  if (start > end) throw invalid("The parameter EndTime must be greater than StartTime.");
  return queries;
}

function checkQuery(query: MetricDataQuery, index: number): void {
  const member = `MetricDataQueries.member.${index + 1}`;
  if (!ID.test(query.Id ?? "")) {
    throw invalid(
      `The value ${query.Id} for parameter ${member}.Id is not matching the expected pattern ${ID.source}.`,
    );
  }
  if (!query.MetricStat === !query.Expression) {
    throw invalid(`The parameter ${member} must contain exactly one of MetricStat and Expression.`);
  }
  // https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricStat.html
  const period = query.MetricStat?.Period;
  if (query.MetricStat && !(period !== undefined && ([1, 5, 10, 30].includes(period) || period % 60 === 0))) {
    throw invalid(`The parameter ${member}.MetricStat.Period must be 1, 5, 10, 30 or a multiple of 60.`);
  }
}

/**
 * The series of a query by its Id, each computed once: an expression may name any other query,
 * before or after it in the request.
 */
function resolver(data: readonly StoredDatum[], queries: MetricDataQuery[], range: Range) {
  const byId = new Map(queries.map((query) => [query.Id!, query]));
  const computed = new Map<string, Series>();
  const inProgress = new Set<string>();
  const seriesOf = (id: string): Series => {
    const known = computed.get(id);
    if (known) return known;
    const query = byId.get(id);
    if (!query) throw invalid(`An expression names ${id}, which is the Id of no query in MetricDataQueries.`);
    if (inProgress.has(id)) throw invalid(`The expression of ${id} depends on itself.`);
    inProgress.add(id);
    const series = query.MetricStat
      ? metricSeries(data, query.MetricStat, range)
      : evaluate(query.Expression!, seriesOf);
    inProgress.delete(id);
    computed.set(id, series);
    return series;
  };
  return seriesOf;
}

/**
 * A metric's statistic in each period of `Period` seconds from the epoch that starts in the range
 * and holds data.
 */
function metricSeries(data: readonly StoredDatum[], stat: MetricStat, range: Range): Series {
  const statistic = statisticOf(stat.Stat ?? "");
  const periodMs = stat.Period! * 1000;
  const periods = new Map<number, Summary>();
  for (const datum of data) {
    const summary = matches(datum, stat) ? summarize(datum) : undefined;
    if (!summary) continue;
    const start = Math.floor(datum.Timestamp.getTime() / periodMs) * periodMs;
    if (start < range.start || start >= range.end) continue;
    const held = periods.get(start);
    periods.set(start, held ? merge(held, summary) : summary);
  }
  const series: Series = new Map();
  for (const [start, summary] of periods) {
    const value = statistic(summary);
    if (value !== undefined) series.set(start, value);
  }
  return series;
}

/**
 * Each combination of dimensions is a metric of its own: a query reads only the datums put with
 * exactly its set, in any order
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_concepts.html#Dimension).
 * A unit, when the query names one, keeps only the datums put with it ("None" when put without).
 */
function matches(datum: StoredDatum, { Metric, Unit }: MetricStat): boolean {
  return (
    datum.Namespace === Metric?.Namespace &&
    datum.MetricName === Metric?.MetricName &&
    dimensionSet(datum.Dimensions) === dimensionSet(Metric?.Dimensions) &&
    (!Unit || (datum.Unit ?? "None") === Unit)
  );
}

const dimensionSet = (dimensions: Dimension[] = []): string =>
  dimensions
    .map(({ Name, Value }) => JSON.stringify([Name, Value]))
    .sort()
    .join();

/** What a period holds: its statistics, and its samples with their counts when they are known. */
interface Summary {
  readonly count: number;
  readonly sum: number;
  readonly min: number;
  readonly max: number;
  readonly samples?: readonly (readonly [value: number, count: number])[];
}

/**
 * A datum's samples: its Values with their Counts (1 each without), its StatisticValues, or its
 * Value. A statistic set stands for unknown samples unless its Minimum equals its Maximum, which
 * is when CloudWatch can still give its percentiles
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_concepts.html#Percentiles).
 */
function summarize({ Values, Counts, StatisticValues: set, Value }: MetricDatum): Summary | undefined {
  if (Values?.length) return ofSamples(Values.map((value, i) => [value, Counts?.[i] ?? 1]));
  if (set) {
    const [count, sum, min, max] = [set.SampleCount!, set.Sum!, set.Minimum!, set.Maximum!];
    return { count, sum, min, max, samples: min === max ? [[min, count]] : undefined };
  }
  return Value === undefined ? undefined : ofSamples([[Value, 1]]);
}

function ofSamples(samples: [number, number][]): Summary {
  return {
    count: samples.reduce((total, [, count]) => total + count, 0),
    sum: samples.reduce((total, [value, count]) => total + value * count, 0),
    min: Math.min(...samples.map(([value]) => value)),
    max: Math.max(...samples.map(([value]) => value)),
    samples,
  };
}

function merge(a: Summary, b: Summary): Summary {
  return {
    count: a.count + b.count,
    sum: a.sum + b.sum,
    min: Math.min(a.min, b.min),
    max: Math.max(a.max, b.max),
    samples: a.samples && b.samples ? [...a.samples, ...b.samples] : undefined,
  };
}

const STATISTICS: Record<string, (summary: Summary) => number> = {
  Sum: (s) => s.sum,
  Average: (s) => s.sum / s.count,
  Minimum: (s) => s.min,
  Maximum: (s) => s.max,
  SampleCount: (s) => s.count,
};

/** pNN or pNN.NN (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Statistics-definitions.html). */
const PERCENTILE = /^p(\d{1,2}(?:\.\d{1,2})?|100)$/;

/** A statistic of a period, undefined when its data cannot give it. */
function statisticOf(stat: string): (summary: Summary) => number | undefined {
  if (Object.hasOwn(STATISTICS, stat)) return STATISTICS[stat];
  const percentile = PERCENTILE.exec(stat);
  if (percentile) return (s) => s.samples && nearestRank(s.samples, Number(percentile[1]));
  throw new Error(`the fake CloudWatch does not implement the statistic ${stat}`);
}

/**
 * CloudWatch does not say how it ranks; the fake takes the nearest rank: the smallest value with
 * at least p% of the samples at or below it.
 */
function nearestRank(samples: readonly (readonly [number, number])[], p: number): number {
  const sorted = [...samples].sort(([a], [b]) => a - b);
  const total = sorted.reduce((sum, [, count]) => sum + count, 0);
  // Less a hair, so that 16.1% of 1,000 is the 161st sample and not, by rounding, the 162nd.
  const rank = Math.max(1, Math.ceil((p * total) / 100 - 1e-9));
  let seen = 0;
  return sorted.find(([, count]) => (seen += count) >= rank)![0];
}

type Operand = number | Series;

const OPERATORS: Record<string, (a: number, b: number) => number> = {
  "+": (a, b) => a + b,
  "-": (a, b) => a - b,
  "*": (a, b) => a * b,
  "/": (a, b) => a / b,
};

/** Numbers, the Ids of queries, and the operators and parentheses between them. */
const TOKEN = /\s*(\d+(?:\.\d+)?|[a-z][a-zA-Z0-9_]*|[-+*/()])\s*/y;

/**
 * Metric math's arithmetic (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html):
 * + - * / and parentheses over numbers and other queries' series, which is all the fake knows.
 */
function evaluate(expression: string, seriesOf: (id: string) => Series): Series {
  const unsupported = () =>
    new Error(
      `the fake CloudWatch does not implement the expression "${expression}": it knows only + - * / and parentheses over numbers and Ids`,
    );
  const tokens = tokenize(expression, unsupported);
  let next = 0;
  const binary = (operators: string, operand: () => Operand) => (): Operand => {
    let value = operand();
    while (operators.includes(tokens[next])) value = combine(tokens[next++], value, operand());
    return value;
  };
  const factor = (): Operand => {
    const token = tokens[next++] ?? "";
    if (token === "-") return combine("-", 0, factor());
    if (token === "(") {
      const value = sum();
      if (tokens[next++] !== ")") throw unsupported();
      return value;
    }
    if (/^[a-z]/.test(token)) return seriesOf(token);
    if (/^\d/.test(token)) return Number(token);
    throw unsupported();
  };
  const sum = binary("+-", binary("*/", factor));
  const value = sum();
  if (next < tokens.length || typeof value === "number") throw unsupported();
  return value;
}

function tokenize(expression: string, unsupported: () => Error): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < expression.length) {
    const match = TOKEN.exec(expression);
    if (!match) throw unsupported();
    tokens.push(match[1]);
  }
  return tokens;
}

/**
 * Between two series, the timestamps both have; a number applies to every value. A point without
 * a finite value, as from a division by zero, is left out rather than returned as NaN or Infinity.
 */
function combine(operator: string, left: Operand, right: Operand): Operand {
  const apply = OPERATORS[operator];
  if (typeof left === "number" && typeof right === "number") return apply(left, right);
  const valueAt = (operand: Operand, time: number) =>
    typeof operand === "number" ? operand : operand.get(time);
  const result: Series = new Map();
  for (const time of ((typeof left === "number" ? right : left) as Series).keys()) {
    const [a, b] = [valueAt(left, time), valueAt(right, time)];
    const value = a === undefined || b === undefined ? NaN : apply(a, b);
    if (Number.isFinite(value)) result.set(time, value);
  }
  return result;
}
