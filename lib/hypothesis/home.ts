import { Stack, Token } from "aws-cdk-lib";
import type { IConstruct } from "constructs";

/**
 * Whether a resource's ARN is in the stack's account and region, where the functions read it with
 * their own roles; an ARN or a stack environment not known at synthesis is taken as home.
 */
export function sameAccountAndRegion(scope: IConstruct, arn: string): boolean {
  if (Token.isUnresolved(arn)) return true;
  // arn:partition:service:region:account:resource, whatever the resource looks like.
  const [, , , region, account] = arn.split(":");
  const stack = Stack.of(scope);
  const elsewhere = (here: string, there?: string) => !Token.isUnresolved(here) && !!there && there !== here;
  return !elsewhere(stack.account, account) && !elsewhere(stack.region, region);
}
