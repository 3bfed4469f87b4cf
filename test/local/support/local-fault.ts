/**
 * One deployment of the fault on this machine: the construct synthesized and read, a fake AWS
 * account with its document and fault role, and the state machine ready to start executions.
 */
import "./environment";
import type { HttpResetPeerFaultProps } from "../../../lib";
import type { Stack } from "aws-cdk-lib";
import type { PutObjectCommandInput } from "@aws-sdk/client-s3";
import { randomUUID } from "node:crypto";
import { FakeAws, FUNCTION_ROLE_ARN, type FakeAwsOptions } from "./fake-aws";
import type { AlarmStateChange } from "./fake-aws/cloudwatch";
import type { ParameterChange } from "./fake-aws/parameter-store";
import { ACCOUNT, deploy, REGION, STATE_MACHINE_ROLE_ARN, type Deployment } from "./runner/deployment";
import { LocalStateMachine } from "./runner/execution";
import { invokeAsynchronously, invokeFunction, type AsyncInvocation } from "./runner/lambda";
import { forgetClients } from "../../../lambda/aws/aws-clients";

export interface LocalFault {
  readonly aws: FakeAws;
  readonly deployment: Deployment;
  readonly stateMachine: LocalStateMachine;
  /** The role every task function's environment names as the fault role. */
  readonly faultRoleArn: string;
  /** Each event the alarm and safety lever rules delivered to their function, as it went. */
  readonly deliveries: RuleDelivery[];
  /** Whether EventBridge loses the alarms' events (to show the polled check is the backstop). */
  alarmEventsLost: boolean;
  /** Sets the safety lever's parameter, as `aws ssm put-parameter --overwrite` does. */
  setSafetyLever(value: string): void;
  dispose(): Promise<void>;
}

export interface RuleDelivery {
  readonly rule: "alarm" | "safety lever";
  readonly at: Date;
  readonly done: Promise<AsyncInvocation>;
}

/** The envelope of an event EventBridge delivers. */
const envelope = (detailType: string, source: string, at: Date, resources: string[]) => ({
  version: "0",
  id: randomUUID(),
  "detail-type": detailType,
  source,
  account: ACCOUNT,
  time: at.toISOString().replace(/\.\d+Z$/, "Z"),
  region: REGION,
  resources,
});

/** The event EventBridge delivers for an alarm's state change. */
const alarmEvent = (change: AlarmStateChange) => ({
  ...envelope("CloudWatch Alarm State Change", "aws.cloudwatch", change.at, [change.alarmArn]),
  detail: {
    alarmName: change.alarmName,
    state: { value: change.state, reason: change.reason, timestamp: change.at.toISOString() },
    previousState: { value: change.previousState },
  },
});

/** The event EventBridge delivers for a change of a parameter: its name and the operation, not its value. */
const parameterEvent = (change: ParameterChange) => ({
  ...envelope("Parameter Store Change", "aws.ssm", change.at, [
    `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/${change.name}`,
  ]),
  detail: { name: change.name, type: "String", operation: change.operation },
});

/** The construct's props, or a function making them in the stack (for props that need a scope). */
export type LocalFaultProps = HttpResetPeerFaultProps | ((stack: Stack) => HttpResetPeerFaultProps);

const deployments = new Map<LocalFaultProps | undefined, Deployment>();

/** Synthesizing takes seconds: a deployment is made once per props value (the same object) per test file. */
function deployment(props?: LocalFaultProps): Deployment {
  if (!deployments.has(props)) deployments.set(props, deploy(props));
  return deployments.get(props) as Deployment;
}

export function localFault(options: FakeAwsOptions & { props?: LocalFaultProps } = {}): LocalFault {
  const deployed = deployment(options.props);
  // Each local account is new: clients and credentials held from an earlier one mean nothing to it.
  forgetClients();
  const aws = new FakeAws(options).bind();
  for (const document of deployed.documents) aws.ssm.createDocument(document.name, document.content);
  aws.s3.createBucket(deployed.recordsBucket);
  const faultRoleArn = deployed.functions[0].environment.FAULT_ROLE_ARN;
  // Functions another function invokes, through Lambda's Invoke.
  for (const fn of deployed.functions.filter((f) => f.task === "probeHttp")) {
    aws.lambda.register(fn.arn.split(":").pop() as string, fn.arn, (event) => invokeFunction(fn, event));
  }
  aws.sts.addRole(faultRoleArn, [FUNCTION_ROLE_ARN]);
  const lever = deployed.safetyLever;
  aws.ssm.parameters.PutParameter({
    Name: lever.name,
    Value: lever.value,
    AllowedPattern: lever.allowedPattern,
  });
  const local: LocalFault = {
    aws,
    deployment: deployed,
    stateMachine: new LocalStateMachine(
      deployed,
      (bucket, key) => aws.readObjectAs(STATE_MACHINE_ROLE_ARN, REGION, bucket, key),
      (execution) => aws.stepFunctions.add(execution),
      async (service, action, parameters) => {
        // The one SDK integration the definition has: the note of the fault's end.
        if (service !== "s3" || action !== "putObject") throw new Error(`no local ${service}:${action}`);
        return aws.writeObjectAs(STATE_MACHINE_ROLE_ARN, REGION, parameters as PutObjectCommandInput);
      },
    ),
    faultRoleArn,
    deliveries: [],
    alarmEventsLost: false,
    setSafetyLever: (value) =>
      aws.ssm.parameters.PutParameter({ Name: lever.name, Value: value, Overwrite: true }),
    dispose: () => aws.dispose(),
  };
  // The alarm rule: exactly its alarms, going to ALARM.
  aws.cloudwatch.onStateChange((change) => {
    const rule = deployed.alarmRule;
    if (!rule || change.state !== "ALARM" || !rule.alarmArns.includes(change.alarmArn)) return;
    if (local.alarmEventsLost) return;
    const done = invokeAsynchronously(rule.target, alarmEvent(change));
    local.deliveries.push({ rule: "alarm", at: change.at, done });
  });
  // The safety lever's rule: its parameter, created or updated.
  aws.ssm.parameters.onChange((change) => {
    if (change.name !== lever.name || !lever.operations.includes(change.operation)) return;
    const done = invokeAsynchronously(lever.target, parameterEvent(change));
    local.deliveries.push({ rule: "safety lever", at: change.at, done });
  });
  return local;
}
