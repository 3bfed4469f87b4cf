import { Match, Template } from "aws-cdk-lib/assertions";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import { HttpResetPeerFault } from "../../lib";
import { faultTemplate, newStack } from "./support";

describe("the stop on an alarm", () => {
  const stack = newStack();
  const imported = cloudwatch.Alarm.fromAlarmArn(
    stack,
    "Imported",
    "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:checkout-5xx",
  );
  const own = new cloudwatch.Alarm(stack, "Own", {
    metric: new cloudwatch.Metric({ namespace: "Shop", metricName: "Errors" }),
    threshold: 10,
    evaluationPeriods: 1,
  });
  const fault = new HttpResetPeerFault(stack, "Fault", { stopConditionAlarms: [imported, own] });
  const template = Template.fromStack(stack);

  test("a rule for exactly the stop-condition alarms going to ALARM invokes the stop function", () => {
    expect(fault.alarmRule).toBeDefined();
    template.hasResourceProperties("AWS::Events::Rule", {
      EventPattern: {
        source: ["aws.cloudwatch"],
        "detail-type": ["CloudWatch Alarm State Change"],
        resources: [
          "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:checkout-5xx",
          { "Fn::GetAtt": [Match.stringLikeRegexp("^Own"), "Arn"] },
        ],
        detail: { state: { value: ["ALARM"] } },
      },
      Targets: [
        Match.objectLike({
          Arn: { "Fn::GetAtt": [Match.stringLikeRegexp("^FaultTasksStopExperimentsFunction"), "Arn"] },
          DeadLetterConfig: {
            Arn: { "Fn::GetAtt": [Match.stringLikeRegexp("^FaultCleanupDeadLetterQueue"), "Arn"] },
          },
        }),
      ],
    });
  });

  test("the stop function knows the state machine whose executions it stops", () => {
    template.hasResourceProperties("AWS::Lambda::Function", {
      Environment: {
        Variables: Match.objectLike({
          STATE_MACHINE_ARN: { Ref: Match.stringLikeRegexp("^FaultStateMachine") },
        }),
      },
    });
  });

  test("without stop-condition alarms there is no such rule", () => {
    const { template: plain } = faultTemplate();
    expect(
      Object.values(plain.findResources("AWS::Events::Rule"))
        .map((r) => (r.Properties.EventPattern as { source: string[] }).source)
        .sort(),
    ).toEqual([["aws.ssm"], ["aws.states"]]);
  });
});
