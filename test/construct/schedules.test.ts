import { Match } from "aws-cdk-lib/assertions";
import * as scheduler from "aws-cdk-lib/aws-scheduler";
import type { FaultSchedule } from "../../lib";
import { faultTemplate } from "./support";

const weekly: FaultSchedule = {
  expression: scheduler.ScheduleExpression.cron({ weekDay: "TUE", hour: "10", minute: "0" }),
  input: { ec2InstanceTag: "chaos-ready:true", targetServicePort: 8080 },
  description: "game day",
};

describe("schedules", () => {
  test("none by default", () => {
    faultTemplate().template.resourceCountIs("AWS::Scheduler::Schedule", 0);
  });

  test("start the state machine with the fixed input, never retried, enabled by default", () => {
    const { template } = faultTemplate({ schedules: [weekly] });
    template.hasResourceProperties("AWS::Scheduler::Schedule", {
      ScheduleExpression: "cron(0 10 ? * TUE *)",
      State: "ENABLED",
      Description: "game day",
      Target: {
        Arn: { Ref: Match.stringLikeRegexp("^FaultStateMachine") },
        // Keyed as the console takes it.
        Input: JSON.stringify({ EC2_INSTANCE_TAG: "chaos-ready:true", TARGET_SERVICE_PORT: 8080 }),
        RetryPolicy: { MaximumRetryAttempts: 0 },
      },
    });
  });

  test("are deployed switched off with schedulesEnabled false", () => {
    const { template } = faultTemplate({ schedules: [weekly, weekly], schedulesEnabled: false });
    template.resourcePropertiesCountIs("AWS::Scheduler::Schedule", { State: "DISABLED" }, 2);
  });

  test("may only start executions of this state machine", () => {
    const { template } = faultTemplate({ schedules: [weekly] });
    template.hasResourceProperties("AWS::IAM::Policy", {
      PolicyDocument: {
        Statement: [
          Match.objectLike({
            Action: "states:StartExecution",
            Resource: { Ref: Match.stringLikeRegexp("^FaultStateMachine") },
          }),
        ],
      },
    });
  });
});
