import { Match, Template } from "aws-cdk-lib/assertions";
import * as iam from "aws-cdk-lib/aws-iam";
import { HttpResetPeerFault } from "../../lib";
import { newStack, statementsOf } from "./support";

describe("the safety lever", () => {
  const stack = newStack();
  const fault = new HttpResetPeerFault(stack, "Fault");
  const operator = new iam.Role(stack, "Operator", { assumedBy: new iam.AccountRootPrincipal() });
  fault.grantPullSafetyLever(operator);
  const template = Template.fromStack(stack);
  const lever = { Ref: Match.stringLikeRegexp("^FaultSafetyLeverParameter") };

  test("is a String parameter, released when deployed, that takes engaged or released only", () => {
    template.hasResourceProperties("AWS::SSM::Parameter", {
      Type: "String",
      Value: "released",
      AllowedPattern: "^(engaged|released)$",
    });
  });

  test("a rule on its changes invokes the stop function", () => {
    template.hasResourceProperties("AWS::Events::Rule", {
      EventPattern: {
        source: ["aws.ssm"],
        "detail-type": ["Parameter Store Change"],
        detail: { name: [lever], operation: ["Create", "Update"] },
      },
      Targets: [
        Match.objectLike({
          Arn: { "Fn::GetAtt": [Match.stringLikeRegexp("^FaultTasksStopExperimentsFunction"), "Arn"] },
        }),
      ],
    });
  });

  test("resolve-targets, check-progress and the stop function read it, and know its name; no other function does", () => {
    for (const task of [
      "ResolveTargets",
      "SendCommand",
      "CheckProgress",
      "Cleanup",
      "Report",
      "StopExperiments",
    ]) {
      const reads = statementsOf(template, `FaultTasks${task}Role`).filter((s) =>
        [s.Action].flat().some((a) => String(a).startsWith("ssm:GetParameter")),
      );
      expect([task, reads.length > 0]).toEqual([
        task,
        ["ResolveTargets", "CheckProgress", "StopExperiments"].includes(task),
      ]);
    }
    const withName = Object.entries(template.findResources("AWS::Lambda::Function"))
      .filter(([, fn]) => fn.Properties.Environment.Variables.SAFETY_LEVER_PARAMETER)
      .map(([id]) => id.replace(/Function.*$/, ""));
    expect(withName.sort()).toEqual([
      "FaultTasksCheckProgress",
      "FaultTasksResolveTargets",
      "FaultTasksStopExperiments",
    ]);
  });

  test("grantPullSafetyLever lets a principal set it, and nothing else", () => {
    expect(statementsOf(template, "OperatorDefaultPolicy")).toEqual([
      expect.objectContaining({
        Action: "ssm:PutParameter",
        Resource: expect.objectContaining({ "Fn::Join": expect.anything() }),
      }),
    ]);
  });
});
