import { App, Duration, Stack } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import {
  AlarmExpectation,
  HttpResetPeerFault,
  ProbeComparison,
  ProbePhase,
  type Hypothesis,
  type MetricProbe,
} from "../../lib";
import type { HypothesisSpec } from "../../lib/hypothesis/probe-spec";
import { STOP_ERRORS } from "../../lib/stop-errors";
import { renderAsl, type Asl } from "./definition";
import { newStack, statementsOf } from "./support";

const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : [value]);

/** A metric every probe below may hold to a threshold. */
const errors = new cloudwatch.Metric({
  namespace: "App",
  metricName: "Errors",
  statistic: "Sum",
  period: Duration.minutes(1),
});
const errorProbe = (props: Partial<MetricProbe> = {}): MetricProbe => ({
  name: "errors",
  metric: errors,
  comparison: ProbeComparison.LESS_THAN_OR_EQUAL,
  threshold: 0,
  ...props,
});

/** A fault whose hypothesis is made in its stack (its alarms need a scope). */
const build = (hypothesis: (stack: Stack) => Hypothesis) => () => {
  const stack = newStack();
  return new HttpResetPeerFault(stack, "Fault", { hypothesis: hypothesis(stack) });
};
const importedAlarm = (stack: Stack, name = "latency") => cloudwatch.Alarm.fromAlarmName(stack, name, name);

describe("a hypothesis's probes are checked at synthesis", () => {
  test.each<[string, (stack: Stack) => Hypothesis, RegExp]>([
    [
      "a hypothesis without a probe",
      () => ({ statement: "nothing to check", alarms: [], metrics: [] }),
      /^Test\/Fault: hypothesis has no probe: give alarms, metrics, http, targetHealth, commands or clients$/,
    ],
    [
      "two probes of one name",
      () => ({ metrics: [errorProbe(), errorProbe({ threshold: 5 })] }),
      /^Test\/Fault: hypothesis probe names must differ; \["errors"\] is given more than once$/,
    ],
    [
      "an alarm probe and a clients probe of one name",
      (stack) => ({
        alarms: [{ name: "clients", alarm: importedAlarm(stack), expect: AlarmExpectation.STAYS_OK }],
        clients: { maxUnsafeRetries: 0 },
      }),
      /^Test\/Fault: hypothesis probe names must differ; \["clients"\]/,
    ],
    [
      "a name with a space",
      () => ({ metrics: [errorProbe({ name: "a b" })] }),
      /^Test\/Fault: hypothesis probe names take 1-64 letters, digits, "\.", "_" and "-", known at synthesis; got \["a b"\]$/,
    ],
    [
      "a name that looks like a path",
      () => ({ metrics: [errorProbe({ name: "$.x" })] }),
      /^Test\/Fault: hypothesis probe names take .*; got \["\$\.x"\]$/,
    ],
    [
      "an empty name",
      () => ({ clients: { name: "", maxUnsafeRetries: 0 } }),
      /^Test\/Fault: hypothesis probe names take .*; got \[""\]$/,
    ],
    [
      "a name of 65 characters",
      () => ({ metrics: [errorProbe({ name: "e".repeat(65) })] }),
      /^Test\/Fault: hypothesis probe names take .*; got \["e{65}"\]$/,
    ],
    [
      "a weight of 0",
      () => ({ metrics: [errorProbe({ weight: 0 })] }),
      /^Test\/Fault: hypothesis probe "errors": weight must be a whole number from 1 to 100; got 0$/,
    ],
    [
      "a weight of 101",
      () => ({ metrics: [errorProbe({ weight: 101 })] }),
      /^Test\/Fault: hypothesis probe "errors": weight must be a whole number from 1 to 100; got 101$/,
    ],
    [
      "a weight of 1.5",
      (stack) => ({
        alarms: [
          { name: "latency", alarm: importedAlarm(stack), expect: AlarmExpectation.STAYS_OK, weight: 1.5 },
        ],
      }),
      /^Test\/Fault: hypothesis probe "latency": weight must be a whole number from 1 to 100; got 1.5$/,
    ],
    [
      "a clients probe of weight 0",
      () => ({ clients: { maxUnsafeRetries: 0, weight: 0 } }),
      /^Test\/Fault: hypothesis probe "clients": weight must be a whole number/,
    ],
    [
      "a threshold that is not a number",
      () => ({ metrics: [errorProbe({ threshold: NaN })] }),
      /^Test\/Fault: hypothesis metric probe "errors": threshold must be a finite number known at synthesis; got NaN$/,
    ],
    [
      "an infinite threshold",
      () => ({ metrics: [errorProbe({ threshold: Infinity })] }),
      /^Test\/Fault: hypothesis metric probe "errors": threshold must be a finite number/,
    ],
    [
      "a metric of another account",
      () => ({
        metrics: [
          errorProbe({
            metric: new cloudwatch.Metric({
              namespace: "App",
              metricName: "Errors",
              account: "222222222222",
            }),
          }),
        ],
      }),
      /^Test\/Fault: hypothesis metric probe "errors": its metric names another account or region; the probe reads CloudWatch where the fault is deployed$/,
    ],
    [
      "a metric of another region",
      () => ({
        metrics: [
          errorProbe({
            metric: new cloudwatch.Metric({ namespace: "App", metricName: "Errors", region: "us-west-2" }),
          }),
        ],
      }),
      /^Test\/Fault: hypothesis metric probe "errors": its metric names another account or region/,
    ],
    [
      "metric math using a metric of another account",
      () => ({
        metrics: [
          errorProbe({
            metric: new cloudwatch.MathExpression({
              expression: "m1 * 2",
              usingMetrics: { m1: errors.with({ account: "222222222222" }) },
            }),
          }),
        ],
      }),
      /^Test\/Fault: hypothesis metric probe "errors": its metric names another account or region/,
    ],
    [
      "metric math searching another account",
      () => ({
        metrics: [
          errorProbe({
            metric: new cloudwatch.MathExpression({
              expression: "m1 * 2",
              usingMetrics: { m1: errors },
              searchAccount: "222222222222",
            }),
          }),
        ],
      }),
      /^Test\/Fault: hypothesis metric probe "errors": its expression searches another account or region/,
    ],
    [
      "a SEARCH expression",
      () => ({
        metrics: [
          errorProbe({
            metric: new cloudwatch.MathExpression({
              expression: "SUM(SEARCH('{App,Service} MetricName=\"Errors\"', 'Sum', 60))",
              usingMetrics: {},
              period: Duration.minutes(1),
            }),
          }),
        ],
      }),
      /^Test\/Fault: hypothesis metric probe "errors": SEARCH expressions are not taken: name the metrics/,
    ],
    [
      "a SearchExpression",
      () => ({
        metrics: [
          errorProbe({
            metric: new cloudwatch.SearchExpression({
              expression: "SEARCH('{App,Service} MetricName=\"Errors\"', 'Sum', 60)",
              period: Duration.minutes(1),
            }),
          }),
        ],
      }),
      /^Test\/Fault: hypothesis metric probe "errors": its metric is neither a metric nor metric math$/,
    ],
    [
      'metric math that names its own metric "judged"',
      () => ({
        metrics: [
          errorProbe({
            metric: new cloudwatch.MathExpression({
              expression: "judged * 2",
              usingMetrics: { judged: errors },
              period: Duration.minutes(1),
            }),
          }),
        ],
      }),
      /^Test\/Fault: hypothesis metric probe "errors": its metric math names \["judged"\] more than once \(or "judged", the probe's own\)$/,
    ],
    [
      "a metric whose period is 7 seconds",
      () => ({
        metrics: [
          errorProbe({
            // cloudwatch.Metric refuses such a period itself: an IMetric of one's own does not.
            metric: {
              toMetricConfig: () => ({
                metricStat: {
                  namespace: "App",
                  metricName: "Errors",
                  period: Duration.seconds(7),
                  statistic: "Sum",
                },
              }),
            } as Pick<cloudwatch.IMetric, "toMetricConfig"> as cloudwatch.IMetric,
          }),
        ],
      }),
      /^Test\/Fault: hypothesis metric probe "errors": period must be 1, 5, 10, 30 seconds or whole minutes; got 7 s$/,
    ],
    [
      "a window shorter than the metric's period",
      () => ({
        metrics: [
          errorProbe({
            metric: errors.with({ period: Duration.minutes(5) }),
            phase: ProbePhase.BEFORE,
            window: Duration.minutes(1),
          }),
        ],
      }),
      /^Test\/Fault: hypothesis metric probe "errors": window must hold one period of the metric \(300 s\) and be at most 1 hour; got 60 s$/,
    ],
    [
      "a window longer than an hour",
      () => ({ metrics: [errorProbe({ phase: ProbePhase.AFTER, window: Duration.minutes(61) })] }),
      /^Test\/Fault: hypothesis metric probe "errors": window must hold .* got 3660 s$/,
    ],
    [
      "an alarm that must fire within 5 seconds",
      (stack) => ({
        alarms: [
          {
            name: "latency",
            alarm: importedAlarm(stack),
            expect: AlarmExpectation.FIRES,
            within: Duration.seconds(5),
          },
        ],
      }),
      /^Test\/Fault: hypothesis alarm probe "latency": within must be from 10 seconds to 1 hour; got 5 s$/,
    ],
    [
      "an alarm that must fire within 2 hours",
      (stack) => ({
        alarms: [
          {
            name: "latency",
            alarm: importedAlarm(stack),
            expect: AlarmExpectation.FIRES,
            within: Duration.hours(2),
          },
        ],
      }),
      /^Test\/Fault: hypothesis alarm probe "latency": within must be from 10 seconds to 1 hour; got 7200 s$/,
    ],
    [
      "an alarm expectation that is not one",
      (stack) => ({
        alarms: [{ name: "latency", alarm: importedAlarm(stack), expect: "Recovers" as AlarmExpectation }],
      }),
      /^Test\/Fault: hypothesis alarm probe "latency": expect must be an AlarmExpectation; got "Recovers"$/,
    ],
    [
      "clients with neither bound",
      () => ({ clients: {} }),
      /^Test\/Fault: hypothesis clients probe "clients": give maxUnsafeRetries, backWithin, or both$/,
    ],
    [
      "a negative number of unsafe retries",
      () => ({ clients: { name: "retries", maxUnsafeRetries: -1 } }),
      /^Test\/Fault: hypothesis clients probe "retries": maxUnsafeRetries must be a whole number from 0; got -1$/,
    ],
    [
      "clients back within 2 hours",
      () => ({ clients: { backWithin: Duration.hours(2) } }),
      /^Test\/Fault: hypothesis clients probe "clients": backWithin must be from 1 second to 1 hour; got 7200 s$/,
    ],
    [
      "a statement of 1,001 characters",
      () => ({ statement: "x".repeat(1001), clients: { maxUnsafeRetries: 0 } }),
      /^Test\/Fault: hypothesis statement must be known at synthesis and at most 1,000 characters$/,
    ],
    [
      "51 probes",
      () => ({ metrics: Array.from({ length: 51 }, (_, i) => errorProbe({ name: `errors-${i}` })) }),
      /^Test\/Fault: hypothesis has 51 probes; it takes at most 50$/,
    ],
  ])(
    "refuses %s, with an error naming the construct's path and the probe at fault",
    (_, hypothesis, message) => {
      expect(build(hypothesis)).toThrow(message);
    },
  );

  test("refuses metric math whose own period is 7 seconds", () => {
    const constant = new cloudwatch.MathExpression({
      expression: "TIME_SERIES(0)",
      usingMetrics: {},
      period: Duration.seconds(7),
    });
    expect(build(() => ({ metrics: [errorProbe({ metric: constant })] }))).toThrow(
      /^Test\/Fault: hypothesis metric probe "errors": period must be 1, 5, 10, 30 seconds or whole minutes; got 7 s$/,
    );
  });

  // The functions look the alarm up by name where the fault is deployed.
  test("refuses an alarm of another account and region", () => {
    const stack = new Stack(new App(), "Test", { env: { account: "111111111111", region: "eu-west-1" } });
    const alarm = cloudwatch.Alarm.fromAlarmArn(
      stack,
      "Errors",
      "arn:aws:cloudwatch:us-west-2:222222222222:alarm:errors",
    );
    expect(
      () =>
        new HttpResetPeerFault(stack, "Fault", {
          hypothesis: { alarms: [{ name: "errors", alarm, expect: AlarmExpectation.STAYS_OK }] },
        }),
    ).toThrow(/^Test\/Fault: hypothesis alarm probe "errors": .*another account or region/);
  });

  test("accepts the limits themselves: 50 probes, a statement of 1,000 characters, weights 1 and 100, 10 s and 1 h", () => {
    expect(
      build(() => ({
        statement: "x".repeat(1000),
        metrics: Array.from({ length: 49 }, (_, i) => errorProbe({ name: `errors-${i}`, weight: 100 })),
        clients: { maxUnsafeRetries: 0, weight: 1 },
      })),
    ).not.toThrow();
    expect(
      build((stack) => ({
        alarms: [
          {
            name: "a",
            alarm: importedAlarm(stack),
            expect: AlarmExpectation.FIRES,
            within: Duration.seconds(10),
          },
          {
            name: "b",
            alarm: importedAlarm(stack, "errors"),
            expect: AlarmExpectation.FIRES,
            within: Duration.hours(1),
          },
        ],
      })),
    ).not.toThrow();
  });
});

/** The state machine's definition, with every token replaced by a placeholder that JSON leaves alone. */
function definitionOf(template: Template): Asl {
  const [machine] = Object.values(template.findResources("AWS::StepFunctions::StateMachine"));
  const body = machine.Properties.DefinitionString;
  const part = (p: unknown): string => {
    if (typeof p === "string") return p;
    const token = p as { Ref?: string; "Fn::GetAtt"?: string[] };
    if (token.Ref) return `<Ref ${token.Ref}>`;
    if (token["Fn::GetAtt"]) return `<${token["Fn::GetAtt"].join(".")}>`;
    throw new Error(`unexpected token in the definition: ${JSON.stringify(p)}`);
  };
  const text = typeof body === "string" ? body : (body["Fn::Join"][1] as unknown[]).map(part).join("");
  return JSON.parse(text) as Asl;
}

/** Every key of every object in the definition, however deep. */
function keysOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(keysOf);
  if (value && typeof value === "object")
    return Object.entries(value).flatMap(([key, v]) => [key, ...keysOf(v)]);
  return [];
}

/** The top-level states of the definition without a hypothesis. */
const STATES_WITHOUT_HYPOTHESIS = [
  "Resolve targets",
  "Dry run?",
  "Ramp up",
  "Inject",
  "Ramp down",
  "Report",
  "Clean up after the report failed",
  "Report failed",
  "Clean up the experiment",
  "Report the stopped experiment",
  "Experiment stopped",
];
const HYPOTHESIS_STATES = [
  "Check the steady state",
  "Steady state holds?",
  "Watch after the fault",
  "Verdict?",
  "Hypothesis rejected",
  "Hypothesis inconclusive",
  "Hypothesis passed",
];

describe("the hypothesis in the state machine's definition", () => {
  const stack = newStack();
  const latency = new cloudwatch.Alarm(stack, "Latency", {
    metric: new cloudwatch.Metric({ namespace: "App", metricName: "Latency" }),
    threshold: 1,
    evaluationPeriods: 1,
  });
  // What an execution's input could hold, in the statement: it stays words.
  const statement = "Clients retry. $$.Execution.Input, States.JsonToString($.input), hypothesis.$";
  new HttpResetPeerFault(stack, "Fault", {
    hypothesis: {
      statement,
      alarms: [
        { name: "latency", alarm: latency, expect: AlarmExpectation.STAYS_OK, weight: 3 },
        {
          name: "errors-alarm",
          alarm: importedAlarm(stack, "errors"),
          expect: AlarmExpectation.FIRES,
          within: Duration.minutes(2),
        },
      ],
      metrics: [
        errorProbe({ phase: ProbePhase.BEFORE_AND_AFTER, window: Duration.minutes(3), missingDataValue: 0 }),
      ],
      clients: { maxUnsafeRetries: 0, backWithin: Duration.seconds(30) },
    },
  });
  const template = Template.fromStack(stack);
  const asl = definitionOf(template);
  const resolve = asl.States["Resolve targets"];
  const [latencyId] = Object.keys(template.findResources("AWS::CloudWatch::Alarm"));

  test("is a literal of the definition: resolve-targets gets it as JSON, with the probes as given", () => {
    expect(resolve.Parameters).toEqual({
      "input.$": "$$.Execution.Input",
      "executionName.$": "$$.Execution.Name",
      "startTime.$": "$$.Execution.StartTime",
      hypothesis: expect.any(String),
    });
    const spec = JSON.parse(resolve.Parameters!.hypothesis as string) as HypothesisSpec;
    expect(spec).toEqual({
      statement,
      probes: [
        {
          kind: "Alarm",
          name: "latency",
          weight: 3,
          // The alarm made in the stack: its name is a token, resolved at deployment.
          alarmName: `<Ref ${latencyId}>`,
          expect: "StaysOk",
          withinSeconds: 300,
        },
        {
          kind: "Alarm",
          name: "errors-alarm",
          weight: 1,
          alarmName: "errors",
          expect: "Fires",
          withinSeconds: 120,
        },
        {
          kind: "Metric",
          name: "errors",
          weight: 1,
          phase: "BeforeAndAfter",
          queries: [
            {
              Id: "judged",
              ReturnData: true,
              MetricStat: {
                Metric: { Namespace: "App", MetricName: "Errors", Dimensions: [] },
                Period: 60,
                Stat: "Sum",
              },
            },
          ],
          comparison: "LessThanOrEqual",
          threshold: 0,
          windowSeconds: 180,
          missingDataValue: 0,
        },
        { kind: "Clients", name: "clients", weight: 1, maxUnsafeRetries: 0, backWithinSeconds: 30 },
      ],
    });
  });

  test("no path lets an execution's input reach it: no state takes the hypothesis from a path", () => {
    expect(keysOf(asl).filter((key) => /^hypothesis/.test(key))).toEqual(["hypothesis"]);
    expect(
      Object.entries(asl.States).filter(([, s]) => s.Parameters && "hypothesis" in s.Parameters),
    ).toEqual([["Resolve targets", expect.anything()]]);
  });

  test("checks the steady state before the dry run, watches after the fault, and gates on the verdict", () => {
    expect(Object.keys(asl.States).sort()).toEqual(
      [...STATES_WITHOUT_HYPOTHESIS, ...HYPOTHESIS_STATES].sort(),
    );
    expect(resolve.Next).toBe("Check the steady state");
    expect(asl.States["Check the steady state"]).toMatchObject({
      Parameters: { "plan.$": "$.plan" },
      ResultPath: "$.steadyState",
      Next: "Steady state holds?",
      Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "Report" }],
    });
    expect(asl.States["Steady state holds?"]).toMatchObject({
      Choices: [{ Variable: "$.steadyState.holds", BooleanEquals: true, Next: "Dry run?" }],
      Default: "Report",
    });
    expect(asl.States["Ramp down"].Next).toBe("Watch after the fault");
    expect(asl.States["Watch after the fault"]).toMatchObject({
      Type: "Wait",
      SecondsPath: "$.plan.watchAfterSeconds",
      Next: "Report",
    });
    expect(asl.States.Report.Next).toBe("Verdict?");
    expect(asl.States["Verdict?"]).toMatchObject({
      Choices: [
        { Variable: "$.verdict.result", StringEquals: "Failed", Next: "Hypothesis rejected" },
        { Variable: "$.verdict.result", StringEquals: "Inconclusive", Next: "Hypothesis inconclusive" },
      ],
      Default: "Hypothesis passed",
    });
    expect(asl.States["Hypothesis rejected"]).toEqual({
      Type: "Fail",
      Error: STOP_ERRORS.hypothesisRejected,
      CausePath: "$.verdict.summary",
    });
    expect(asl.States["Hypothesis inconclusive"]).toEqual({
      Type: "Fail",
      Error: STOP_ERRORS.hypothesisInconclusive,
      CausePath: "$.verdict.summary",
    });
    expect(asl.States["Hypothesis passed"].Type).toBe("Succeed");
  });

  test("the steady-state check has its function, which the state machine invokes", () => {
    expect(
      Object.keys(template.findResources("AWS::Lambda::Function")).filter((id) =>
        id.startsWith("FaultTasksCheckSteadyState"),
      ),
    ).toHaveLength(1);
    expect(JSON.stringify(asl.States["Check the steady state"])).toMatch(
      /<FaultTasksCheckSteadyStateFunction[0-9A-F]{8}\.Arn>/,
    );
  });
});

describe("the definition without a hypothesis", () => {
  test("has no steady-state check, no watch after the fault and no verdict, and is as before", () => {
    const asl = renderAsl();
    expect(Object.keys(asl.States).sort()).toEqual([...STATES_WITHOUT_HYPOTHESIS].sort());
    expect(asl.States["Resolve targets"].Parameters).toEqual({
      "input.$": "$$.Execution.Input",
      "executionName.$": "$$.Execution.Name",
      "startTime.$": "$$.Execution.StartTime",
    });
    expect(asl.States["Resolve targets"].Next).toBe("Dry run?");
    expect(asl.States["Ramp down"].Next).toBe("Report");
    expect(asl.States.Report).toMatchObject({ End: true });
    expect(asl.States.Report.Next).toBeUndefined();
    // A steady-state function given without a hypothesis changes nothing.
    expect(renderAsl(undefined, true)).toEqual(asl);
  });

  test("the fault has no steady-state function, and its definition none of the hypothesis's states", () => {
    const stack = newStack();
    new HttpResetPeerFault(stack, "Fault");
    const template = Template.fromStack(stack);
    expect(
      Object.keys(template.findResources("AWS::Lambda::Function")).filter((id) =>
        /CheckSteadyState/.test(id),
      ),
    ).toEqual([]);
    const asl = definitionOf(template);
    expect(Object.keys(asl.States).sort()).toEqual([...STATES_WITHOUT_HYPOTHESIS].sort());
    expect(keysOf(asl)).not.toContain("hypothesis");
  });
});

describe("failExecution", () => {
  const definition = (failExecution: boolean) =>
    renderAsl({ spec: JSON.stringify({ statement: "", probes: [] }), failExecution });

  test("false: the report ends the execution, with no Verdict? choice", () => {
    const asl = definition(false);
    for (const state of ["Verdict?", "Hypothesis rejected", "Hypothesis inconclusive", "Hypothesis passed"])
      expect(asl.States).not.toHaveProperty([state]);
    expect(asl.States.Report).toMatchObject({ End: true });
    // The steady state is still checked.
    expect(asl.States["Check the steady state"]).toBeDefined();
  });

  test("false on the fault: its definition has no Verdict? choice; by default it has one", () => {
    const faultDefinition = (failExecution?: boolean) => {
      const stack = newStack();
      new HttpResetPeerFault(stack, "Fault", {
        hypothesis: { clients: { maxUnsafeRetries: 0 }, failExecution },
      });
      return definitionOf(Template.fromStack(stack));
    };
    expect(faultDefinition(false).States).not.toHaveProperty(["Verdict?"]);
    expect(faultDefinition(false).States["Check the steady state"]).toBeDefined();
    expect(faultDefinition().States).toHaveProperty(["Verdict?"]);
    expect(faultDefinition(true).States).toHaveProperty(["Verdict?"]);
  });
});

describe("the hypothesis's IAM", () => {
  /** A fault with the hypothesis the stack's alarms make, and the ARNs of those alarms as resolved. */
  function faultWith(hypothesis: (alarms: cloudwatch.IAlarm[]) => Hypothesis) {
    const stack = newStack();
    const alarms = [
      new cloudwatch.Alarm(stack, "Latency", {
        metric: new cloudwatch.Metric({ namespace: "App", metricName: "Latency" }),
        threshold: 1,
        evaluationPeriods: 1,
      }),
      importedAlarm(stack, "errors"),
    ];
    new HttpResetPeerFault(stack, "Fault", { hypothesis: hypothesis(alarms) });
    return {
      template: Template.fromStack(stack),
      alarmArns: alarms.map((alarm) => stack.resolve(alarm.alarmArn)),
      defaultBus: stack.resolve(
        stack.formatArn({ service: "events", resource: "event-bus", resourceName: "default" }),
      ),
    };
  }
  const alarmProbes = (alarms: cloudwatch.IAlarm[]) => [
    { name: "latency", alarm: alarms[0], expect: AlarmExpectation.STAYS_OK },
    { name: "errors-alarm", alarm: alarms[1], expect: AlarmExpectation.FIRES },
  ];
  const cloudwatchOf = (statements: Record<string, unknown>[]) =>
    statements.filter((s) => asList(s.Action).some((a) => String(a).startsWith("cloudwatch:")));
  const readsCloudWatch = (s: Record<string, unknown>) =>
    asList(s.Action).some((a) => /^cloudwatch:(Describe|Get|List)/.test(String(a)));
  const allStatements = (template: Template) => statementsOf(template, "");
  const OTHER_TASKS = ["ResolveTargets", "SendCommand", "CheckProgress", "StopExperiments"];

  test("the steady-state check reads only the hypothesis's alarms, and metrics only with metric probes", () => {
    const { template, alarmArns } = faultWith((alarms) => ({
      alarms: alarmProbes(alarms),
      metrics: [errorProbe({ phase: ProbePhase.BEFORE })],
    }));
    expect(cloudwatchOf(statementsOf(template, "FaultTasksCheckSteadyStateRole"))).toEqual([
      {
        Sid: "ReadHypothesisAlarms",
        Effect: "Allow",
        Action: "cloudwatch:DescribeAlarms",
        Resource: alarmArns,
      },
      { Sid: "ReadHypothesisMetrics", Effect: "Allow", Action: "cloudwatch:GetMetricData", Resource: "*" },
    ]);
    const alarmsOnly = faultWith((alarms) => ({ alarms: alarmProbes(alarms) }));
    expect(cloudwatchOf(statementsOf(alarmsOnly.template, "FaultTasksCheckSteadyStateRole"))).toEqual([
      {
        Sid: "ReadHypothesisAlarms",
        Effect: "Allow",
        Action: "cloudwatch:DescribeAlarms",
        Resource: alarmsOnly.alarmArns,
      },
    ]);
    const metricsOnly = faultWith(() => ({ metrics: [errorProbe()] }));
    expect(cloudwatchOf(statementsOf(metricsOnly.template, "FaultTasksCheckSteadyStateRole"))).toEqual([
      { Sid: "ReadHypothesisMetrics", Effect: "Allow", Action: "cloudwatch:GetMetricData", Resource: "*" },
    ]);
  });

  test.each(["Report", "Cleanup"])(
    "%s reads the hypothesis's alarms and their history, its metrics, and puts only the verdict's events on the default bus",
    (task) => {
      const { template, alarmArns, defaultBus } = faultWith((alarms) => ({
        alarms: alarmProbes(alarms),
        metrics: [errorProbe()],
      }));
      const statements = statementsOf(template, `FaultTasks${task}Role`);
      expect(cloudwatchOf(statements).filter(readsCloudWatch)).toEqual([
        {
          Sid: "ReadHypothesisAlarms",
          Effect: "Allow",
          Action: ["cloudwatch:DescribeAlarms", "cloudwatch:DescribeAlarmHistory"],
          Resource: alarmArns,
        },
        { Sid: "ReadHypothesisMetrics", Effect: "Allow", Action: "cloudwatch:GetMetricData", Resource: "*" },
      ]);
      expect(statements.filter((s) => asList(s.Action).some((a) => String(a).startsWith("events:")))).toEqual(
        [
          {
            Sid: "PutVerdictEvents",
            Effect: "Allow",
            Action: "events:PutEvents",
            Resource: defaultBus,
            Condition: { StringEquals: { "events:source": "http-reset-peer" } },
          },
        ],
      );
      const alarmsOnly = faultWith((alarms) => ({ alarms: alarmProbes(alarms) }));
      expect(
        cloudwatchOf(statementsOf(alarmsOnly.template, `FaultTasks${task}Role`)).filter(readsCloudWatch),
      ).toEqual([expect.objectContaining({ Sid: "ReadHypothesisAlarms", Resource: alarmsOnly.alarmArns })]);
    },
  );

  test("no other function reads the hypothesis's alarms or metrics, and no other role puts events", () => {
    const { template } = faultWith((alarms) => ({ alarms: alarmProbes(alarms), metrics: [errorProbe()] }));
    for (const task of OTHER_TASKS) {
      expect(statementsOf(template, `FaultTasks${task}Role`).filter(readsCloudWatch)).toEqual([]);
    }
    const putters = Object.entries(template.findResources("AWS::IAM::Policy"))
      .filter(([, policy]) =>
        (policy.Properties.PolicyDocument.Statement as Record<string, unknown>[]).some((s) =>
          asList(s.Action).includes("events:PutEvents"),
        ),
      )
      .map(([id]) => id.replace(/[0-9A-F]{8}$/, ""));
    expect(putters.sort()).toEqual([
      "FaultTasksCleanupRoleDefaultPolicy",
      "FaultTasksReportRoleDefaultPolicy",
    ]);
  });

  test("a hypothesis with only a clients probe grants no CloudWatch read at all", () => {
    const { template } = faultWith(() => ({ clients: { maxUnsafeRetries: 0 } }));
    expect(allStatements(template).filter(readsCloudWatch)).toEqual([]);
    // The steady-state function exists, with nothing of CloudWatch.
    expect(cloudwatchOf(statementsOf(template, "FaultTasksCheckSteadyStateRole"))).toEqual([]);
    expect(statementsOf(template, "FaultTasksCheckSteadyStateRole")).not.toEqual([]);
  });
});
