import { Duration, RemovalPolicy, Stack } from "aws-cdk-lib";
import type * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import type * as ec2 from "aws-cdk-lib/aws-ec2";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import type * as logs from "aws-cdk-lib/aws-logs";
import type * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import type * as sfn from "aws-cdk-lib/aws-stepfunctions";
import type * as ssm from "aws-cdk-lib/aws-ssm";
import { Construct } from "constructs";
import { VERDICT_EVENT } from "./event-types";
import { METRICS_NAMESPACE } from "./fault-metrics";
import type { HandlerRuntime } from "./handler-runtime";
import { ENVIRONMENT } from "./task-environment";
import { TaskFunction } from "./task-function";

/** The task functions the state machine invokes, as the handlers' contract names them. */
export interface FaultTaskFunctions {
  /** Reads the input, picks and checks the targets, and returns the plan. */
  readonly resolveTargets: lambda.IFunction;
  /** Sends Action=Inject to a group of instances. */
  readonly sendCommand: lambda.IFunction;
  /** Reads the commands' progress and the stop-condition alarms. */
  readonly checkProgress: lambda.IFunction;
  /** Cancels an experiment's commands and sends Action=Cleanup; idempotent. */
  readonly cleanup: lambda.IFunction;
  /** Builds the execution's report. */
  readonly report: lambda.IFunction;
  /**
   * Checks the hypothesis's steady state before anything is injected.
   * @default - none: the fault has no hypothesis
   */
  readonly checkSteadyState?: lambda.IFunction;
  /**
   * Samples the hypothesis's sampled probes (HTTP, target health) while the experiment runs.
   * @default - none: the fault has no sampled probe
   */
  readonly sampleProbes?: lambda.IFunction;
  /**
   * Sends the HTTP probes' requests, in the VPC the hypothesis names; the sampler and the
   * steady-state check invoke it, not the state machine.
   * @default - none: the fault has no HTTP probe
   */
  readonly probeHttp?: lambda.IFunction;
  /**
   * Stops the running executions when a stop-condition alarm goes to ALARM, and cleans up after
   * them; an EventBridge rule invokes it, not the state machine.
   */
  readonly stopExperiments: lambda.IFunction;
}

/** Where the HTTP probes' function runs, when in a VPC. */
export interface HttpProbeNetwork {
  readonly vpc: ec2.IVpc;
  readonly subnets?: ec2.SubnetSelection;
  readonly securityGroups?: ec2.ISecurityGroup[];
}

/** What functions the hypothesis needs beside the steady-state check. */
export interface HypothesisFunctions {
  /** Whether it has sampled probes: the sampler. */
  readonly sampled: boolean;
  /** Whether it has HTTP probes: their function. */
  readonly http: boolean;
  readonly httpNetwork?: HttpProbeNetwork;
}

export interface TaskFunctionsProps {
  /** The environment every function gets (the contract's variables). */
  readonly environment: Record<string, string>;
  /** Roles in other accounts the functions may assume through ASSUME_ROLE_ARN. */
  readonly assumableRoleArns: string[];
  /** Secrets holding an AWS credentials file, named through AWS_AUTHENTICATION_SECRET. */
  readonly credentialSecrets: secretsmanager.ISecret[];
  /** Alarms the target resolution and the progress check read. */
  readonly stopConditionAlarms: cloudwatch.IAlarm[];
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
  /** The functions' Node.js runtime. */
  readonly runtime: HandlerRuntime;
  /** Where the cleanup and stop functions send the events they failed to process. */
  readonly cleanupOnFailure: lambda.IDestination;
  /** The fault's hypothesis's needs; undefined without one. */
  readonly hypothesis?: HypothesisFunctions;
}

type TaskName = keyof FaultTaskFunctions;

/** The tasks only a hypothesis makes. */
type OptionalTask = "checkSteadyState" | "sampleProbes" | "probeHttp";

const TASKS: Record<TaskName, { handler: string; description: string; timeout: Duration }> = {
  resolveTargets: {
    handler: "resolve-targets",
    description: "resolves and checks the targets of an experiment",
    // Paging through every instance of a large account and checking each in SSM.
    timeout: Duration.minutes(2),
  },
  sendCommand: {
    handler: "send-command",
    description: "sends the fault to a group of instances",
    timeout: Duration.minutes(2),
  },
  checkProgress: {
    handler: "check-progress",
    description: "checks the fault's commands and the stop-condition alarms",
    timeout: Duration.minutes(1),
  },
  cleanup: {
    handler: "cleanup",
    description: "cancels an experiment's commands and removes the fault",
    // Listing the account's commands of the document and cleaning up to a thousand instances.
    timeout: Duration.minutes(5),
  },
  report: {
    handler: "report",
    description: "reports what the fault did on each instance",
    // A ListCommandInvocations page per 50 instances, each slowed by throttling on a busy account.
    timeout: Duration.minutes(5),
  },
  checkSteadyState: {
    handler: "check-steady-state",
    description: "checks the hypothesis's steady state before the fault",
    // A round of samples: an HTTP probe's attempts may take 6 × 60 s.
    timeout: Duration.minutes(7),
  },
  sampleProbes: {
    handler: "sample-probes",
    description: "samples the hypothesis's probes while the experiment runs",
    timeout: Duration.minutes(7),
  },
  probeHttp: {
    handler: "probe-http",
    description: "sends the hypothesis's HTTP probes' requests",
    timeout: Duration.minutes(7),
  },
  stopExperiments: {
    handler: "stop-experiments",
    description: "stops the running experiments when a stop-condition alarm goes to ALARM",
    // As long as cleanup: it cleans up after each execution it stops.
    timeout: Duration.minutes(5),
  },
};

/** The functions an event or another function invokes, not the state machine. */
const EVENT_TASKS: readonly TaskName[] = ["stopExperiments", "probeHttp"];

/** Whether a fault makes a task's function: the hypothesis's only with what needs them. */
function isMade(name: TaskName, hypothesis: HypothesisFunctions | undefined): boolean {
  if (name === "checkSteadyState") return hypothesis !== undefined;
  if (name === "sampleProbes") return hypothesis?.sampled ?? false;
  if (name === "probeHttp") return hypothesis?.http ?? false;
  return true;
}

/** Each task's handler: its source is `lambda/handlers/<name>.ts`, its bundle `assets/handlers/<name>/`. */
export const TASK_HANDLERS: readonly string[] = Object.values(TASKS).map((task) => task.handler);

/** The functions of a FaultTaskFunctions that the state machine invokes, in the contract's order. */
export const stateMachineFunctions = (functions: FaultTaskFunctions): lambda.IFunction[] =>
  (Object.keys(TASKS) as TaskName[])
    .filter((name) => !EVENT_TASKS.includes(name))
    .flatMap((name) => functions[name] ?? []);

/**
 * The task functions, each with a role that may only assume the fault's roles (and read the
 * credential secrets; the alarms, for the target resolution and the progress check; the state
 * machine's executions, for the stop function): EC2 and SSM are reached through those, never with
 * the functions' own roles.
 */
export class TaskFunctions extends Construct implements FaultTaskFunctions {
  public readonly resolveTargets: lambda.IFunction;
  public readonly sendCommand: lambda.IFunction;
  public readonly checkProgress: lambda.IFunction;
  public readonly cleanup: lambda.IFunction;
  public readonly report: lambda.IFunction;
  public readonly stopExperiments: lambda.IFunction;
  public readonly checkSteadyState?: lambda.IFunction;
  public readonly sampleProbes?: lambda.IFunction;
  public readonly probeHttp?: lambda.IFunction;
  /** The functions' roles: a fault role in another account must trust them. */
  public readonly roles: iam.IRole[];
  private readonly all: TaskFunction[];
  private readonly stopper: TaskFunction;
  private readonly resolver: TaskFunction;
  private readonly checker: TaskFunction;
  /** The functions that report experiments: the report's, and the cleanup's after a stopped one. */
  private readonly reporters: TaskFunction[];
  private readonly prober?: TaskFunction;
  private readonly sampler?: TaskFunction;

  constructor(scope: Construct, id: string, props: TaskFunctionsProps) {
    super(scope, id);
    const made = Object.fromEntries(
      (Object.keys(TASKS) as TaskName[])
        .filter((name) => isMade(name, props.hypothesis))
        .map((name) => [
          name,
          new TaskFunction(this, name.charAt(0).toUpperCase() + name.slice(1), {
            ...TASKS[name],
            environment: props.environment,
            logRetention: props.logRetention,
            removalPolicy: props.removalPolicy,
            runtime: props.runtime,
            onFailure: name === "cleanup" || name === "stopExperiments" ? props.cleanupOnFailure : undefined,
            network: name === "probeHttp" ? props.hypothesis?.httpNetwork : undefined,
          }),
        ]),
    ) as Record<Exclude<TaskName, OptionalTask>, TaskFunction> & Partial<Record<OptionalTask, TaskFunction>>;
    this.resolveTargets = made.resolveTargets.function;
    this.sendCommand = made.sendCommand.function;
    this.checkProgress = made.checkProgress.function;
    this.cleanup = made.cleanup.function;
    this.report = made.report.function;
    this.stopExperiments = made.stopExperiments.function;
    this.checkSteadyState = made.checkSteadyState?.function;
    this.sampleProbes = made.sampleProbes?.function;
    this.probeHttp = made.probeHttp?.function;
    this.prober = made.checkSteadyState;
    this.sampler = made.sampleProbes;
    this.stopper = made.stopExperiments;
    this.resolver = made.resolveTargets;
    this.checker = made.checkProgress;
    this.reporters = [made.report, made.cleanup];
    this.all = Object.values(made);
    this.roles = this.all.map((f) => f.role);

    for (const role of this.roles) {
      if (props.assumableRoleArns.length) {
        role.addToPrincipalPolicy(
          new iam.PolicyStatement({
            sid: "AssumeTargetAccountRoles",
            actions: ["sts:AssumeRole"],
            resources: props.assumableRoleArns,
          }),
        );
      }
      // grantRead rather than GetSecretValue alone: it also grants kms:Decrypt when the secret
      // has a customer-managed key.
      for (const secret of props.credentialSecrets) secret.grantRead(role);
    }
    // Stop conditions are read with the function's own identity: the alarms live where the fault
    // is deployed, whichever account the targets are in.
    // An execution is refused while an alarm is in ALARM, and stopped when one goes to ALARM.
    if (props.stopConditionAlarms.length) {
      for (const reader of [made.resolveTargets, made.checkProgress]) {
        reader.role.addToPrincipalPolicy(
          new iam.PolicyStatement({
            sid: "ReadStopConditionAlarms",
            actions: ["cloudwatch:DescribeAlarms"],
            resources: props.stopConditionAlarms.map((alarm) => alarm.alarmArn),
          }),
        );
      }
    }
    // The report's metrics. PutMetricData has no resource type: the namespace condition key is what
    // narrows it (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatch.html).
    for (const reporter of this.reporters) {
      reporter.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: "PublishReportMetrics",
          actions: ["cloudwatch:PutMetricData"],
          resources: ["*"],
          conditions: { StringEquals: { "cloudwatch:namespace": METRICS_NAMESPACE } },
        }),
      );
    }
  }

  /**
   * Lets the stop function list, stop and read the state machine's executions, and tells it the
   * state machine's ARN. Separate from the constructor because the state machine invokes the others.
   */
  public stopExecutionsOf(stateMachine: sfn.IStateMachine): void {
    stateMachine.grant(this.stopper.role, "states:ListExecutions");
    stateMachine.grantExecution(this.stopper.role, "states:StopExecution", "states:DescribeExecution");
    this.stopper.function.addEnvironment(ENVIRONMENT.stateMachineArn, stateMachine.stateMachineArn);
  }

  /**
   * Lets the functions that refuse or stop experiments while the safety lever is engaged read it,
   * and tells them its name.
   */
  public useSafetyLever(lever: ssm.IStringParameter): void {
    for (const reader of [this.resolver, this.checker, this.stopper]) {
      lever.grantRead(reader.role);
      reader.function.addEnvironment(ENVIRONMENT.safetyLeverParameter, lever.parameterName);
    }
  }

  /**
   * Lets every function assume the local fault role, and tells them its ARN. Separate from the
   * constructor because that role's trust policy names the functions' roles.
   */
  public useFaultRole(faultRole: iam.IRole): void {
    for (const { function: fn, role } of this.all) {
      faultRole.grantAssumeRole(role);
      fn.addEnvironment(ENVIRONMENT.faultRoleArn, faultRole.roleArn);
    }
  }

  /** Tells the steady-state check and the sampler the command probes' document. */
  public useProbeDocument(documentName: string): void {
    for (const sampler of [this.prober, this.sampler].flatMap((f) => f ?? [])) {
      sampler.function.addEnvironment(ENVIRONMENT.probeDocument, documentName);
    }
  }

  /**
   * Lets the steady-state check and the reporters read what the hypothesis's probes read: its
   * alarms' states (and, for the reporters, their history), any metric (GetMetricData takes no
   * resource), and lets the reporters put the verdict's event on the default bus.
   */
  public judgeHypothesis(probes: {
    readonly alarmArns: string[];
    readonly metrics: boolean;
    readonly targetHealth: boolean;
    /** The alarms and whether metrics are checked while the fault runs (stopOnFailure): the sampler's. */
    readonly checkedAlarmArns: string[];
    readonly checkedMetrics: boolean;
  }): void {
    const readers = [
      ...(this.prober ? [{ fn: this.prober, alarmArns: probes.alarmArns, metrics: probes.metrics }] : []),
      ...this.reporters.map((fn) => ({ fn, alarmArns: probes.alarmArns, metrics: probes.metrics })),
      ...(this.sampler
        ? [{ fn: this.sampler, alarmArns: probes.checkedAlarmArns, metrics: probes.checkedMetrics }]
        : []),
    ];
    for (const { fn: reader, alarmArns, metrics } of readers) {
      const reporter = this.reporters.includes(reader);
      if (alarmArns.length) {
        reader.role.addToPrincipalPolicy(
          new iam.PolicyStatement({
            sid: "ReadHypothesisAlarms",
            actions: ["cloudwatch:DescribeAlarms", ...(reporter ? ["cloudwatch:DescribeAlarmHistory"] : [])],
            resources: alarmArns,
          }),
        );
      }
      if (metrics) {
        reader.role.addToPrincipalPolicy(
          new iam.PolicyStatement({
            sid: "ReadHypothesisMetrics",
            actions: ["cloudwatch:GetMetricData"],
            resources: ["*"],
          }),
        );
      }
    }
    // The steady-state check takes the Before samples; the sampler, the rest.
    for (const sampler of [this.prober, this.sampler].flatMap((f) => f ?? [])) {
      if (probes.targetHealth) {
        // DescribeTargetHealth takes no resource ARN (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awselasticloadbalancingv2.html).
        sampler.role.addToPrincipalPolicy(
          new iam.PolicyStatement({
            sid: "ReadTargetHealth",
            actions: ["elasticloadbalancing:DescribeTargetHealth"],
            resources: ["*"],
          }),
        );
      }
      if (this.probeHttp) {
        // The function as deployed ($LATEST) alone, where grantInvoke would add its versions.
        sampler.role.addToPrincipalPolicy(
          new iam.PolicyStatement({
            sid: "InvokeHttpProbes",
            actions: ["lambda:InvokeFunction"],
            resources: [this.probeHttp.functionArn],
          }),
        );
        sampler.function.addEnvironment(ENVIRONMENT.httpProbeFunction, this.probeHttp.functionName);
      }
    }
    for (const reporter of this.reporters) {
      reporter.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: "PutVerdictEvents",
          actions: ["events:PutEvents"],
          resources: [
            Stack.of(this).formatArn({ service: "events", resource: "event-bus", resourceName: "default" }),
          ],
          conditions: { StringEquals: { "events:source": VERDICT_EVENT.source } },
        }),
      );
    }
  }

  /** The dashboards the reporting functions mark each experiment's window on. */
  private readonly dashboardNames: string[] = [];

  /**
   * Lets the functions that report experiments read and write a dashboard (cloudwatch:GetDashboard
   * and PutDashboard on its ARN alone), and adds its name to their DASHBOARD_NAMES, a JSON array:
   * a fault may have several dashboards.
   */
  public annotate(dashboardName: string, dashboardArn: string): void {
    for (const reporter of this.reporters) {
      if (!this.dashboardNames.length) {
        // toJsonString is itself lazy (a Lazy.uncachedString): the array is read at synthesis, with
        // the names of every dashboard given by then.
        reporter.function.addEnvironment(
          ENVIRONMENT.dashboardNames,
          reporter.function.stack.toJsonString(this.dashboardNames),
        );
      }
      reporter.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ["cloudwatch:GetDashboard", "cloudwatch:PutDashboard"],
          resources: [dashboardArn],
        }),
      );
    }
    this.dashboardNames.push(dashboardName);
  }
}
