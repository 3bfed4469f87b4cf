/**
 * One deployment of the fault on this machine: the construct synthesized and read, a fake AWS
 * account with its document and fault role, and the state machine ready to start executions.
 */
import "./environment";
import type { HttpResetPeerFaultProps } from "../../../lib";
import type { Stack } from "aws-cdk-lib";
import { FakeAws, FUNCTION_ROLE_ARN, type FakeAwsOptions } from "./fake-aws";
import { deploy, REGION, STATE_MACHINE_ROLE_ARN, type Deployment } from "./runner/deployment";
import { LocalStateMachine } from "./runner/execution";
import { forgetCredentials } from "../../../lambda/aws-clients";

export interface LocalFault {
  readonly aws: FakeAws;
  readonly deployment: Deployment;
  readonly stateMachine: LocalStateMachine;
  /** The role every task function's environment names as the fault role. */
  readonly faultRoleArn: string;
  dispose(): Promise<void>;
}

type Props = HttpResetPeerFaultProps | ((stack: Stack) => HttpResetPeerFaultProps);

const deployments = new Map<Props | undefined, Deployment>();

/** Synthesizing takes seconds: a deployment is made once per props value (the same object) per test file. */
function deployment(props?: Props): Deployment {
  if (!deployments.has(props)) deployments.set(props, deploy(props));
  return deployments.get(props) as Deployment;
}

export function localFault(options: FakeAwsOptions & { props?: Props } = {}): LocalFault {
  const deployed = deployment(options.props);
  // Each local account is new: credentials held from an earlier one's STS mean nothing to it.
  forgetCredentials();
  const aws = new FakeAws(options).bind();
  aws.ssm.createDocument(deployed.documentName, deployed.documentContent);
  aws.s3.createBucket(deployed.recordsBucket);
  const faultRoleArn = deployed.functions[0].environment.FAULT_ROLE_ARN;
  aws.sts.addRole(faultRoleArn, [FUNCTION_ROLE_ARN]);
  return {
    aws,
    deployment: deployed,
    stateMachine: new LocalStateMachine(deployed, (bucket, key) =>
      aws.readObjectAs(STATE_MACHINE_ROLE_ARN, REGION, bucket, key),
    ),
    faultRoleArn,
    dispose: () => aws.dispose(),
  };
}
