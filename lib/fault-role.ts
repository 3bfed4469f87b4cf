import { Stack } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import { Construct } from "constructs";
import type { FaultDocument } from "./fault-document";
import { acknowledge, nagResource } from "./nag";
import type { OptInTag } from "./opt-in-tag";

export interface FaultRoleProps {
  /** The document the role may send. */
  readonly document: FaultDocument;
  /**
   * The ARN of the hypothesis's command probes' document, which the role may send too.
   * @default - none
   */
  readonly probeDocumentArn?: string;
  /** ARNs of the roles, in this account or another, that may assume this one. */
  readonly trustedRoleArns: string[];
  /**
   * A tag every target instance must carry: SendCommand on instances is allowed only on those.
   * @default - any instance in the account and region
   */
  readonly optInTag?: OptInTag;
  /**
   * A fixed name, so that a controller in another account can name the role before it exists.
   * @default - a name CloudFormation generates
   */
  readonly roleName?: string;
}

/**
 * The role the fault acts with on the targets: the Harness fault's EC2 and SSM actions, scoped as tightly
 * as AWS allows, plus the two listing actions the handlers need. The task functions assume it;
 * their own roles hold no EC2 or SSM permission.
 */
export class FaultRole extends iam.Role {
  constructor(scope: Construct, id: string, props: FaultRoleProps) {
    super(scope, id, {
      roleName: props.roleName,
      description: "EC2 HTTP reset peer: sends the fault's SSM document to target instances and watches it",
      assumedBy: new iam.CompositePrincipal(...props.trustedRoleArns.map((arn) => new iam.ArnPrincipal(arn))),
    });
    const stack = Stack.of(this);
    const instances = stack.formatArn({ service: "ec2", resource: "instance", resourceName: "*" });
    const { documentArn } = props.document;

    this.addToPolicy(
      new iam.PolicyStatement({
        sid: "SendTheFaultDocument",
        actions: ["ssm:SendCommand", "ssm:GetDocument", "ssm:DescribeDocument"],
        resources: [documentArn],
      }),
    );
    if (props.probeDocumentArn) {
      this.addToPolicy(
        new iam.PolicyStatement({
          sid: "SendTheProbeDocument",
          actions: ["ssm:SendCommand"],
          resources: [props.probeDocumentArn],
        }),
      );
    }
    // The instance half of SendCommand is a statement of its own, because the tag condition would
    // otherwise apply to the document too, which carries no such tag.
    this.addToPolicy(
      new iam.PolicyStatement({
        sid: "SendToInstances",
        actions: ["ssm:SendCommand"],
        // Every instance of this account and region (the resource type allows no narrower
        // wildcard): which ones is decided per run, and narrowed by the opt-in tag when set.
        resources: [instances],
        conditions: props.optInTag
          ? { StringEquals: { [`ssm:resourceTag/${props.optInTag.key}`]: props.optInTag.value } }
          : undefined,
      }),
    );
    this.addToPolicy(
      new iam.PolicyStatement({
        sid: "FindAndWatchTargets",
        actions: [
          // The Harness fault's actions; the report reads the clients' rows with GetCommandInvocation.
          // The Service Authorization Reference lists no resource type for any of them, so "*" is
          // the only resource IAM accepts:
          // https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html
          // https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssystemsmanager.html
          "ec2:DescribeInstances",
          "ec2:DescribeInstanceStatus",
          "ssm:DescribeInstanceInformation",
          "ssm:CancelCommand",
          "ssm:GetCommandInvocation",
          // Beyond the Harness fault's policy: progress is read per command, and the abort cleanup finds an
          // experiment's commands from SSM's own record. Neither takes a resource ARN either.
          "ssm:ListCommands",
          "ssm:ListCommandInvocations",
        ],
        resources: ["*"],
      }),
    );
    acknowledge(
      this,
      "AwsSolutions",
      `IAM5[Resource::${nagResource(this, instances)}]`,
      "SendCommand must reach whichever instances a run selects; IAM has no narrower instance ARN wildcard. " +
        "With an opt-in tag, a condition limits it to instances that carry the tag.",
    );
    acknowledge(
      this,
      "AwsSolutions",
      "IAM5[Resource::*]",
      "ec2:DescribeInstances, ec2:DescribeInstanceStatus, ssm:DescribeInstanceInformation, ssm:CancelCommand, " +
        "ssm:GetCommandInvocation, ssm:ListCommands and ssm:ListCommandInvocations take no resource ARN in IAM (Service Authorization Reference).",
    );
  }
}
