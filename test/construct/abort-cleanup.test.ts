import { RemovalPolicy } from "aws-cdk-lib";
import { Match } from "aws-cdk-lib/assertions";
import { faultTemplate } from "./support";

describe("the abort cleanup", () => {
  const { template } = faultTemplate();

  test("runs cleanup on this state machine's aborted, timed-out and failed executions", () => {
    // Beside the safety lever's rule.
    template.resourceCountIs("AWS::Events::Rule", 2);
    template.hasResourceProperties("AWS::Events::Rule", {
      EventPattern: {
        source: ["aws.states"],
        "detail-type": ["Step Functions Execution Status Change"],
        detail: {
          status: ["ABORTED", "TIMED_OUT", "FAILED"],
          stateMachineArn: [{ Ref: Match.stringLikeRegexp("^FaultStateMachine") }],
        },
      },
      Targets: [
        Match.objectLike({
          Arn: { "Fn::GetAtt": [Match.stringLikeRegexp("^FaultTasksCleanupFunction"), "Arn"] },
          DeadLetterConfig: {
            Arn: { "Fn::GetAtt": [Match.stringLikeRegexp("^FaultCleanupDeadLetterQueue"), "Arn"] },
          },
        }),
      ],
    });
    template.hasResourceProperties("AWS::Lambda::Permission", {
      Action: "lambda:InvokeFunction",
      Principal: "events.amazonaws.com",
      FunctionName: { "Fn::GetAtt": [Match.stringLikeRegexp("^FaultTasksCleanupFunction"), "Arn"] },
    });
  });

  test("keeps undeliverable events in an encrypted queue that refuses plain HTTP", () => {
    template.hasResourceProperties("AWS::SQS::Queue", {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
    template.hasResourceProperties("AWS::SQS::QueuePolicy", {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
        ]),
      },
    });
  });

  test("keeps logs and the queue by default; the removal policy prop changes that", () => {
    template.hasResource("AWS::SQS::Queue", { DeletionPolicy: "Retain" });
    template.allResources("AWS::Logs::LogGroup", { DeletionPolicy: "Retain" });
    const destroyed = faultTemplate({ removalPolicy: RemovalPolicy.DESTROY }).template;
    destroyed.allResources("AWS::Logs::LogGroup", { DeletionPolicy: "Delete" });
  });
});
