/**
 * An in-memory AWS account for the handlers: EC2, SSM, STS, Secrets Manager, CloudWatch, S3,
 * EventBridge's default bus, Step Functions (the executions the local runner started), Elastic
 * Load Balancing v2 (target groups and their health checks) and Lambda Invoke, bound to the SDK's
 * clients. Calls signed with an unknown key are refused as AWS refuses them; a chosen fraction of
 * calls can be throttled; every call is logged with the identity that made it.
 */
import { CloudWatchServiceException } from "@aws-sdk/client-cloudwatch";
import { EC2ServiceException } from "@aws-sdk/client-ec2";
import { ElasticLoadBalancingV2ServiceException } from "@aws-sdk/client-elastic-load-balancing-v2";
import { EventBridgeServiceException } from "@aws-sdk/client-eventbridge";
import { LambdaServiceException } from "@aws-sdk/client-lambda";
import { S3ServiceException, type PutObjectCommandInput } from "@aws-sdk/client-s3";
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
import { FakeLambda } from "./lambda";
import { FakeLoadBalancing } from "./load-balancing";
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
  ElasticLoadBalancingV2: ElasticLoadBalancingV2ServiceException as unknown as ServiceExceptionClass,
  Lambda: LambdaServiceException as unknown as ServiceExceptionClass,
};

/** An operation of a fake, given the call's input, the caller's ARN and the region it was signed for. */
type Operation = (input: unknown, caller: string, region: string) => unknown;

/** The account the functions run in, and the identity Lambda gives them. */
export const HOME_ACCOUNT = "111111111111";
/** The region the functions run in, as the local deployment's stack has it. */
export const HOME_REGION = "eu-west-1";
export const FUNCTION_ROLE_ARN = `arn:aws:iam::${HOME_ACCOUNT}:role/http-reset-peer-task`;
export const FUNCTION_ACCESS_KEY = "ASIAFUNCTIONROLE0001";

export interface FakeAwsOptions {
  readonly timing?: Partial<Timing>;
  /** How long a target deregistered from a target group drains before it is gone. */
  readonly deregistrationDelayMs?: number;
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
  readonly loadBalancing: FakeLoadBalancing;
  readonly lambda = new FakeLambda();
  private unbind?: () => void;

  constructor(options: FakeAwsOptions = {}) {
    this.ssm = new FakeSsm(
      this.fleet,
      { visibilityMs: 300, deliveryMs: 50, msPerTimeoutSecond: 1000, ...options.timing },
      this.calls,
    );
    this.loadBalancing = new FakeLoadBalancing(HOME_REGION, HOME_ACCOUNT, options.deregistrationDelayMs);
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

  /** An S3 call a service makes with its own role rather than through the SDK, logged as made. */
  private recordS3Call(
    identity: string,
    region: string,
    operation: string,
    input: Record<string, unknown>,
  ): void {
    this.calls.record({
      service: "S3",
      operation,
      input,
      accessKeyId: "",
      identity,
      region,
      throttled: false,
    });
  }

  /**
   * An object a service reads with its own role rather than through the SDK (a Distributed Map's
   * ItemReader), logged as the GetObject call it is.
   */
  readObjectAs(identity: string, region: string, bucket: string, key: string): string {
    this.recordS3Call(identity, region, "GetObject", { Bucket: bucket, Key: key });
    return this.s3.read(bucket, key);
  }

  /** An object a state machine writes with its role, through its S3 PutObject integration. */
  writeObjectAs(identity: string, region: string, input: PutObjectCommandInput): unknown {
    this.recordS3Call(identity, region, "PutObject", { ...input });
    return this.s3.PutObject(input);
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
      ElasticLoadBalancingV2: this.loadBalancing,
      Lambda: this.lambda,
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
    const target = this.handlerOf(service) as Record<string, Operation>;
    if (typeof target[operation] !== "function") {
      throw new Error(`the fake AWS does not implement ${service} ${operation}`);
    }
    const answered = await target[operation](input, identity.arn, region);
    const output = structuredClone(answered) as Record<string, unknown>;
    // A body the SDK streams cannot be cloned: it is made from the cloned text.
    if (service === "S3" && operation === "GetObject") output.Body = streamingBody(output.Body as string);
    // Cloning leaves a plain Uint8Array, where the SDK gives its blob adapter: the same bytes, with
    // transformToString as the S3 body's.
    if (service === "Lambda" && output.Payload instanceof Uint8Array) {
      const bytes = output.Payload;
      output.Payload = Object.assign(bytes, { transformToString: () => new TextDecoder().decode(bytes) });
    }
    return output;
  }

  /** Unbinds from the SDK, ends every timer and kills every script still running. */
  async dispose(): Promise<void> {
    this.unbind?.();
    this.unbind = undefined;
    this.loadBalancing.dispose();
    await this.ssm.dispose();
  }
}
