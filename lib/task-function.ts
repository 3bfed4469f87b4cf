import { Duration, RemovalPolicy } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import * as logs from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import { acknowledgeNotNewest, type HandlerRuntime } from "./handler-runtime";
import { acknowledge } from "./nag";
import { handlerAsset } from "./package-files";
import type { HttpProbeNetwork } from "./task-functions";

export interface TaskFunctionProps {
  /** The handler's name: its bundle is `assets/handlers/<handler>/index.js`. */
  readonly handler: string;
  readonly description: string;
  readonly timeout: Duration;
  readonly environment: Record<string, string>;
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
  /** The Node.js runtime, chosen by `handlerRuntime` (lib/handler-runtime.ts). */
  readonly runtime: HandlerRuntime;
  /**
   * Where the function sends events it failed to process when invoked asynchronously.
   * @default - the function is only invoked synchronously, by the state machine
   */
  readonly onFailure?: lambda.IDestination;
  /**
   * The VPC, subnets and security groups the function runs in.
   * @default - outside any VPC
   */
  readonly network?: HttpProbeNetwork;
}

/**
 * One task handler as a function with a role and a log group of its own, so that each role holds
 * only what its handler needs and each log group has a retention.
 */
export class TaskFunction extends Construct {
  public readonly function: lambda.Function;
  public readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: TaskFunctionProps) {
    super(scope, id);
    // A role of our own rather than the default, which attaches the AWSLambdaBasicExecutionRole
    // managed policy: writing to any log group in the account.
    this.role = new iam.Role(this, "Role", {
      assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com"),
      description: `EC2 HTTP reset peer: ${props.description}`,
    });
    const logGroup = new logs.LogGroup(this, "Logs", {
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });
    this.function = new lambda.Function(this, "Function", {
      // Bundled when the package was built (scripts/build-assets.ts): synthesis bundles nothing.
      code: lambda.Code.fromAsset(handlerAsset(props.handler)),
      handler: "index.handler",
      description: `EC2 HTTP reset peer: ${props.description}`,
      runtime: props.runtime.runtime,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      timeout: props.timeout,
      tracing: lambda.Tracing.ACTIVE,
      role: this.role,
      logGroup,
      environment: props.environment,
      onFailure: props.onFailure,
      vpc: props.network?.vpc,
      vpcSubnets: props.network?.subnets,
      securityGroups: props.network?.securityGroups,
    });
    logGroup.grantWrite(this.role);
    acknowledgeNotNewest(this, props.runtime);
    acknowledge(
      this,
      "AwsSolutions",
      "IAM5[Resource::*]",
      "Active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords take no resource ARN.",
    );
    acknowledge(
      this,
      "Serverless",
      "LambdaDLQ",
      props.onFailure
        ? "Asynchronous invocations that fail go to the on-failure destination, which records the event and the error."
        : "Invoked synchronously by the state machine, which receives every error and handles it: a dead-letter queue would stay empty.",
    );
  }
}
