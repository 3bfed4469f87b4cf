/**
 * Acknowledging cdk-nag findings the design accepts. Each construct acknowledges its own, with the
 * reason, so that an app running the AwsSolutions and Serverless packs sees none of them, with
 * cdk-nag 2 or cdk-nag 3.
 */
import { CfnResource, Stack } from "aws-cdk-lib";
import type { IConstruct } from "constructs";

/**
 * Where cdk-nag 3 reads acknowledgements: the metadata that `Validations.of(scope).acknowledge()`
 * writes (its key is aws-cdk-lib's `Validations.ACKNOWLEDGED_RULES_METADATA_KEY`). Written
 * directly, because `Validations` only exists, and accepts finding IDs that hold a resource such as
 * `[Resource::*]`, from aws-cdk-lib 2.269.0, above the oldest release this library supports.
 */
const ACKNOWLEDGED_RULES = "aws:cdk:acknowledged-rules";

interface NagSuppression {
  readonly id: string;
  readonly reason: string;
  readonly applies_to?: string[];
}

/**
 * Acknowledges a finding of one of the packs (`AwsSolutions` or `Serverless`) on a construct and
 * every resource in it. `rule` is the rule's ID within its pack, with the finding in brackets when
 * it names one, for example `IAM5[Resource::*]`. Call it once the construct's resources exist.
 */
export function acknowledge(
  scope: IConstruct,
  pack: "AwsSolutions" | "Serverless",
  rule: string,
  reason: string,
): void {
  scope.node.addMetadata(ACKNOWLEDGED_RULES, { [`${pack}::${pack}-${rule}`]: reason });
  // cdk-nag 2 reads suppressions from each resource's own metadata.
  const [, id, finding] = /^([^[]+)(?:\[(.*)\])?$/.exec(rule) ?? [];
  const suppression: NagSuppression = {
    id: `${pack}-${id}`,
    reason,
    ...(finding ? { applies_to: [finding] } : {}),
  };
  for (const resource of scope.node.findAll().filter(CfnResource.isCfnResource)) {
    const existing = (resource.getMetadata("cdk_nag")?.rules_to_suppress ?? []) as NagSuppression[];
    resource.addMetadata("cdk_nag", { rules_to_suppress: [...existing, suppression] });
  }
}

/**
 * A policy resource as cdk-nag names it in a finding: references and attributes of the template
 * become `<Name>` and `<LogicalId.Attribute>`.
 */
export function nagResource(scope: IConstruct, value: string): string {
  const render = (part: unknown): string => {
    if (typeof part === "string") return part;
    const ref = part as { Ref?: string; "Fn::GetAtt"?: string[]; "Fn::Join"?: [string, unknown[]] };
    if (ref.Ref) return `<${ref.Ref}>`;
    if (ref["Fn::GetAtt"]) return `<${ref["Fn::GetAtt"].join(".")}>`;
    if (ref["Fn::Join"]) return ref["Fn::Join"][1].map(render).join(ref["Fn::Join"][0]);
    return JSON.stringify(part);
  };
  return render(Stack.of(scope).resolve(value));
}
