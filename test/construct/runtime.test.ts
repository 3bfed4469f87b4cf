import * as cdk from "aws-cdk-lib";
import { Annotations, Match } from "aws-cdk-lib/assertions";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { AwsSolutionsChecks, ServerlessChecks } from "cdk-nag";
import { HttpResetPeerFault } from "../../lib";
import { BUNDLE_TARGET, HANDLER_NODE_MAJORS } from "../../lib/handler-runtime";
import { faultTemplate } from "./support";

/** The functions' runtimes in a template. */
const runtimesOf = (props: Parameters<typeof faultTemplate>[0] = {}): string[] => [
  ...new Set(
    Object.values(faultTemplate(props).template.findResources("AWS::Lambda::Function")).map(
      (fn) => fn.Properties.Runtime as string,
    ),
  ),
];

/**
 * Runs `body` as if the app's aws-cdk-lib also knew these Node.js runtimes: `Runtime.ALL` is what
 * both the construct and cdk-nag read, so this is what an app on a newer aws-cdk-lib sees.
 */
function withNewerCdk<T>(names: string[], body: () => T): T {
  const added = names.map((name) => new lambda.Runtime(name, lambda.RuntimeFamily.NODEJS));
  lambda.Runtime.ALL.push(...added);
  try {
    return body();
  } finally {
    lambda.Runtime.ALL.splice(lambda.Runtime.ALL.length - added.length);
  }
}

test("the bundles are built for the oldest runtime the functions may get", () => {
  expect(BUNDLE_TARGET).toBe(`node${Math.min(...HANDLER_NODE_MAJORS)}`);
});

test("on the aws-cdk-lib floor, which knows Node.js 24 and not 26, the functions run nodejs24.x", () => {
  expect(lambda.Runtime.ALL.map((r) => r.name)).not.toContain("nodejs26.x");
  expect(runtimesOf()).toEqual(["nodejs24.x"]);
});

test("on an aws-cdk-lib that knows Node.js 26, the functions run nodejs26.x", () => {
  expect(withNewerCdk(["nodejs26.x"], () => runtimesOf())).toEqual(["nodejs26.x"]);
});

test("on an aws-cdk-lib that knows a Node.js newer than the bundles are tested on, the functions stay on the newest tested, and cdk-nag's latest-runtime rules are acknowledged with that reason", () => {
  withNewerCdk(["nodejs26.x", "nodejs28.x"], () => {
    const app = new cdk.App();
    const stack = new cdk.Stack(app, "Test");
    new HttpResetPeerFault(stack, "Fault");
    cdk.Aspects.of(app).add(new AwsSolutionsChecks());
    cdk.Aspects.of(app).add(new ServerlessChecks());
    const template = app.synth().getStackByName("Test").template;
    const functions = Object.values(
      template.Resources as Record<
        string,
        { Type: string; Properties: { Runtime: string }; Metadata: unknown }
      >,
    ).filter((r) => r.Type === "AWS::Lambda::Function");
    expect(new Set(functions.map((fn) => fn.Properties.Runtime))).toEqual(new Set(["nodejs26.x"]));
    const findings = Annotations.fromStack(stack).findError(
      "*",
      Match.stringLikeRegexp("(AwsSolutions-L1|Serverless-LambdaLatestVersion)"),
    );
    expect(findings).toEqual([]);
    for (const fn of functions)
      expect(JSON.stringify(fn.Metadata)).toContain("This app's aws-cdk-lib also offers nodejs28.x");
  });
});

test("the functions run the runtime given, a newer one than the bundles are tested on with a warning", () => {
  expect(runtimesOf({ runtime: lambda.Runtime.NODEJS_24_X })).toEqual(["nodejs24.x"]);
  const { fault } = faultTemplate({ runtime: new lambda.Runtime("nodejs28.x", lambda.RuntimeFamily.NODEJS) });
  Annotations.fromStack(cdk.Stack.of(fault)).hasWarning(
    "/Test/Fault",
    Match.stringLikeRegexp(
      "runtime nodejs28.x: the handler bundles are built for node24 and tested on nodejs24.x, nodejs26.x",
    ),
  );
});

test.each([
  ["an older Node.js", lambda.Runtime.NODEJS_22_X, "nodejs22.x"],
  ["Python", lambda.Runtime.PYTHON_3_12, "python3.12"],
])("a runtime the bundles cannot run on (%s) is refused by name", (_, runtime, name) => {
  expect(() => faultTemplate({ runtime })).toThrow(
    `Test/Fault: runtime must be a Node.js runtime from node24 on, which the handler bundles are built for (tested on nodejs24.x, nodejs26.x); got ${name}`,
  );
});
