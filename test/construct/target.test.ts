import { programParts } from "../../scripts/program-parts";
import { Match, Template } from "aws-cdk-lib/assertions";
import { HttpResetPeerTarget } from "../../lib";
import { newStack, statementsOf } from "./support";

const CONTROLLER_ROLE = "arn:aws:iam::111122223333:role/controller-function-role";

describe("HttpResetPeerTarget", () => {
  const stack = newStack();
  new HttpResetPeerTarget(stack, "Target", {
    trustedRoleArns: [CONTROLLER_ROLE],
    optInTag: { key: "chaos-ready", value: "true" },
  });
  const template = Template.fromStack(stack);

  test("deploys only the document, its program's parts, and a fault role that trusts the controller's roles", () => {
    template.resourceCountIs("AWS::SSM::Document", 1 + programParts().length);
    template.resourceCountIs("AWS::IAM::Role", 1);
    template.resourceCountIs("AWS::Lambda::Function", 0);
    template.resourceCountIs("AWS::StepFunctions::StateMachine", 0);
    template.hasResourceProperties("AWS::SSM::Document", { Name: "Ec2HttpResetPeer" });
    template.hasResourceProperties("AWS::IAM::Role", {
      RoleName: { "Fn::Join": ["", ["Ec2HttpResetPeerFault-", { Ref: "AWS::Region" }]] },
      AssumeRolePolicyDocument: {
        Statement: [{ Action: "sts:AssumeRole", Effect: "Allow", Principal: { AWS: CONTROLLER_ROLE } }],
      },
    });
  });

  test("with the same SendCommand scoping and tag condition as the controller's own role", () => {
    const send = statementsOf(template, "TargetFaultRole").filter(
      (s) =>
        JSON.stringify(s.Action).includes("ssm:SendCommand") &&
        JSON.stringify(s.Resource).includes("instance/*"),
    );
    expect(send).toEqual([
      expect.objectContaining({ Condition: { StringEquals: { "ssm:resourceTag/chaos-ready": "true" } } }),
    ]);
    template.hasResourceProperties("AWS::IAM::Policy", {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Resource: "*" })]) },
    });
  });

  test("refuses an empty or malformed trust list", () => {
    expect(() => new HttpResetPeerTarget(newStack(), "T", { trustedRoleArns: [] })).toThrow(
      /at least one role/,
    );
    expect(() => new HttpResetPeerTarget(newStack(), "T", { trustedRoleArns: ["111122223333"] })).toThrow(
      /must be IAM role ARNs/,
    );
  });
});
