import { Match } from "aws-cdk-lib/assertions";
import { faultTemplate } from "./support";

describe("the task functions", () => {
  const { template } = faultTemplate({
    tunableDefaults: { TOTAL_CHAOS_DURATION: 120, SEQUENCE: "Serial", INSTALL_DEPENDENCIES: false },
    optInTag: { key: "chaos-ready", value: "true" },
  });
  const functions = template.findResources("AWS::Lambda::Function");

  test("are the five handlers, on Node.js 24 for ARM, traced, each with its own log group", () => {
    expect(Object.keys(functions)).toHaveLength(5);
    for (const fn of Object.values(functions)) {
      expect(fn.Properties).toMatchObject({
        Runtime: "nodejs24.x",
        Architectures: ["arm64"],
        TracingConfig: { Mode: "Active" },
        MemorySize: 256,
        LoggingConfig: { LogGroup: { Ref: expect.stringMatching(/^FaultTasks.*Logs/) } },
      });
    }
    template.resourcePropertiesCountIs("AWS::Logs::LogGroup", { RetentionInDays: 90 }, 6);
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

  test("only cleanup, which the abort rule invokes asynchronously, sends failures to the dead-letter queue", () => {
    template.resourceCountIs("AWS::Lambda::EventInvokeConfig", 1);
    template.hasResourceProperties("AWS::Lambda::EventInvokeConfig", {
      FunctionName: { Ref: Match.stringLikeRegexp("^FaultTasksCleanupFunction") },
      DestinationConfig: {
        OnFailure: {
          Destination: { "Fn::GetAtt": [Match.stringLikeRegexp("^FaultCleanupDeadLetterQueue"), "Arn"] },
        },
      },
    });
  });
});
