/**
 * Structured logs, traces and metrics. The service name and namespace come from
 * POWERTOOLS_SERVICE_NAME and POWERTOOLS_METRICS_NAMESPACE, which the construct sets.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { Metrics } from "@aws-lambda-powertools/metrics";
import { Tracer } from "@aws-lambda-powertools/tracer";
import { captureLambdaHandler } from "@aws-lambda-powertools/tracer/middleware";
import middy, { type MiddlewareObj } from "@middy/core";
import type { Context } from "aws-lambda";

export { MetricUnit } from "@aws-lambda-powertools/metrics";

export const logger = new Logger();
export const metrics = new Metrics();
export const tracer = new Tracer();

/** An AWS SDK client whose every call is a subsegment of the function's trace in X-Ray. */
export const traced = <T>(client: T): T => tracer.captureAWSv3Client(client);

/**
 * What Powertools' own middleware leaves to us: the task's name on every line of the run, the
 * error logged once, with its stack, before Step Functions sees it, and metrics published only
 * when the run counted something (its `logMetrics` warns of an empty set on every run that fails
 * before counting).
 */
const taskLogsAndMetrics = (name: string): MiddlewareObj => {
  const publish = () => {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  };
  return {
    before: () => logger.appendKeys({ task: name }),
    after: publish,
    onError: ({ error }) => {
      logger.error(`${name} failed`, error as Error);
      publish();
    },
  };
};

/**
 * A task's handler. Powertools' middleware puts the Lambda context on every log line, clears the
 * keys a run appends once it ends (a warm function never logs the previous experiment's
 * `experimentId`), and traces the invocation.
 */
export const task = <E, R>(name: string, body: (event: E) => Promise<R>) =>
  middy(async (event: E, _context: Context) => body(event))
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(captureLambdaHandler(tracer))
    .use(taskLogsAndMetrics(name));
