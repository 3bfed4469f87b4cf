import { App, Aspects, Duration, Stack } from "aws-cdk-lib";
import { Annotations, Match } from "aws-cdk-lib/assertions";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as scheduler from "aws-cdk-lib/aws-scheduler";
import * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import { AwsSolutionsChecks, ServerlessChecks } from "cdk-nag";
import { HttpResetPeerFault, HttpResetPeerTarget } from "../../lib";

/**
 * Every finding of the AwsSolutions and Serverless packs is either fixed or acknowledged with its
 * reason by the constructs themselves (see lib/nag.ts and its callers). Here with cdk-nag 2, on
 * the oldest aws-cdk-lib the library supports; the package test runs cdk-nag 3 on the newest.
 */
test("cdk-nag 2's AwsSolutions and Serverless packs report no unacknowledged finding", () => {
  const app = new App();
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
      { expression: scheduler.ScheduleExpression.rate(Duration.days(7)), input: { ec2InstanceTag: "a:b" } },
    ],
    schedulesEnabled: false,
  });
  const target = new Stack(app, "Target");
  new HttpResetPeerTarget(target, "Target", {
    trustedRoleArns: ["arn:aws:iam::123456789012:role/controller"],
  });
  Aspects.of(app).add(new AwsSolutionsChecks());
  Aspects.of(app).add(new ServerlessChecks());
  app.synth();
  for (const stack of [controller, target]) {
    const findings = (level: "findError" | "findWarning") =>
      Annotations.fromStack(stack)[level]("*", Match.stringLikeRegexp("^(AwsSolutions|Serverless)-"));
    expect(
      [...findings("findError"), ...findings("findWarning")].map((f) => `${f.id}: ${f.entry.data}`),
    ).toEqual([]);
  }
});
