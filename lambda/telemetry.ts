/**
 * Structured logs and metrics. The service name and namespace come from POWERTOOLS_SERVICE_NAME
 * and POWERTOOLS_METRICS_NAMESPACE, which the construct sets.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";
import type { Context } from "aws-lambda";

export { MetricUnit } from "@aws-lambda-powertools/metrics";

export const logger = new Logger();
export const metrics = new Metrics();

/**
 * Wraps a task's body: the task's name and the Lambda context on every log line, the error logged
 * once with its stack before Step Functions sees it, and the metrics flushed whatever happens.
 */
export function task<E, R>(name: string, body: (event: E) => Promise<R>) {
  return async (event: E, context?: Context): Promise<R> => {
    if (context) logger.addContext(context);
    logger.appendKeys({ task: name });
    try {
      return await body(event);
    } catch (error) {
      logger.error(`${name} failed`, error as Error);
      throw error;
    } finally {
      // A run that failed before counting anything has nothing to publish, and nothing to warn of.
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    }
  };
}
