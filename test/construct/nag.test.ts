import { App, Duration, Stack, Validations } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as scheduler from "aws-cdk-lib/aws-scheduler";
import * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import { AwsSolutionsChecks, ServerlessChecks } from "cdk-nag";
import { HttpResetPeerFault, HttpResetPeerTarget } from "../../lib";

/**
 * Every finding of the AwsSolutions and Serverless packs is either fixed or acknowledged with its
 * reason by the constructs themselves (see lib/nag.ts and its callers): synthesis fails otherwise.
 */
test("cdk-nag AwsSolutions and Serverless report no unacknowledged finding", () => {
  const app = new App({ context: { "aws:cdk:bundling-stacks": [] } });
  const controller = new Stack(app, "Controller");
  new HttpResetPeerFault(controller, "Fault", {
    stopConditionAlarms: [
      new cloudwatch.Alarm(controller, "Errors", {
        metric: new cloudwatch.Metric({ namespace: "App", metricName: "Errors" }),
        threshold: 1,
        evaluationPeriods: 1,
      }),
    ],
    credentialSecrets: [secretsmanager.Secret.fromSecretNameV2(controller, "Creds", "chaos/credentials")],
    assumableRoleArns: ["arn:aws:iam::111122223333:role/Ec2HttpResetPeerFault-eu-west-1"],
    optInTag: { key: "chaos-ready", value: "true" },
    schedules: [
      { expression: scheduler.ScheduleExpression.rate(Duration.days(7)), input: { EC2_INSTANCE_TAG: "a:b" } },
    ],
    schedulesEnabled: false,
  });
  const target = new Stack(app, "Target");
  new HttpResetPeerTarget(target, "Target", {
    trustedRoleArns: ["arn:aws:iam::123456789012:role/controller"],
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
  expect(() => app.synth()).not.toThrow();
});
