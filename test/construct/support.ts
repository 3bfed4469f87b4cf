import { App, Stack } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { HttpResetPeerFault, type HttpResetPeerFaultProps } from "../../lib";

/** A stack in an app of its own. */
export function newStack(): Stack {
  const app = new App();
  return new Stack(app, "Test");
}

export function faultTemplate(props: HttpResetPeerFaultProps = {}): {
  fault: HttpResetPeerFault;
  template: Template;
} {
  const stack = newStack();
  const fault = new HttpResetPeerFault(stack, "Fault", props);
  return { fault, template: Template.fromStack(stack) };
}

/** Every statement of every AWS::IAM::Policy whose logical ID starts with the given prefix. */
export function statementsOf(template: Template, logicalIdPrefix: string): Record<string, unknown>[] {
  return Object.entries(template.findResources("AWS::IAM::Policy"))
    .filter(([id]) => id.startsWith(logicalIdPrefix))
    .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement);
}
