/** Task handlers invoked as Lambda invokes them: with a context, which Powertools' middleware reads. */
import type { Context } from "aws-lambda";

let requests = 0;

export const lambdaContext = (): Context =>
  ({
    functionName: "task",
    invokedFunctionArn: "arn:aws:lambda:eu-west-1:111111111111:function:task",
    awsRequestId: `test-${++requests}`,
    memoryLimitInMB: "256",
    functionVersion: "$LATEST",
    getRemainingTimeInMillis: () => 60_000,
  }) as unknown as Context;

/** The handler, called with the event alone. */
export const invoked =
  <E, R>(handler: (event: E, context: Context) => Promise<R>) =>
  (event: E): Promise<R> =>
    handler(event, lambdaContext());
