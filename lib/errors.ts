import type { IConstruct } from "constructs";

/**
 * A prop that breaks the construct's rules, thrown at synthesis. Like aws-cdk-lib's own
 * ValidationError (which is internal to aws-cdk-lib), its message starts with the path of the
 * construct it concerns, so that an app with many stacks sees at once which one is wrong.
 */
export class HttpResetPeerValidationError extends Error {
  constructor(scope: IConstruct, message: string) {
    super(`${scope.node.path}: ${message}`);
    this.name = "ValidationError";
  }
}
