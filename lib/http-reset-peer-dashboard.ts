import { Duration, Fn, Names, Stack, Token } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import { Construct } from "constructs";
import { HttpResetPeerValidationError } from "./errors";
import { DIMENSIONS, LIVE_METRICS, METRICS_NAMESPACE, REPORT_METRICS, SERVICE } from "./fault-metrics";
import type { HttpResetPeerFault } from "./http-reset-peer-fault";
import { LEVER } from "./safety-lever-states";
import { TaskFunctions } from "./task-functions";

export interface HttpResetPeerDashboardProps {
  /** The fault the dashboard shows; each of its experiments' windows is marked on it when reported. */
  readonly fault: HttpResetPeerFault;
  /**
   * The dashboard's name: 1 to 255 letters, digits, `-` and `_`, unique in the account (dashboards
   * have no region).
   * @default - the construct's path, its stack's name and its region
   */
  readonly dashboardName?: string;
  /**
   * The time range the dashboard opens on, ending now. At least one minute.
   * @default - CloudWatch's own: the last three hours
   */
  readonly defaultInterval?: Duration;
  /**
   * Metrics of the service under test, each graphed on its own, e.g. a target group's
   * `UnHealthyHostCount` and `HTTPCode_Target_5XX_Count`. Each graph is titled by the metric's
   * label, or else its name.
   * @default - none
   */
  readonly serviceMetrics?: cloudwatch.IMetric[];
  /**
   * Widgets of your own, added after everything else, as they are.
   * @default - none
   */
  readonly serviceWidgets?: cloudwatch.IWidget[];
}

/** The period of every graph of the fault's own metrics. */
const PERIOD = Duration.minutes(1);

/** The most widgets CloudWatch takes on one dashboard. */
const MAX_WIDGETS = 500;

/** The most alarms one alarm status widget shows. */
const ALARMS_PER_WIDGET = 100;

/** Dashboard names CloudWatch accepts. */
const DASHBOARD_NAME = /^[A-Za-z0-9_-]{1,255}$/;

/** Room left in a default name for its region (the longest are 14 characters). */
const DEFAULT_NAME_LENGTH = 255 - 32;

/**
 * How the report function marks each experiment (lambda/report/dashboard-annotations.ts:
 * BAND_COLORS and MAX_BANDS), told on the dashboard; a test holds the two together.
 */
export const BANDS_TEXT =
  "Each graph's bands mark an experiment's window, labelled with its ExperimentId: green, it ran to its end; red, it was stopped. One is added as each experiment is reported, and the latest 20 are kept; a deployment that changes this dashboard drops them.";

/** A SEARCH of the fault's namespace for one metric with exactly these dimensions. */
function search(dimensions: string[], metricName: string, statistic: string, filter = ""): string {
  const schema = [METRICS_NAMESPACE, ...dimensions].join(",");
  return `SEARCH('{${schema}} MetricName="${metricName}"${filter}', '${statistic}', ${PERIOD.toSeconds()})`;
}

/** The metrics every progress check publishes, carrying Powertools' service dimension. */
const live = (dimensions: string[], metricName: string): string =>
  `SUM(${search([...dimensions, SERVICE.dimension], metricName, "Maximum", ` ${SERVICE.dimension}="${SERVICE.name}"`)})`;

/** A graph's title for a metric of the user's: its label, or else its name. */
function titleOf(metric: cloudwatch.IMetric, index: number): string {
  const config = metric.toMetricConfig();
  const label: unknown = config.renderingProperties?.label;
  if (typeof label === "string" && label) return label;
  return config.metricStat?.metricName ?? `Service metric ${index + 1}`;
}

/**
 * A CloudWatch dashboard of an `HttpResetPeerFault`: its executions; experiments in progress and
 * instances under fault, live; connections reset per instance over time; targets, instances failed
 * and duration per experiment; the stop-condition alarms' state and how to pull the safety lever;
 * and the service's own metrics. Each experiment's window is marked on
 * every graph as it ends (the latest 20; a deployment that changes the dashboard drops them).
 */
export class HttpResetPeerDashboard extends Construct {
  /** The dashboard. */
  public readonly dashboard: cloudwatch.Dashboard;
  /** The dashboard's name. */
  public readonly dashboardName: string;
  /** The dashboard's ARN. */
  public readonly dashboardArn: string;

  constructor(scope: Construct, id: string, props: HttpResetPeerDashboardProps) {
    super(scope, id);
    const { fault } = props;
    const serviceMetrics = props.serviceMetrics ?? [];
    const serviceWidgets = props.serviceWidgets ?? [];
    const stack = Stack.of(this);
    const faultStack = Stack.of(fault);
    this.checkEnvironment(stack, faultStack);
    checkInterval(this, props.defaultInterval);
    const functions = fault.functions;
    if (!(functions instanceof TaskFunctions)) {
      throw new HttpResetPeerValidationError(this, "the fault's functions are not its own task functions");
    }
    // A name of our own rather than CloudFormation's: the report function is told it, and a
    // reference to the dashboard would make the function depend on the dashboard, which depends
    // on the state machine, which depends on the function.
    const unique = Names.uniqueResourceName(this, {
      maxLength: DEFAULT_NAME_LENGTH,
      separator: "-",
      allowedSpecialCharacters: "_-",
    });
    this.dashboardName = props.dashboardName ?? `${unique}-${stack.region}`;
    checkName(this, props.dashboardName);

    const region = faultStack.region;
    // Graphs and searches default to the dashboard's own region: named only when it may differ.
    const faultRegion = faultStack === stack ? undefined : region;
    const expression = (expr: string, label: string) =>
      new cloudwatch.MathExpression({
        expression: expr,
        label,
        period: PERIOD,
        searchRegion: faultRegion,
      });
    const graph = (title: string, metrics: cloudwatch.IMetric[], width: number, height = 6) =>
      new cloudwatch.GraphWidget({
        title,
        left: metrics,
        width,
        height,
        region: faultRegion,
        leftYAxis: { min: 0, showUnits: false },
      });
    const perExperiment = (metricName: string, statistic: string) =>
      expression(
        search([DIMENSIONS.experiment], metricName, statistic),
        `\${PROP('Dim.${DIMENSIONS.experiment}')}`,
      );

    const machine = fault.stateMachine;
    const executions = graph(
      "Executions",
      [
        machine.metricStarted({ period: PERIOD, label: "Started", color: cloudwatch.Color.BLUE }),
        machine.metricSucceeded({ period: PERIOD, label: "Succeeded", color: cloudwatch.Color.GREEN }),
        machine.metricFailed({ period: PERIOD, label: "Failed", color: cloudwatch.Color.RED }),
        machine.metricAborted({ period: PERIOD, label: "Aborted", color: cloudwatch.Color.ORANGE }),
        machine.metricTimedOut({ period: PERIOD, label: "Timed out", color: cloudwatch.Color.PURPLE }),
      ],
      12,
    );
    const inProgress = graph(
      "Experiments in progress",
      [
        expression(
          live([DIMENSIONS.experiment], LIVE_METRICS.experimentInProgress),
          "Experiments in progress",
        ),
      ],
      6,
    );
    const underFault = graph(
      "Instances under fault",
      [
        expression(
          live([DIMENSIONS.experiment, DIMENSIONS.batch], LIVE_METRICS.instancesUnderFault),
          "Instances under fault",
        ),
      ],
      6,
    );
    const connectionsReset = graph(
      "Connections reset per instance",
      [
        expression(
          search([DIMENSIONS.experiment, DIMENSIONS.instance], REPORT_METRICS.connectionsReset, "Sum"),
          `\${PROP('Dim.${DIMENSIONS.instance}')} (\${PROP('Dim.${DIMENSIONS.experiment}')})`,
        ),
      ],
      24,
      8,
    );
    const resetsPerExperiment = graph(
      "Connections reset per experiment",
      [perExperiment(REPORT_METRICS.connectionsReset, "Sum")],
      6,
    );
    const targets = graph("Targets per experiment", [perExperiment(REPORT_METRICS.targets, "Maximum")], 6);
    const failed = graph(
      "Instances failed per experiment",
      [perExperiment(REPORT_METRICS.instancesFailed, "Maximum")],
      6,
    );
    const duration = graph(
      "Experiment duration (seconds)",
      [perExperiment(REPORT_METRICS.experimentDuration, "Maximum")],
      6,
    );

    // What the clients did: did they send requests again, unsafely, and how long they took to come back.
    const retries = graph(
      "Client retries per experiment (unsafe: not idempotent, no idempotency key)",
      [
        perExperiment(REPORT_METRICS.retries, "Maximum"),
        perExperiment(REPORT_METRICS.unsafeRetries, "Maximum"),
      ],
      12,
    );
    const reconnect = graph(
      "Longest time for a client to come back after the fault (ms)",
      [perExperiment(REPORT_METRICS.reconnectMs, "Maximum")],
      12,
    );

    // Each verdict on the fault's hypothesis, over time: the score, 100 when every probe passed.
    const verdicts = fault.hypothesis
      ? [
          graph(
            "Verdict score per experiment (0-100; 100: the hypothesis held)",
            [perExperiment(REPORT_METRICS.hypothesisScore, "Maximum")],
            24,
          ),
        ]
      : [];

    const alarms = fault.stopConditionAlarms;
    const alarmWidgets: cloudwatch.IWidget[] = [];
    for (let i = 0; i < alarms.length; i += ALARMS_PER_WIDGET) {
      alarmWidgets.push(
        new cloudwatch.AlarmStatusWidget({
          title: "Stop-condition alarms: one in ALARM stops every running experiment",
          alarms: alarms.slice(i, i + ALARMS_PER_WIDGET),
          width: 12,
          height: 4,
        }),
      );
    }
    const lever = fault.safetyLever.parameterName;
    const leverText = new cloudwatch.TextWidget({
      markdown: [
        "### Safety lever",
        `Parameter \`${lever}\` (Parameter Store, ${region}): \`${LEVER.released}\` lets experiments run; \`${LEVER.engaged}\` stops every running one, with cleanup, and refuses new ones until it is released.`,
        "",
        `Its state: \`aws ssm get-parameter --region ${region} --name ${lever} --query Parameter.Value\``,
        "",
        `Pull it: \`aws ssm put-parameter --region ${region} --name ${lever} --value ${LEVER.engaged} --overwrite\` (\`--value ${LEVER.released}\` releases it), or Systems Manager → Parameter Store → the parameter → Edit.`,
      ].join("\n"),
      width: 12,
      height: 4,
    });
    const header = new cloudwatch.TextWidget({
      markdown: `## EC2 HTTP reset peer: \`${Fn.select(6, Fn.split(":", machine.stateMachineArn))}\`\n${BANDS_TEXT}`,
      width: 24,
      height: 2,
    });
    const serviceGraphs = serviceMetrics.map(
      (metric, index) =>
        new cloudwatch.GraphWidget({ title: titleOf(metric, index), left: [metric], width: 6, height: 6 }),
    );

    const rows: cloudwatch.IWidget[][] = [
      [header],
      [executions, inProgress, underFault],
      [connectionsReset],
      [resetsPerExperiment, targets, failed, duration],
      [retries, reconnect],
      verdicts,
      [...alarmWidgets, leverText],
      serviceGraphs,
      serviceWidgets,
    ];
    const count = rows.flat().reduce((total, widget) => total + widget.toJson().length, 0);
    if (count > MAX_WIDGETS) {
      throw new HttpResetPeerValidationError(
        this,
        `a dashboard holds at most ${MAX_WIDGETS} widgets; serviceMetrics and serviceWidgets make it ${count}`,
      );
    }

    this.dashboard = new cloudwatch.Dashboard(this, "Dashboard", {
      dashboardName: this.dashboardName,
      defaultInterval: props.defaultInterval,
      widgets: rows.filter((row) => row.length),
    });
    this.dashboardArn = this.dashboard.dashboardArn;

    functions.annotate(this.dashboardName, this.dashboardArn);
  }

  /** The report function writes the dashboard with its own role: both are in one account. */
  private checkEnvironment(stack: Stack, faultStack: Stack): void {
    const account = stack.account;
    const faultAccount = faultStack.account;
    if (!Token.isUnresolved(account) && !Token.isUnresolved(faultAccount) && account !== faultAccount) {
      throw new HttpResetPeerValidationError(
        this,
        `the dashboard must be in the fault's account (${faultAccount}), whose report function writes it; it is in ${account}`,
      );
    }
  }
}

function checkName(scope: Construct, name: string | undefined): void {
  if (name === undefined || Token.isUnresolved(name) || DASHBOARD_NAME.test(name)) return;
  throw new HttpResetPeerValidationError(
    scope,
    `dashboardName must be 1 to 255 letters, digits, "-" and "_"; got ${JSON.stringify(name)}`,
  );
}

function checkInterval(scope: Construct, interval: Duration | undefined): void {
  if (interval === undefined || interval.isUnresolved()) return;
  if (interval.toMilliseconds() < PERIOD.toMilliseconds()) {
    throw new HttpResetPeerValidationError(
      scope,
      `defaultInterval must be at least one minute; got ${interval.toHumanString()}`,
    );
  }
}
