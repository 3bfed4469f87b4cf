import * as cdk from "aws-cdk-lib";
import { Annotations, Match } from "aws-cdk-lib/assertions";
import { AwsSolutionsChecks, ServerlessChecks } from "cdk-nag";
import * as library from "../../lib";
// eslint-disable-next-line @typescript-eslint/no-require-imports
const nagApp = require("../package/fixtures/nag-app") as (modules: object) => {
  app: cdk.App;
  stacks: cdk.Stack[];
};

/**
 * Every finding of the AwsSolutions and Serverless packs is either fixed or acknowledged with its
 * reason by the constructs themselves (see lib/nag.ts and its callers). Here with cdk-nag 2, on
 * the oldest aws-cdk-lib the library supports; the package test runs cdk-nag 3 on the newest.
 */
test("cdk-nag 2's AwsSolutions and Serverless packs report no unacknowledged finding", () => {
  const { app, stacks } = nagApp({ cdk, library });
  cdk.Aspects.of(app).add(new AwsSolutionsChecks());
  cdk.Aspects.of(app).add(new ServerlessChecks());
  app.synth();
  for (const stack of stacks) {
    const findings = (level: "findError" | "findWarning") =>
      Annotations.fromStack(stack)[level]("*", Match.stringLikeRegexp("^(AwsSolutions|Serverless)-"));
    expect(
      [...findings("findError"), ...findings("findWarning")].map((f) => `${f.id}: ${f.entry.data}`),
    ).toEqual([]);
  }
});
