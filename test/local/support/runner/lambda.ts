/**
 * A task function as the Lambda service runs it for Step Functions: the event and the result go
 * through JSON, the function's environment is set, it is stopped at its timeout, and an error
 * reaches the state machine as the Lambda integration reports it: Error is the error's type, Cause
 * a JSON object with errorType, errorMessage and trace.
 */
import type { Context } from "aws-lambda";
import type { DeployedFunction, TaskName } from "./deployment";

type Handler = (event: unknown, context?: Context) => Promise<unknown>;

const MODULES: Record<TaskName, string> = {
  resolveTargets: "resolve-targets",
  sendCommand: "send-command",
  checkProgress: "check-progress",
  cleanup: "cleanup",
  report: "report",
  stopExperiments: "stop-experiments",
  checkSteadyState: "check-steady-state",
  sampleProbes: "sample-probes",
  probeHttp: "probe-http",
};

const handlerOf = (task: TaskName): Handler =>
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require(`../../../../lambda/handlers/${MODULES[task]}`).handler;

/** What the Lambda integration throws into the state machine. */
export class LambdaTaskError extends Error {
  constructor(errorType: string, errorMessage: string, trace: string[] = []) {
    super(JSON.stringify({ errorType, errorMessage, trace }));
    this.name = errorType;
  }
}

let requests = 0;

export interface Invocation {
  readonly task: TaskName;
  readonly startedAt: number;
  endedAt?: number;
  /** The handler's wall time, to the fraction of a millisecond (Lambda bills whole ones, rounded up). */
  durationMs?: number;
  error?: string;
}

/** Invokes one deployed function with `event`, as Lambda would; `log` receives each invocation. */
export async function invokeFunction(
  fn: DeployedFunction,
  event: unknown,
  log?: Invocation[],
): Promise<unknown> {
  for (const [name, value] of Object.entries(fn.environment)) process.env[name] = value;
  const record: Invocation = { task: fn.task, startedAt: Date.now() };
  const began = performance.now();
  log?.push(record);
  const context = {
    functionName: fn.arn.split(":").pop(),
    invokedFunctionArn: fn.arn,
    awsRequestId: `local-${++requests}`,
    memoryLimitInMB: String(fn.memorySizeMb),
    functionVersion: "$LATEST",
    getRemainingTimeInMillis: () => record.startedAt + fn.timeoutSeconds * 1000 - Date.now(),
  } as unknown as Context;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new LambdaTaskError("Sandbox.Timedout", `Task timed out after ${fn.timeoutSeconds}.00 seconds`),
        ),
      fn.timeoutSeconds * 1000,
    );
  });
  try {
    const result = await Promise.race([
      handlerOf(fn.task)(JSON.parse(JSON.stringify(event ?? null)), context),
      timeout,
    ]);
    return result === undefined ? null : JSON.parse(JSON.stringify(result));
  } catch (error) {
    record.error = error instanceof Error ? error.name : String(error);
    if (error instanceof LambdaTaskError) throw error;
    const e = error instanceof Error ? error : new Error(String(error));
    throw new LambdaTaskError(e.name || "Error", e.message, (e.stack ?? "").split("\n").slice(1, 6));
  } finally {
    clearTimeout(timer);
    record.endedAt = Date.now();
    record.durationMs = performance.now() - began;
  }
}

/** What an asynchronous invocation came to: its result, or the last attempt's error. */
export interface AsyncInvocation {
  readonly result?: unknown;
  readonly error?: string;
  readonly invokedAt: number;
}

/**
 * An EventBridge rule's target: the function invoked asynchronously, which Lambda retries twice
 * when it fails.
 */
export async function invokeAsynchronously(
  fn: DeployedFunction,
  event: unknown,
  log?: Invocation[],
): Promise<AsyncInvocation> {
  const invokedAt = Date.now();
  let lastError = "";
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return { result: await invokeFunction(fn, event, log), invokedAt };
    } catch (e) {
      lastError = (e as Error).message;
    }
  }
  return { error: lastError, invokedAt };
}
