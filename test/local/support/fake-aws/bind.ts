/**
 * Puts the fake AWS behind the SDK's own clients. Every client of the ten services, however the
 * handlers make it, gets one more middleware at the start of its deserialize step: the request
 * has been built, retried by the SDK's (adaptive) retry strategy and signed by then, and the fake
 * answers it instead of the network. So retries, backoff, credential resolution and signing all
 * run as they would against AWS, and each call can be attributed to the key that signed it.
 */
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { EC2Client } from "@aws-sdk/client-ec2";
import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { S3Client } from "@aws-sdk/client-s3";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SFNClient } from "@aws-sdk/client-sfn";
import { SSMClient } from "@aws-sdk/client-ssm";
import { STSClient } from "@aws-sdk/client-sts";

export type ServiceName =
  | "EC2"
  | "SSM"
  | "STS"
  | "SecretsManager"
  | "CloudWatch"
  | "S3"
  | "StepFunctions"
  | "EventBridge"
  | "ElasticLoadBalancingV2"
  | "Lambda";

/** What answers a signed request. */
export type Dispatch = (
  service: ServiceName,
  operation: string,
  input: Record<string, unknown>,
  signedWith: { accessKeyId: string; region: string },
) => Promise<Record<string, unknown>>;

const CLIENTS: [ServiceName, { prototype: object }][] = [
  ["EC2", EC2Client],
  ["SSM", SSMClient],
  ["STS", STSClient],
  ["SecretsManager", SecretsManagerClient],
  ["CloudWatch", CloudWatchClient],
  ["S3", S3Client],
  ["StepFunctions", SFNClient],
  ["EventBridge", EventBridgeClient],
  ["ElasticLoadBalancingV2", ElasticLoadBalancingV2Client],
  ["Lambda", LambdaClient],
];

interface MiddlewareClient {
  middlewareStack: { add(mw: unknown, options: Record<string, unknown>): void };
  send(...args: unknown[]): Promise<unknown>;
}

type Args = { input: Record<string, unknown>; request?: { headers?: Record<string, string> } };

const MIDDLEWARE_NAME = "fakeAwsAnswers";

function answeringMiddleware(service: ServiceName, dispatch: () => Dispatch) {
  return (_next: unknown, context: { commandName?: string }) => async (args: Args) => {
    const headers = args.request?.headers ?? {};
    const authorization = headers.authorization ?? headers.Authorization ?? "";
    const [, accessKeyId = "", region = ""] =
      /Credential=([^/]+)\/\d{8}\/([^/]+)\//.exec(authorization) ?? [];
    const operation = (context.commandName ?? "").replace(/Command$/, "");
    const output = await dispatch()(service, operation, args.input, { accessKeyId, region });
    return {
      response: { statusCode: 200, headers: {}, body: undefined },
      output: {
        ...output,
        $metadata: { httpStatusCode: 200, requestId: "fake", attempts: 1, totalRetryDelay: 0 },
      },
    };
  };
}

let installed: { restore: () => void; dispatch: Dispatch } | undefined;

/**
 * Clients that already answer through the fake: the handlers keep their clients in a warm
 * process, from one binding to the next, and the middleware asks for the binding of the moment.
 */
const withMiddleware = new WeakSet<object>();

/** Routes every SDK client's calls to `dispatch` until the returned function is called. */
export function bindSdkClients(dispatch: Dispatch): () => void {
  if (installed) throw new Error("a fake AWS is already bound to the SDK clients: dispose of it first");
  const originals: [object, PropertyDescriptor | undefined][] = [];
  for (const [service, Client] of CLIENTS) {
    const proto = Client.prototype as MiddlewareClient;
    originals.push([proto, Object.getOwnPropertyDescriptor(proto, "send")]);
    const send = proto.send;
    proto.send = function (this: MiddlewareClient, ...args: unknown[]) {
      if (!withMiddleware.has(this)) {
        this.middlewareStack.add(
          answeringMiddleware(service, () => {
            if (!installed) throw new Error("the fake AWS was disposed of while a client still uses it");
            return installed.dispatch;
          }),
          { step: "deserialize", priority: "high", name: MIDDLEWARE_NAME },
        );
        withMiddleware.add(this);
      }
      return send.apply(this, args);
    };
  }
  const restore = () => {
    for (const [proto, descriptor] of originals) {
      if (descriptor) Object.defineProperty(proto, "send", descriptor);
      else delete (proto as Partial<MiddlewareClient>).send;
    }
    installed = undefined;
  };
  installed = { restore, dispatch };
  return restore;
}
