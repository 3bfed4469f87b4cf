import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { Match } from "aws-cdk-lib/assertions";
import * as s3assets from "aws-cdk-lib/aws-s3-assets";
import { InjectionSequence } from "../../lib";
import { handlerAsset } from "../../lib/package-files";
import { TASK_HANDLERS } from "../../lib/task-functions";
import { faultTemplate, newStack } from "./support";

describe("the task functions", () => {
  const { template } = faultTemplate({
    tunableDefaults: {
      totalChaosDuration: 120,
      sequence: InjectionSequence.SERIAL,
      installDependencies: false,
    },
    optInTag: { key: "chaos-ready", value: "true" },
  });
  const functions = template.findResources("AWS::Lambda::Function");

  test("are the six handlers, on Node.js 24 for ARM, traced, each with its own log group", () => {
    expect(Object.keys(functions)).toHaveLength(6);
    for (const fn of Object.values(functions)) {
      expect(fn.Properties).toMatchObject({
        Runtime: "nodejs24.x",
        Architectures: ["arm64"],
        TracingConfig: { Mode: "Active" },
        MemorySize: 256,
        LoggingConfig: { LogGroup: { Ref: expect.stringMatching(/^FaultTasks.*Logs/) } },
      });
    }
    template.resourcePropertiesCountIs("AWS::Logs::LogGroup", { RetentionInDays: 90 }, 7);
  });

  test("get the contract's environment, with the defaults in their string form", () => {
    for (const fn of Object.values(functions)) {
      expect(fn.Properties.Environment.Variables).toMatchObject({
        DOCUMENT_NAME: { Ref: expect.stringMatching(/^FaultDocument/) },
        FAULT_ROLE_ARN: { "Fn::GetAtt": [expect.stringMatching(/^FaultFaultRole/), "Arn"] },
        TUNABLE_DEFAULTS: JSON.stringify({
          TOTAL_CHAOS_DURATION: "120",
          SEQUENCE: "serial",
          INSTALL_DEPENDENCIES: "False",
        }),
        OPT_IN_TAG: "chaos-ready:true",
        STOP_CONDITION_ALARMS: "[]",
        ALLOWED_ROLE_ARNS: "[]",
        ALLOWED_SECRET_ARNS: "[]",
        POWERTOOLS_SERVICE_NAME: "http-reset-peer",
        POWERTOOLS_METRICS_NAMESPACE: "HttpResetPeer",
      });
    }
  });

  test("only cleanup and the stop function, which rules invoke asynchronously, send failures to the dead-letter queue", () => {
    template.resourceCountIs("AWS::Lambda::EventInvokeConfig", 2);
    for (const fn of ["^FaultTasksCleanupFunction", "^FaultTasksStopExperimentsFunction"]) {
      template.hasResourceProperties("AWS::Lambda::EventInvokeConfig", {
        FunctionName: { Ref: Match.stringLikeRegexp(fn) },
        DestinationConfig: {
          OnFailure: {
            Destination: { "Fn::GetAtt": [Match.stringLikeRegexp("^FaultCleanupDeadLetterQueue"), "Arn"] },
          },
        },
      });
    }
  });
});

describe("the handler bundles", () => {
  const codeOf = (template: ReturnType<typeof faultTemplate>["template"]) =>
    Object.values(template.findResources("AWS::Lambda::Function")).map((fn) => ({
      handler: fn.Properties.Handler,
      key: fn.Properties.Code.S3Key,
    }));

  test("are the package's prebuilt assets: synthesis bundles nothing, and gives the same hashes every time", () => {
    // With a hypothesis of sampled probes, so that every handler has its function (the steady-state
    // check, the sampler and the HTTP probes' among them).
    const withHypothesis = () =>
      faultTemplate({
        hypothesis: { http: [{ name: "home", url: "https://shop.example.com/" }] },
      }).template;
    const first = codeOf(withHypothesis());
    expect(first.map((c) => c.handler)).toEqual(Array(TASK_HANDLERS.length).fill("index.handler"));
    expect(new Set(first.map((c) => c.key)).size).toBe(TASK_HANDLERS.length);
    expect(codeOf(withHypothesis())).toEqual(first);
    // The hash is the bundle's: each function's key is the hash of its own folder under assets/handlers.
    for (const handler of TASK_HANDLERS) {
      const stack = newStack();
      const asset = new s3assets.Asset(stack, "A", { path: handlerAsset(handler) });
      expect(first.map((c) => c.key)).toContain(`${asset.assetHash}.zip`);
    }
  });

  test("each loads in Node.js and exports the handler", () => {
    for (const handler of TASK_HANDLERS) {
      const loaded = execFileSync(
        process.execPath,
        [
          "-e",
          "process.stdout.write(typeof require(process.argv[1]).handler)",
          join(handlerAsset(handler), "index.js"),
        ],
        { encoding: "utf8", env: { ...process.env, AWS_REGION: "us-east-1" } },
      );
      expect(loaded).toBe("function");
    }
  });
});
