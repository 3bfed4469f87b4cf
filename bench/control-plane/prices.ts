/**
 * Public list prices in US East (N. Virginia), as the pages named below gave them when these
 * benchmarks were written; free tiers are ignored. BENCHMARKS.md cites the same pages.
 */
export const PRICE_PAGES = {
  stepFunctions: "https://aws.amazon.com/step-functions/pricing/",
  lambda: "https://aws.amazon.com/lambda/pricing/",
  cloudWatch: "https://aws.amazon.com/cloudwatch/pricing/",
  s3: "https://aws.amazon.com/s3/pricing/",
  fis: "https://aws.amazon.com/fis/pricing/",
  eventBridge: "https://aws.amazon.com/eventbridge/pricing/",
} as const;

export const PRICES = {
  /** Step Functions Standard: $0.025 per 1,000 state transitions, retries included. */
  stateTransition: 0.025 / 1000,
  /** Lambda: $0.20 per million requests. */
  lambdaRequest: 0.2 / 1_000_000,
  /** Lambda duration, per GB-second, by architecture (first tier); billed in whole milliseconds, rounded up. */
  lambdaGbSecond: { arm64: 0.0000133334, x86_64: 0.0000166667 },
  /**
   * CloudWatch: $0.01 per 1,000 requests for the API calls it prices per request. DescribeAlarms is
   * not named among them; it is counted at that price, so the figure is an upper bound.
   */
  cloudWatchRequest: 0.01 / 1000,
  /**
   * CloudWatch custom metrics: $0.30 a metric a month (first 10,000), prorated by the hour and
   * metered only in the hours the metric is sent: a metric an experiment sends within one hour
   * costs $0.30 / 730.
   */
  customMetricHour: 0.3 / 730,
  /**
   * S3 Standard requests: $0.005 per 1,000 PUT, COPY, POST or LIST, $0.0004 per 1,000 GET (a
   * record's storage is negligible).
   */
  s3Put: 0.005 / 1000,
  s3Get: 0.0004 / 1000,
  /** CloudWatch Logs ingestion, standard class, first tier: $0.50 per GB. */
  logsGb: 0.5,
  /** CloudWatch GetMetricData: $0.01 per 1,000 metrics requested (each probe's call here requests one). */
  metricRequested: 0.01 / 1000,
  /** EventBridge: $1.00 per million custom events put. */
  customEvent: 1 / 1_000_000,
  /** AWS FIS: $0.10 per action-minute, the duration rounded to the nearest minute. */
  fisActionMinute: 0.1,
} as const;

/** The API calls among those the fault makes that are billed, and their price per call. */
export const BILLED_CALLS: Record<string, number> = {
  "CloudWatch:DescribeAlarms": PRICES.cloudWatchRequest,
  "CloudWatch:PutMetricData": PRICES.cloudWatchRequest,
  "CloudWatch:GetDashboard": PRICES.cloudWatchRequest,
  "CloudWatch:PutDashboard": PRICES.cloudWatchRequest,
  "CloudWatch:DescribeAlarmHistory": PRICES.cloudWatchRequest,
  "CloudWatch:GetMetricData": PRICES.metricRequested,
  "EventBridge:PutEvents": PRICES.customEvent,
  // The sampler invoking the HTTP probes' function: a Lambda request (its few milliseconds uncounted).
  "Lambda:Invoke": PRICES.lambdaRequest,
  "S3:PutObject": PRICES.s3Put,
  "S3:GetObject": PRICES.s3Get,
  "S3:ListObjectsV2": PRICES.s3Put,
};
