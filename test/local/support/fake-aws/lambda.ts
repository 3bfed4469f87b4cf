/**
 * Lambda Invoke of functions a test registers, as AWS answers it
 * (https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html): FunctionName is a name, a full
 * ARN or a partial ARN (account:function:name), resolved in the caller's account and region; an
 * unknown function is ResourceNotFoundException (404). A function that throws still answers 200,
 * with FunctionError "Unhandled" and the error in the payload; an Event invocation answers 202 at
 * once and a DryRun 204.
 */
import {
  InvalidRequestContentException,
  LambdaServiceException,
  ResourceNotFoundException,
  type InvokeCommandInput,
} from "@aws-sdk/client-lambda";
import { serviceError, validationError, type ServiceExceptionClass } from "./errors";

export type FunctionHandler = (event: unknown) => Promise<unknown>;

/** Invoke's pattern for FunctionName, as a ValidationException states it. */
const PATTERN = String.raw`(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_\.]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?`;
const FUNCTION_NAME = new RegExp(`^${PATTERN}$`);

const encode = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value) ?? "null");

/** The event a payload carries; Lambda gives a function `{}` when the payload is empty. */
function eventOf(payload: InvokeCommandInput["Payload"]): unknown {
  // Callers send JSON as a string or as bytes, as the SDK's examples do.
  const text =
    typeof payload === "string" ? payload : new TextDecoder().decode(payload as Uint8Array | undefined);
  try {
    return JSON.parse(text || "{}");
  } catch (error) {
    throw serviceError(
      InvalidRequestContentException as unknown as ServiceExceptionClass,
      "InvalidRequestContentException",
      `Could not parse request body into json: Could not parse payload into json: ${(error as Error).message}`,
    );
  }
}

/** What the Node.js runtime reports of an error a handler threw. */
const errorPayload = (error: unknown) =>
  error instanceof Error
    ? { errorType: error.name, errorMessage: error.message, trace: [] }
    : { errorType: typeof error, errorMessage: String(error), trace: [] };

export class FakeLambda {
  /** Handlers by unqualified function ARN. */
  private readonly functions = new Map<string, FunctionHandler>();

  register(functionName: string, functionArn: string, handler: FunctionHandler): void {
    if (!functionArn.endsWith(`:function:${functionName}`)) {
      throw new Error(`${functionArn} is not the ARN of a function named ${functionName}`);
    }
    this.functions.set(functionArn, handler);
  }

  async Invoke(input: InvokeCommandInput, caller: string, region: string) {
    const handler = this.resolve(input, caller, region);
    if (input.InvocationType === "DryRun") return { StatusCode: 204 };
    const event = eventOf(input.Payload);
    if (input.InvocationType === "Event") {
      // Lambda queues the event and answers at once; the retries and destinations that would
      // follow a failure are not modelled, so a failure is dropped.
      void Promise.resolve()
        .then(() => handler(event))
        .catch(() => undefined);
      return { StatusCode: 202 };
    }
    try {
      return { StatusCode: 200, ExecutedVersion: "$LATEST", Payload: encode(await handler(event)) };
    } catch (error) {
      return {
        StatusCode: 200,
        FunctionError: "Unhandled",
        ExecutedVersion: "$LATEST",
        Payload: encode(errorPayload(error)),
      };
    }
  }

  /** The handler FunctionName names, looked up by the full ARN it stands for. */
  private resolve({ FunctionName = "", Qualifier }: InvokeCommandInput, caller: string, region: string) {
    const match = FUNCTION_NAME.exec(FunctionName);
    if (!match) {
      throw validationError(
        LambdaServiceException as unknown as ServiceExceptionClass,
        `Value '${FunctionName}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: ${PATTERN}`,
      );
    }
    const [, , , regionPart, , accountPart, , name, , qualifier = Qualifier] = match;
    const inRegion = regionPart?.slice(0, -1) ?? region;
    const account = accountPart?.slice(0, -1) ?? caller.split(":")[4];
    const arn = `arn:aws:lambda:${inRegion}:${account}:function:${name}`;
    const handler = this.functions.get(arn);
    // Only the unpublished version exists here: versions and aliases are not modelled.
    if (!handler || (qualifier !== undefined && qualifier !== "$LATEST")) {
      throw serviceError(
        ResourceNotFoundException as unknown as ServiceExceptionClass,
        "ResourceNotFoundException",
        `Function not found: ${qualifier === undefined ? arn : `${arn}:${qualifier}`}`,
        404,
      );
    }
    return handler;
  }
}
