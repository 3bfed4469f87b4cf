import { Stack, Token } from "aws-cdk-lib";
import type * as iam from "aws-cdk-lib/aws-iam";
import { Construct } from "constructs";
import { HttpResetPeerValidationError } from "./errors";
import { FaultDocument } from "./fault-document";
import { FaultRole } from "./fault-role";
import type { OptInTag } from "./opt-in-tag";
import { optInTagText } from "./opt-in-tag";

export interface HttpResetPeerTargetProps {
  /**
   * The roles that may assume the fault role: the controller's `HttpResetPeerFault.functionRoles`.
   * They must exist before this construct is deployed, since IAM checks a trust policy's principals.
   */
  readonly trustedRoleArns: string[];
  /**
   * Name of the SSM Command document; must be the controller's.
   * @default "Ec2HttpResetPeer"
   */
  readonly documentName?: string;
  /**
   * Name of the fault role, which the controller lists in `assumableRoleArns` and executions
   * name as ASSUME_ROLE_ARN. Roles are global to an account, hence the region in the default.
   * @default "Ec2HttpResetPeerFault-<region>"
   */
  readonly roleName?: string;
  /**
   * A tag every target must carry: the role may send the document only to instances that carry
   * it. The controller's own check uses the controller's `optInTag`; set the same.
   * @default - any instance in this account and region
   */
  readonly optInTag?: OptInTag;
}

const ROLE_ARN = /^arn:aws[a-z-]*:iam::[0-9]{12}:role\/.+$/;

/**
 * What an account and region need so that a controller elsewhere can run the fault there through
 * ASSUME_ROLE_ARN: the document, and a fault role that trusts the controller's functions.
 */
export class HttpResetPeerTarget extends Construct {
  public readonly document: FaultDocument;
  /** The role a controller assumes: its ARN is the ASSUME_ROLE_ARN of executions aimed here. */
  public readonly faultRole: iam.IRole;

  constructor(scope: Construct, id: string, props: HttpResetPeerTargetProps) {
    super(scope, id);
    if (!props.trustedRoleArns.length) {
      throw new HttpResetPeerValidationError(
        this,
        "trustedRoleArns must name at least one role: the controller's function roles",
      );
    }
    const bad = props.trustedRoleArns.filter((arn) => !Token.isUnresolved(arn) && !ROLE_ARN.test(arn));
    if (bad.length) {
      throw new HttpResetPeerValidationError(
        this,
        `trustedRoleArns must be IAM role ARNs; got ${JSON.stringify(bad)}`,
      );
    }
    optInTagText(this, props.optInTag);

    this.document = new FaultDocument(this, "Document", { documentName: props.documentName });
    this.faultRole = new FaultRole(this, "FaultRole", {
      document: this.document,
      optInTag: props.optInTag,
      trustedRoleArns: props.trustedRoleArns,
      roleName: props.roleName ?? `Ec2HttpResetPeerFault-${Stack.of(this).region}`,
    });
  }
}
