/**
 * Acknowledging cdk-nag findings the design accepts. Each construct acknowledges its own, with the
 * reason, so that an app running the AwsSolutions and Serverless packs sees none of them.
 */
import { Stack, Validations } from "aws-cdk-lib";
import type { IConstruct } from "constructs";

/** Acknowledges a finding of one of the packs (`AwsSolutions` or `Serverless`) on a construct and its children. */
export function acknowledge(
  scope: IConstruct,
  pack: "AwsSolutions" | "Serverless",
  rule: string,
  reason: string,
): void {
  Validations.of(scope).acknowledge({ id: `${pack}::${pack}-${rule}`, reason });
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
