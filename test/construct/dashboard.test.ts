import { App, Aspects, CfnParameter, Duration, Stack } from "aws-cdk-lib";
import { Annotations, Match, Template } from "aws-cdk-lib/assertions";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as elbv2 from "aws-cdk-lib/aws-elasticloadbalancingv2";
import { AwsSolutionsChecks, ServerlessChecks } from "cdk-nag";
import { BAND_COLORS, MAX_BANDS } from "../../lambda/report/dashboard-annotations";
import { ENVIRONMENT } from "../../lib/task-environment";
import { HttpResetPeerDashboard, HttpResetPeerFault, type HttpResetPeerDashboardProps } from "../../lib";
import { BANDS_TEXT } from "../../lib/http-reset-peer-dashboard";
import {
  DIMENSIONS,
  LIVE_METRICS,
  METRICS_NAMESPACE,
  REPORT_METRICS,
  SERVICE,
} from "../../lib/fault-metrics";
import { LEVER } from "../../lib/safety-lever-states";
import { newStack, statementsOf } from "./support";

interface Widget {
  type: string;
  width: number;
  height: number;
  properties: {
    title?: string;
    view?: string;
    markdown?: string;
    alarms?: string[];
    metrics?: unknown[][];
  };
}

interface Body {
  start?: string;
  widgets: Widget[];
}

/** A token of the body, where it stands in a JSON string: `{{LogicalId}}` for a Ref, else its JSON. */
const placeholder = (token: Record<string, unknown>): string =>
  typeof token.Ref === "string" ? `{{${token.Ref}}}` : `{{${JSON.stringify(token).replace(/"/g, "'")}}}`;

/** The dashboard's body (an Fn::Join of JSON text and tokens), parsed. */
function bodyOf(template: Template, name?: string): Body {
  const dashboards = Object.values(template.findResources("AWS::CloudWatch::Dashboard")).filter(
    (d) => name === undefined || d.Properties.DashboardName === name,
  );
  expect(dashboards).toHaveLength(1);
  const body = dashboards[0].Properties.DashboardBody as string | { "Fn::Join": [string, unknown[]] };
  const parts = typeof body === "string" ? [body] : body["Fn::Join"][1];
  return JSON.parse(
    parts.map((p) => (typeof p === "string" ? p : placeholder(p as Record<string, unknown>))).join(""),
  );
}

const titled = (body: Body, title: string): Widget => {
  const widget = body.widgets.find((w) => w.properties.title === title);
  expect(widget).toBeDefined();
  return widget!;
};

/** The expressions a graph draws, with their labels. */
const expressionsOf = (widget: Widget) =>
  (widget.properties.metrics ?? []).map((m) => {
    const { expression, label } = m[m.length - 1] as { expression: string; label: string };
    return { expression, label };
  });

/** A target group of the service under test, as an app that does not own it imports it. */
function checkoutTargetGroup(stack: Stack): elbv2.IApplicationTargetGroup {
  return elbv2.ApplicationTargetGroup.fromTargetGroupAttributes(stack, "Checkout", {
    targetGroupArn:
      "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/checkout/0123456789abcdef",
    loadBalancerArns:
      "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/checkout/0123456789abcdef",
  });
}

const REPORT_FUNCTION = /^FaultTasksReportFunction/;

const functionsOf = (template: Template) => Object.entries(template.findResources("AWS::Lambda::Function"));

const reportEnvironment = (template: Template): Record<string, unknown> => {
  const [[, report]] = functionsOf(template).filter(([id]) => REPORT_FUNCTION.test(id));
  return report.Properties.Environment.Variables;
};

const dashboardArn = (name: unknown) => ({
  "Fn::Join": [
    "",
    ["arn:", { Ref: "AWS::Partition" }, ":cloudwatch::", { Ref: "AWS::AccountId" }, `:dashboard/${name}`],
  ],
});

describe("the dashboard of a fault with stop conditions and service metrics", () => {
  const stack = newStack();
  const own = new cloudwatch.Alarm(stack, "Errors", {
    metric: new cloudwatch.Metric({ namespace: "Shop", metricName: "Errors" }),
    threshold: 10,
    evaluationPeriods: 1,
  });
  const imported = cloudwatch.Alarm.fromAlarmArn(
    stack,
    "Imported",
    "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:checkout-5xx",
  );
  const fault = new HttpResetPeerFault(stack, "Fault", { stopConditionAlarms: [own, imported] });
  const checkout = checkoutTargetGroup(stack);
  const runbook = new cloudwatch.TextWidget({ markdown: "Runbook: https://example.com/checkout", width: 24 });
  const dashboard = new HttpResetPeerDashboard(stack, "Dashboard", {
    fault,
    dashboardName: "game-day",
    defaultInterval: Duration.hours(6),
    serviceMetrics: [
      checkout.metrics.unhealthyHostCount(),
      checkout.metrics.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, { label: "Checkout 5xx" }),
    ],
    serviceWidgets: [runbook],
  });
  const template = Template.fromStack(stack);
  const body = bodyOf(template);

  test("is one dashboard, with the name given, opening on the default interval", () => {
    template.resourceCountIs("AWS::CloudWatch::Dashboard", 1);
    template.hasResourceProperties("AWS::CloudWatch::Dashboard", { DashboardName: "game-day" });
    expect(dashboard.dashboardName).toBe("game-day");
    expect(stack.resolve(dashboard.dashboardArn)).toEqual(dashboardArn("game-day"));
    expect(body.start).toBe("-PT6H");
  });

  test("graphs the state machine's executions: started, succeeded, failed, aborted, timed out", () => {
    const metrics = titled(body, "Executions").properties.metrics!;
    expect(metrics.map((m) => m.slice(0, 4))).toEqual(
      ["Started", "Succeeded", "Failed", "Aborted", "TimedOut"].map((what) => [
        "AWS/States",
        `Executions${what}`,
        "StateMachineArn",
        `{{${stack.resolve(fault.stateMachine.stateMachineArn).Ref}}}`,
      ]),
    );
    for (const m of metrics) expect(m[4]).toMatchObject({ stat: "Sum", period: 60 });
  });

  test("graphs the experiments in progress and the instances under fault, live, from every progress check", () => {
    const service = `${SERVICE.dimension}="${SERVICE.name}"`;
    expect(expressionsOf(titled(body, "Experiments in progress"))).toEqual([
      {
        label: "Experiments in progress",
        expression: `SUM(SEARCH('{${METRICS_NAMESPACE},${DIMENSIONS.experiment},${SERVICE.dimension}} MetricName="${LIVE_METRICS.experimentInProgress}" ${service}', 'Maximum', 60))`,
      },
    ]);
    expect(expressionsOf(titled(body, "Instances under fault"))).toEqual([
      {
        label: "Instances under fault",
        expression: `SUM(SEARCH('{${METRICS_NAMESPACE},${DIMENSIONS.experiment},${DIMENSIONS.batch},${SERVICE.dimension}} MetricName="${LIVE_METRICS.instancesUnderFault}" ${service}', 'Maximum', 60))`,
      },
    ]);
    // The shape CloudWatch's SEARCH takes, spelled out once.
    expect(expressionsOf(titled(body, "Experiments in progress"))[0].expression).toBe(
      `SUM(SEARCH('{HttpResetPeer,ExperimentId,service} MetricName="ExperimentInProgress" service="http-reset-peer"', 'Maximum', 60))`,
    );
  });

  test("graphs connections reset per instance, one line each, and targets, failures and duration per experiment", () => {
    expect(expressionsOf(titled(body, "Connections reset per instance"))).toEqual([
      {
        label: `\${PROP('Dim.${DIMENSIONS.instance}')} (\${PROP('Dim.${DIMENSIONS.experiment}')})`,
        expression: `SEARCH('{${METRICS_NAMESPACE},${DIMENSIONS.experiment},${DIMENSIONS.instance}} MetricName="${REPORT_METRICS.connectionsReset}"', 'Sum', 60)`,
      },
    ]);
    const perExperiment = {
      "Targets per experiment": REPORT_METRICS.targets,
      "Instances failed per experiment": REPORT_METRICS.instancesFailed,
      "Experiment duration (seconds)": REPORT_METRICS.experimentDuration,
    };
    for (const [title, metricName] of Object.entries(perExperiment)) {
      expect(expressionsOf(titled(body, title))).toEqual([
        {
          label: `\${PROP('Dim.${DIMENSIONS.experiment}')}`,
          expression: `SEARCH('{${METRICS_NAMESPACE},${DIMENSIONS.experiment}} MetricName="${metricName}"', 'Maximum', 60)`,
        },
      ]);
    }
  });

  test("shows the stop-condition alarms' state", () => {
    const alarms = body.widgets.filter((w) => w.type === "alarm");
    expect(alarms).toHaveLength(1);
    expect(alarms[0].properties.alarms).toEqual([
      `{{${JSON.stringify(stack.resolve(own.alarmArn)).replace(/"/g, "'")}}}`,
      "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:checkout-5xx",
    ]);
    expect(fault.stopConditionAlarms).toEqual([own, imported]);
  });

  test("tells the safety lever's parameter, how to read it and how to pull it", () => {
    const lever = `{{${stack.resolve(fault.safetyLever.parameterName).Ref}}}`;
    const text = body.widgets.find((w) => w.properties.markdown?.includes("Safety lever"))!.properties
      .markdown;
    expect(text).toContain(`\`${lever}\``);
    expect(text).toContain(`aws ssm get-parameter --region {{AWS::Region}} --name ${lever}`);
    expect(text).toContain(
      `aws ssm put-parameter --region {{AWS::Region}} --name ${lever} --value ${LEVER.engaged} --overwrite`,
    );
    expect(text).toContain(`--value ${LEVER.released}`);
  });

  test("says what the bands are, as the report function draws them", () => {
    const header = body.widgets[0].properties.markdown!;
    expect(header).toContain(BANDS_TEXT);
    expect(BANDS_TEXT).toContain(`the latest ${MAX_BANDS} are kept`);
    expect([BAND_COLORS.ran, BAND_COLORS.stopped]).toEqual([cloudwatch.Color.GREEN, cloudwatch.Color.RED]);
    expect(BANDS_TEXT).toMatch(/green, it ran to its end; red, it was stopped/);
  });

  test("graphs each of the service's metrics on its own, then adds the service's widgets as they are, last", () => {
    const unhealthy = titled(body, "UnHealthyHostCount").properties.metrics!;
    expect(unhealthy).toEqual([
      [
        "AWS/ApplicationELB",
        "UnHealthyHostCount",
        "LoadBalancer",
        "app/checkout/0123456789abcdef",
        "TargetGroup",
        "targetgroup/checkout/0123456789abcdef",
      ],
    ]);
    const errors = titled(body, "Checkout 5xx").properties.metrics!;
    expect(errors[0].slice(0, 2)).toEqual(["AWS/ApplicationELB", "HTTPCode_Target_5XX_Count"]);
    expect(body.widgets.at(-1)).toMatchObject({
      type: "text",
      width: 24,
      properties: { markdown: "Runbook: https://example.com/checkout" },
    });
  });

  test("lays the widgets out on CloudWatch's grid of 24 columns", () => {
    for (const w of body.widgets) {
      expect((w as unknown as { x: number }).x + w.width).toBeLessThanOrEqual(24);
    }
  });

  test("the functions that report experiments are told the dashboard's name, and may read and write that dashboard only", () => {
    // The report function, and the cleanup, which reports an execution stopped from outside.
    const reporters = /^FaultTasks(Report|Cleanup)Function/;
    for (const [id, fn] of functionsOf(template)) {
      const variables = fn.Properties.Environment.Variables;
      if (reporters.test(id))
        expect(variables[ENVIRONMENT.dashboardNames]).toBe(JSON.stringify(["game-day"]));
      else expect(variables).not.toHaveProperty("DASHBOARD_NAMES");
    }
    for (const role of ["FaultTasksReportRole", "FaultTasksCleanupRole"]) {
      expect(statementsOf(template, role)).toContainEqual({
        Effect: "Allow",
        Action: ["cloudwatch:GetDashboard", "cloudwatch:PutDashboard"],
        Resource: dashboardArn("game-day"),
      });
    }
    const granting = Object.entries(template.findResources("AWS::IAM::Policy")).filter(([, p]) =>
      JSON.stringify(p).match(/cloudwatch:(Get|Put)Dashboard/),
    );
    expect(granting.map(([id]) => id).sort()).toEqual([
      expect.stringMatching(/^FaultTasksCleanupRoleDefaultPolicy/),
      expect.stringMatching(/^FaultTasksReportRoleDefaultPolicy/),
    ]);
  });

  test("makes no dependency cycle: the function is told a name, not a reference to the dashboard", () => {
    // Template.fromStack refuses a template whose resources depend on each other in a cycle, as a
    // reference would make: function -> dashboard -> state machine -> function.
    expect(JSON.stringify(reportEnvironment(template))).not.toMatch(/Dashboard[0-9A-F]{8}/);
  });
});

describe("the dashboard of a fault without stop conditions, with the defaults", () => {
  const stack = newStack();
  const fault = new HttpResetPeerFault(stack, "Fault");
  const dashboard = new HttpResetPeerDashboard(stack, "Dashboard", { fault });
  const template = Template.fromStack(stack);
  const body = bodyOf(template);

  test("shows no alarm status, and still the safety lever", () => {
    expect(fault.stopConditionAlarms).toEqual([]);
    expect(body.widgets.filter((w) => w.type === "alarm")).toEqual([]);
    expect(body.widgets.some((w) => w.properties.markdown?.includes("Safety lever"))).toBe(true);
    expect(body.start).toBeUndefined();
  });

  test("holds the fault's own widgets only", () => {
    expect(body.widgets.map((w) => w.properties.title ?? w.type)).toEqual([
      "text",
      "Executions",
      "Experiments in progress",
      "Instances under fault",
      "Connections reset per instance",
      "Connections reset per experiment",
      "Targets per experiment",
      "Instances failed per experiment",
      "Experiment duration (seconds)",
      "Client retries per experiment (unsafe: not idempotent, no idempotency key)",
      "Longest time for a client to come back after the fault (ms)",
      "text",
    ]);
  });

  test("is named after its path and its region, a name CloudWatch takes, unique in the account", () => {
    const name = stack.resolve(dashboard.dashboardName);
    expect(name).toEqual({
      "Fn::Join": ["", [expect.stringMatching(/^Test-Dashboard-[0-9A-F]{8}-$/), { Ref: "AWS::Region" }]],
    });
    template.hasResourceProperties("AWS::CloudWatch::Dashboard", { DashboardName: name });
    expect(reportEnvironment(template)[ENVIRONMENT.dashboardNames]).toEqual({
      "Fn::Join": ["", [`["${name["Fn::Join"][1][0]}`, { Ref: "AWS::Region" }, '"]']],
    });
    const concrete = new Stack(new App(), "Shop", { env: { account: "123456789012", region: "eu-west-1" } });
    const named = new HttpResetPeerDashboard(concrete, "Chaos", {
      fault: new HttpResetPeerFault(concrete, "Fault"),
    }).dashboardName;
    expect(named).toMatch(/^Shop-Chaos-[0-9A-F]{8}-eu-west-1$/);
  });
});

test("several dashboards of one fault: the report function marks each, with a grant for each", () => {
  const stack = newStack();
  const fault = new HttpResetPeerFault(stack, "Fault");
  new HttpResetPeerDashboard(stack, "Chaos", { fault, dashboardName: "chaos" });
  new HttpResetPeerDashboard(stack, "Checkout", { fault, dashboardName: "checkout" });
  const template = Template.fromStack(stack);
  template.resourceCountIs("AWS::CloudWatch::Dashboard", 2);
  expect(reportEnvironment(template)[ENVIRONMENT.dashboardNames]).toBe(JSON.stringify(["chaos", "checkout"]));
  const resources = statementsOf(template, "FaultTasksReportRole")
    .filter((s) => JSON.stringify(s.Action).includes("Dashboard"))
    .flatMap((s) => [s.Resource].flat());
  expect(resources).toEqual([dashboardArn("chaos"), dashboardArn("checkout")]);
});

test("a dashboard in another stack of the fault's environment: the fault's stack references nothing of it", () => {
  const app = new App();
  const faults = new Stack(app, "Faults");
  const fault = new HttpResetPeerFault(faults, "Fault");
  const watch = new Stack(app, "Watch");
  new HttpResetPeerDashboard(watch, "Dashboard", { fault, dashboardName: "chaos" });
  const template = Template.fromStack(faults);
  expect(JSON.stringify(template.toJSON())).not.toContain("Fn::ImportValue");
  expect(reportEnvironment(template)[ENVIRONMENT.dashboardNames]).toBe('["chaos"]');
  expect(bodyOf(Template.fromStack(watch)).widgets.length).toBeGreaterThan(0);
});

describe("refused at synthesis, naming the construct", () => {
  const make =
    (props: Omit<HttpResetPeerDashboardProps, "fault">, stack = newStack()) =>
    () =>
      new HttpResetPeerDashboard(stack, "Dashboard", {
        fault: new HttpResetPeerFault(stack, "Fault"),
        ...props,
      });

  test.each([["game day"], ["chaos/dashboard"], ["x".repeat(256)], [""]])(
    "a dashboard name CloudWatch refuses: %j",
    (dashboardName) => {
      expect(make({ dashboardName })).toThrow(
        /^Test\/Dashboard: dashboardName must be 1 to 255 letters, digits, "-" and "_"/,
      );
    },
  );

  test("but not a name made at deployment, nor one of 255 characters", () => {
    const stack = newStack();
    const parameter = new CfnParameter(stack, "Name").valueAsString;
    expect(make({ dashboardName: parameter }, stack)).not.toThrow();
    expect(make({ dashboardName: "x".repeat(255) })).not.toThrow();
  });

  test("a default interval shorter than the graphs' minute", () => {
    expect(make({ defaultInterval: Duration.seconds(30) })).toThrow(
      /^Test\/Dashboard: defaultInterval must be at least one minute; got 30 seconds/,
    );
  });

  test("more widgets than a dashboard holds", () => {
    const serviceMetrics = Array.from(
      { length: 493 },
      (_, n) => new cloudwatch.Metric({ namespace: "Shop", metricName: `M${n}` }),
    );
    expect(make({ serviceMetrics })).toThrow(
      /^Test\/Dashboard: a dashboard holds at most 500 widgets; .* 505$/,
    );
  });

  test("a dashboard in another account than the fault's", () => {
    const app = new App();
    const fault = new HttpResetPeerFault(
      new Stack(app, "Faults", { env: { account: "111111111111", region: "eu-west-1" } }),
      "Fault",
    );
    const elsewhere = new Stack(app, "Watch", { env: { account: "222222222222", region: "eu-west-1" } });
    expect(() => new HttpResetPeerDashboard(elsewhere, "Dashboard", { fault })).toThrow(
      /^Watch\/Dashboard: the dashboard must be in the fault's account \(111111111111\)/,
    );
  });

  test("as a ValidationError", () => {
    expect(make({ dashboardName: "a b" })).toThrow(expect.objectContaining({ name: "ValidationError" }));
  });
});

test("cdk-nag's AwsSolutions and Serverless packs find nothing unacknowledged in a stack with the dashboard", () => {
  const app = new App();
  const stack = new Stack(app, "Controller");
  const fault = new HttpResetPeerFault(stack, "Fault", {
    stopConditionAlarms: [cloudwatch.Alarm.fromAlarmName(stack, "Errors", "checkout-5xx")],
  });
  new HttpResetPeerDashboard(stack, "Dashboard", {
    fault,
    serviceMetrics: [checkoutTargetGroup(stack).metrics.unhealthyHostCount()],
  });
  Aspects.of(app).add(new AwsSolutionsChecks());
  Aspects.of(app).add(new ServerlessChecks());
  app.synth();
  const findings = (level: "findError" | "findWarning") =>
    Annotations.fromStack(stack)[level]("*", Match.stringLikeRegexp("^(AwsSolutions|Serverless)-"));
  expect(
    [...findings("findError"), ...findings("findWarning")].map((f) => `${f.id}: ${f.entry.data}`),
  ).toEqual([]);
});
