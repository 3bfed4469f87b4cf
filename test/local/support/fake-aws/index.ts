/**
 * An in-memory AWS account for the handlers: EC2, SSM, STS, Secrets Manager, CloudWatch, S3,
 * EventBridge's default bus and Step Functions (the executions the local runner started), bound
 * to the SDK's clients. Calls signed with an unknown key are refused as AWS refuses them; a chosen
 * fraction of calls can be throttled; every call is logged with the identity that made it.
 */
import { CloudWatchServiceException } from "@aws-sdk/client-cloudwatch";
import { EC2ServiceException } from "@aws-sdk/client-ec2";
import { EventBridgeServiceException } from "@aws-sdk/client-eventbridge";
import { S3ServiceException } from "@aws-sdk/client-s3";
import { SecretsManagerServiceException } from "@aws-sdk/client-secrets-manager";
import { SFNServiceException } from "@aws-sdk/client-sfn";
import { SSMServiceException } from "@aws-sdk/client-ssm";
import { STSServiceException } from "@aws-sdk/client-sts";
import { bindSdkClients, type ServiceName } from "./bind";
import { CallLog } from "./calls";
import { FakeCloudWatch } from "./cloudwatch";
import { FakeEc2 } from "./ec2";
import { FakeEventBridge } from "./eventbridge";
import { serviceError, type ServiceExceptionClass } from "./errors";
import { Fleet } from "./fleet";
import { Identities } from "./identities";
import { FakeS3, streamingBody } from "./s3";
import { FakeSecretsManager } from "./secrets-manager";
import { FakeSsm } from "./ssm";
import { FakeStepFunctions } from "./step-functions";
import type { Timing } from "./ssm-commands";
import { FakeSts } from "./sts";

export { Fleet, type FakeInstance, type InstanceOptions } from "./fleet";
export { byInstance, type Call } from "./calls";

const EXCEPTIONS: Record<ServiceName, ServiceExceptionClass> = {
  EC2: EC2ServiceException as unknown as ServiceExceptionClass,
  SSM: SSMServiceException as unknown as ServiceExceptionClass,
  STS: STSServiceException as unknown as ServiceExceptionClass,
  SecretsManager: SecretsManagerServiceException as unknown as ServiceExceptionClass,
  CloudWatch: CloudWatchServiceException as unknown as ServiceExceptionClass,
  S3: S3ServiceException as unknown as ServiceExceptionClass,
  StepFunctions: SFNServiceException as unknown as ServiceExceptionClass,
  EventBridge: EventBridgeServiceException as unknown as ServiceExceptionClass,
};

/** The account the functions run in, and the identity Lambda gives them. */
export const HOME_ACCOUNT = "111111111111";
export const FUNCTION_ROLE_ARN = `arn:aws:iam::${HOME_ACCOUNT}:role/http-reset-peer-task`;
export const FUNCTION_ACCESS_KEY = "ASIAFUNCTIONROLE0001";

export interface FakeAwsOptions {
  readonly timing?: Partial<Timing>;
}

export class FakeAws {
  readonly fleet = new Fleet();
  readonly calls = new CallLog();
  readonly identities = new Identities();
  readonly ec2 = new FakeEc2(this.fleet);
  readonly ssm: FakeSsm;
  readonly sts = new FakeSts(this.identities);
  readonly secretsManager = new FakeSecretsManager();
  readonly cloudwatch = new FakeCloudWatch();
  readonly s3 = new FakeS3();
  readonly stepFunctions = new FakeStepFunctions();
  readonly eventBridge = new FakeEventBridge();
  private unbind?: () => void;

  constructor(options: FakeAwsOptions = {}) {
    this.ssm = new FakeSsm(
      this.fleet,
      { visibilityMs: 300, deliveryMs: 50, msPerTimeoutSecond: 1000, ...options.timing },
      this.calls,
    );
    this.identities.add(FUNCTION_ACCESS_KEY, {
      arn: `arn:aws:sts::${HOME_ACCOUNT}:assumed-role/http-reset-peer-task/function`,
      account: HOME_ACCOUNT,
      secretAccessKey: "function-role-secret",
      sessionToken: "function-role-token",
    });
  }

  /** The credentials Lambda would put in the function's environment. */
  functionEnvironment(): Record<string, string> {
    const identity = this.identities.of(FUNCTION_ACCESS_KEY);
    return {
      AWS_ACCESS_KEY_ID: FUNCTION_ACCESS_KEY,
      AWS_SECRET_ACCESS_KEY: identity?.secretAccessKey ?? "",
      AWS_SESSION_TOKEN: identity?.sessionToken ?? "",
    };
  }

  /**
   * An object a service reads with its own role rather than through the SDK (a Distributed Map's
   * ItemReader), logged as the GetObject call it is.
   */
  readObjectAs(identity: string, region: string, bucket: string, key: string): string {
    const input = { Bucket: bucket, Key: key };
    this.calls.record({
      service: "S3",
      operation: "GetObject",
      input,
      accessKeyId: "",
      identity,
      region,
      throttled: false,
    });
    return this.s3.read(bucket, key);
  }

  /** Routes the SDK clients to this account; `dispose` undoes it. */
  bind(): this {
    this.unbind = bindSdkClients((service, operation, input, signedWith) =>
      this.answer(service, operation, input, signedWith),
    );
    return this;
  }

  private handlerOf(service: ServiceName): object {
    return {
      EC2: this.ec2,
      SSM: this.ssm,
      STS: this.sts,
      SecretsManager: this.secretsManager,
      CloudWatch: this.cloudwatch,
      S3: this.s3,
      StepFunctions: this.stepFunctions,
      EventBridge: this.eventBridge,
    }[service];
  }

  private async answer(
    service: ServiceName,
    operation: string,
    input: Record<string, unknown>,
    { accessKeyId, region }: { accessKeyId: string; region: string },
  ): Promise<Record<string, unknown>> {
    // An answer never comes back in the same tick as the request, as on a network.
    await new Promise((resolve) => setImmediate(resolve));
    const identity = this.identities.of(accessKeyId);
    const throttled = !!identity && this.calls.shouldThrottle(service, operation);
    this.calls.record({
      service,
      operation,
      input: structuredClone(input),
      accessKeyId,
      identity: identity?.arn ?? "unknown",
      region,
      throttled,
    });
    const Base = EXCEPTIONS[service];
    if (!identity) {
      throw serviceError(
        Base,
        service === "EC2" ? "AuthFailure" : "UnrecognizedClientException",
        "The security token included in the request is invalid.",
        service === "EC2" ? 401 : 400,
      );
    }
    if (throttled) {
      throw service === "EC2"
        ? serviceError(Base, "RequestLimitExceeded", "Request limit exceeded.", 503)
        : serviceError(Base, "ThrottlingException", "Rate exceeded");
    }
    const target = this.handlerOf(service) as Record<string, (i: unknown, caller: string) => unknown>;
    if (typeof target[operation] !== "function") {
      throw new Error(`the fake AWS does not implement ${service} ${operation}`);
    }
    const output = structuredClone(target[operation](input, identity.arn)) as Record<string, unknown>;
    // A body the SDK streams cannot be cloned: it is made from the cloned text.
    if (service === "S3" && operation === "GetObject") output.Body = streamingBody(output.Body as string);
    return output;
  }

  /** Unbinds from the SDK, ends every timer and kills every script still running. */
  async dispose(): Promise<void> {
    this.unbind?.();
    this.unbind = undefined;
    await this.ssm.dispose();
  }
}
