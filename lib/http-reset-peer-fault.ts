import { ArnFormat, Aws, Duration, Fn, RemovalPolicy, Stack, Token } from "aws-cdk-lib";
import type * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import type * as events from "aws-cdk-lib/aws-events";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import * as destinations from "aws-cdk-lib/aws-lambda-destinations";
import * as logs from "aws-cdk-lib/aws-logs";
import * as s3 from "aws-cdk-lib/aws-s3";
import type * as ssm from "aws-cdk-lib/aws-ssm";
import type * as scheduler from "aws-cdk-lib/aws-scheduler";
import type * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import * as sqs from "aws-cdk-lib/aws-sqs";
import * as sfn from "aws-cdk-lib/aws-stepfunctions";
import { Construct, type IConstruct } from "constructs";
import { AbortCleanup } from "./abort-cleanup";
import { executionTimeout } from "./execution-timeout";
import { FAULT_ENDED_RECORD } from "./fault-ended-record";
import { ProbeDocument } from "./hypothesis/probe-document";
import { isSampled } from "./hypothesis/probe-spec";
import { buildDefinition } from "./fault-definition";
import { FaultDocument } from "./fault-document";
import { METRICS_NAMESPACE, SERVICE } from "./fault-metrics";
import { FaultRole } from "./fault-role";
import { FaultSchedules, type FaultSchedule } from "./fault-schedules";
import { handlerRuntime } from "./handler-runtime";
import { acknowledge, nagResource } from "./nag";
import { optInTagText, type OptInTag } from "./opt-in-tag";
import { SafetyLever } from "./safety-lever";
import { AlarmStop } from "./alarm-stop";
import { ENVIRONMENT } from "./task-environment";
import { TaskFunctions, stateMachineFunctions, type FaultTaskFunctions } from "./task-functions";
import { HttpResetPeerValidationError } from "./errors";
import { renderHypothesis, type Hypothesis } from "./hypothesis/hypothesis";
import type { FaultTunables } from "./fault-tunables";
import { tunableDefaultsText } from "./tunable-input";
import { TUNABLES } from "./tunables";

export interface HttpResetPeerFaultProps {
  /**
   * Defaults for the execution input's tunables. Tunables an execution leaves out take these, then
   * the defaults of the Harness fault this one is modelled on. Each is checked at synthesis against
   * the tunable's pattern.
   * @default - the Harness fault's defaults (see README: "Input")
   */
  readonly tunableDefaults?: FaultTunables;
  /**
   * Name of the SSM Command document. Target accounts and regions must deploy it under the same.
   * @default FaultDocument.DEFAULT_NAME ("Ec2HttpResetPeer")
   */
  readonly documentName?: string;
  /**
   * Schedules that start the fault with a fixed input.
   * @default - no schedule
   */
  readonly schedules?: FaultSchedule[];
  /**
   * Whether the schedules start executions once deployed. Set false to deploy them switched off.
   * @default true
   */
  readonly schedulesEnabled?: boolean;
  /**
   * CloudWatch alarms in this account and region that stop the fault when one is in ALARM.
   * @default - no stop condition
   */
  readonly stopConditionAlarms?: cloudwatch.IAlarm[];
  /**
   * A tag every target must carry. Targets without it are refused by name, and the fault role
   * may send the document only to instances that carry it.
   * @default - any instance may be targeted
   */
  readonly optInTag?: OptInTag;
  /**
   * Roles in other accounts (or regions) that an execution may name as ASSUME_ROLE_ARN, for
   * example those of `HttpResetPeerTarget`.
   * @default - no role: executions act in this account only
   */
  readonly assumableRoleArns?: string[];
  /**
   * Secrets holding an AWS credentials file that an execution may name as AWS_AUTHENTICATION_SECRET.
   * @default - no secret
   */
  readonly credentialSecrets?: secretsmanager.ISecret[];
  /**
   * How many instances a serial run may hold at the longest duration before the execution times
   * out; sets the state machine's timeout (see docs/operating.md: "Execution timeout"). From 1 to
   * 10,000, the most instances one experiment takes, and as many as fit in Step Functions' one-year limit.
   * @default 10
   */
  readonly maxSerialTargets?: number;
  /**
   * Retention of the state machine's and the functions' logs.
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * How long an experiment's records (its targets, the commands sent, why it stopped, its whole
   * report) stay in the records bucket.
   * @default Duration.days(90)
   */
  readonly recordRetention?: Duration;
  /**
   * What happens to the log groups, the records bucket and the dead-letter queue when they leave
   * the stack. They are the record of what the fault did, hence kept by default; with DESTROY the
   * bucket is emptied first.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * What the team expects of its system under the fault: alarms, metrics and what the clients do,
   * checked before the fault (the steady state: if it does not hold, nothing is injected) and
   * after it, and judged in every report with a verdict and a score (docs/hypothesis.md).
   * @default - no hypothesis: no steady-state check, and no verdict
   */
  readonly hypothesis?: Hypothesis;
  /**
   * The Node.js runtime of the task functions. The handler bundles are built for Node.js 24 and
   * tested on Node.js 24 and 26. A newer Node.js runtime is taken with a warning at synthesis;
   * anything older, or not Node.js, is refused.
   * @default - the newest of Node.js 24 and 26 that the app's aws-cdk-lib offers
   */
  readonly runtime?: lambda.Runtime;
}

/**
 * The task functions that read and write the records: the targets, the commands sent, the stop
 * cause, the report, the probes' samples.
 */
const RECORD_WRITERS = [
  "resolveTargets",
  "sendCommand",
  "cleanup",
  "report",
  "stopExperiments",
  "checkSteadyState",
  "sampleProbes",
] as const;

/**
 * Those that also list them: an undo and a report read the commands recorded, and a record not there
 * yet must read as NoSuchKey rather than AccessDenied, which S3 answers without s3:ListBucket
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html, "Permissions").
 */
const RECORD_LISTERS = RECORD_WRITERS.filter((name) => name !== "resolveTargets");

/** Where Powertools puts the handlers' logs and metrics. */
const POWERTOOLS = {
  POWERTOOLS_SERVICE_NAME: SERVICE.name,
  POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
};

function checkRoleArns(scope: IConstruct, arns: string[]): void {
  const pattern = new RegExp(TUNABLES.ASSUME_ROLE_ARN.pattern);
  const bad = arns.filter((arn) => !Token.isUnresolved(arn) && !(arn && pattern.test(arn)));
  if (bad.length) {
    throw new HttpResetPeerValidationError(
      scope,
      `assumableRoleArns must be IAM role ARNs; got ${JSON.stringify(bad)}`,
    );
  }
}

/**
 * EC2 HTTP reset peer in one account and region: the SSM document, the role that sends it, the
 * task functions, the state machine that runs an experiment, the rule that cleans up after an
 * aborted one, and optional schedules.
 */
export class HttpResetPeerFault extends Construct {
  /** The SSM Command document the fault sends. */
  public readonly document: FaultDocument;
  /** The role that sends the document and watches it; the task functions assume it. */
  public readonly faultRole: iam.IRole;
  /** The state machine; start it with the tunables as input. */
  public readonly stateMachine: sfn.IStateMachine;
  /** The task functions. */
  public readonly functions: FaultTaskFunctions;
  /** The task functions' roles: a target account's `HttpResetPeerTarget` must trust them. */
  public readonly functionRoles: iam.IRole[];
  /** The rule that runs cleanup after an execution is aborted, times out or fails. */
  public readonly abortRule: events.IRule;
  /** The rule that stops the running experiments when a stop-condition alarm goes to ALARM. */
  public readonly alarmRule?: events.IRule;
  /**
   * The safety lever: a String parameter, `released` when deployed. Set to `engaged`, it stops
   * every running experiment of this fault, with cleanup, and new ones fail before anything is
   * sent, until it is set back to `released`. See `grantPullSafetyLever`.
   */
  public readonly safetyLever: ssm.IStringParameter;
  /** The rule that stops the running experiments when the safety lever is engaged. */
  public readonly safetyLeverRule: events.IRule;
  /**
   * Events the cleanup and stop functions could not be given or could not process: executions that
   * ended abnormally, alarms that went to ALARM, changes of the safety lever.
   */
  public readonly cleanupDeadLetterQueue: sqs.IQueue;
  /** The schedules, in the order given. */
  public readonly schedules: scheduler.ISchedule[];
  /** Each experiment's targets, stop cause and whole report, under `<experimentId>/<start>/`. */
  public readonly recordsBucket: s3.IBucket;
  /** The stop-condition alarms, as given (empty without them). */
  public readonly stopConditionAlarms: cloudwatch.IAlarm[];

  /** The hypothesis every experiment is judged against, as given; undefined without one. */
  public readonly hypothesis?: Hypothesis;

  constructor(scope: Construct, id: string, props: HttpResetPeerFaultProps = {}) {
    super(scope, id);
    this.hypothesis = props.hypothesis;
    const defaults = props.tunableDefaults ?? {};
    const alarms = props.stopConditionAlarms ?? [];
    this.stopConditionAlarms = [...alarms];
    const assumableRoleArns = props.assumableRoleArns ?? [];
    const credentialSecrets = props.credentialSecrets ?? [];
    const logRetention = props.logRetention ?? logs.RetentionDays.THREE_MONTHS;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const defaultsText = tunableDefaultsText(this, defaults);
    const optInTag = optInTagText(this, props.optInTag);
    checkRoleArns(this, assumableRoleArns);
    const rendered = props.hypothesis && renderHypothesis(this, props.hypothesis);
    const hypothesis = rendered?.spec;
    const stack = Stack.of(this);

    this.document = new FaultDocument(this, "Document", { documentName: props.documentName });
    const probeDocument = rendered?.commands.length
      ? new ProbeDocument(this, "ProbeDocument", {
          probes: rendered.commands,
          timeoutSeconds: Math.max(
            ...rendered.spec.probes.flatMap((p) => (p.kind === "Command" ? [p.sampling.timeoutSeconds] : [])),
          ),
        })
      : undefined;
    const records = new s3.Bucket(this, "Records", {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      lifecycleRules: [{ expiration: props.recordRetention ?? Duration.days(90) }],
      removalPolicy,
      autoDeleteObjects: removalPolicy === RemovalPolicy.DESTROY,
    });
    this.recordsBucket = records;
    this.cleanupDeadLetterQueue = new sqs.Queue(this, "CleanupDeadLetterQueue", {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy,
    });

    const functions = new TaskFunctions(this, "Tasks", {
      assumableRoleArns,
      credentialSecrets,
      stopConditionAlarms: alarms,
      logRetention,
      removalPolicy,
      runtime: handlerRuntime(this, props.runtime),
      cleanupOnFailure: new destinations.SqsDestination(this.cleanupDeadLetterQueue),
      hypothesis: hypothesis && {
        sampled: hypothesis.probes.some(isSampled),
        http: hypothesis.probes.some((probe) => probe.kind === "Http"),
        httpNetwork: props.hypothesis?.httpProbeVpc && {
          vpc: props.hypothesis.httpProbeVpc,
          subnets: props.hypothesis.httpProbeSubnets,
          securityGroups: props.hypothesis.httpProbeSecurityGroups,
        },
      },
      environment: {
        [ENVIRONMENT.documentName]: this.document.documentName,
        [ENVIRONMENT.tunableDefaults]: JSON.stringify(defaultsText),
        [ENVIRONMENT.optInTag]: optInTag,
        // toJsonString, because names and ARNs of resources in the stack are only known at deployment.
        [ENVIRONMENT.stopConditionAlarms]: stack.toJsonString(alarms.map((alarm) => alarm.alarmName)),
        [ENVIRONMENT.allowedRoleArns]: stack.toJsonString(assumableRoleArns),
        [ENVIRONMENT.allowedSecretArns]: stack.toJsonString(
          credentialSecrets.map((secret) => secret.secretArn),
        ),
        [ENVIRONMENT.recordsBucket]: records.bucketName,
        ...POWERTOOLS,
      },
    });
    this.functions = functions;
    this.functionRoles = functions.roles;
    this.faultRole = new FaultRole(this, "FaultRole", {
      document: this.document,
      probeDocumentArn: probeDocument?.documentArn,
      optInTag: props.optInTag,
      trustedRoleArns: functions.roles.map((role) => role.roleArn),
    });
    functions.useFaultRole(this.faultRole);
    if (probeDocument) functions.useProbeDocument(probeDocument.documentName);
    if (hypothesis) {
      functions.judgeHypothesis({
        alarmArns: (props.hypothesis?.alarms ?? []).map((probe) => probe.alarm.alarmArn),
        metrics: hypothesis.probes.some((probe) => probe.kind === "Metric"),
        targetHealth: hypothesis.probes.some((probe) => probe.kind === "TargetHealth"),
        checkedAlarmArns: (props.hypothesis?.alarms ?? [])
          .filter((probe) => probe.stopOnFailure)
          .map((probe) => probe.alarm.alarmArn),
        checkedMetrics: hypothesis.probes.some((probe) => probe.kind === "Metric" && probe.sampling),
      });
    }
    for (const name of RECORD_WRITERS) {
      functions[name]?.addToRolePolicy(
        new iam.PolicyStatement({
          sid: "ExperimentRecords",
          actions: ["s3:GetObject", "s3:PutObject"],
          resources: [records.arnForObjects("*")],
        }),
      );
    }
    for (const name of RECORD_LISTERS) {
      functions[name]?.addToRolePolicy(
        new iam.PolicyStatement({
          sid: "ListExperimentRecords",
          actions: ["s3:ListBucket"],
          resources: [records.bucketArn],
        }),
      );
    }

    this.stateMachine = new sfn.StateMachine(this, "StateMachine", {
      comment:
        "EC2 HTTP reset peer: resets every inbound HTTP connection to one port of the targets, then restores them",
      definitionBody: sfn.DefinitionBody.fromChainable(
        buildDefinition(
          new Construct(this, "Definition"),
          functions,
          records,
          hypothesis && {
            // A literal of the definition, so that no execution's input can change what is probed.
            spec: stack.toJsonString(hypothesis),
            failExecution: props.hypothesis?.failExecution ?? true,
          },
        ),
      ),
      timeout: executionTimeout(this, this.document.stepTimeoutSeconds, props.maxSerialTargets ?? 10),
      tracingEnabled: true,
      logs: {
        destination: new logs.LogGroup(this, "StateMachineLogs", { retention: logRetention, removalPolicy }),
        level: sfn.LogLevel.ALL,
        includeExecutionData: true,
      },
    });

    functions.stopExecutionsOf(this.stateMachine);
    const lever = new SafetyLever(this, "SafetyLever", {
      stopExperiments: functions.stopExperiments,
      deadLetterQueue: this.cleanupDeadLetterQueue,
    });
    this.safetyLever = lever.parameter;
    this.safetyLeverRule = lever.rule;
    functions.useSafetyLever(lever.parameter);
    if (alarms.length) {
      this.alarmRule = new AlarmStop(this, "AlarmStop", {
        alarms,
        stopExperiments: functions.stopExperiments,
        deadLetterQueue: this.cleanupDeadLetterQueue,
      }).rule;
    }

    this.abortRule = new AbortCleanup(this, "AbortCleanup", {
      stateMachine: this.stateMachine,
      cleanup: functions.cleanup,
      deadLetterQueue: this.cleanupDeadLetterQueue,
    }).rule;

    this.schedules = new FaultSchedules(this, "Schedules", {
      stateMachine: this.stateMachine,
      schedules: props.schedules ?? [],
      defaults,
      enabled: props.schedulesEnabled ?? true,
    }).schedules;

    this.acknowledgeFindings();
  }

  /** Whether the hypothesis has metric probes, whose GetMetricData takes no resource. */
  private get judgesMetrics(): boolean {
    return Boolean(this.hypothesis?.metrics?.length);
  }

  private acknowledgeFindings(): void {
    acknowledge(
      this.recordsBucket,
      "AwsSolutions",
      "S1",
      "Only the fault's own functions and state machine read and write the records; CloudTrail data events are where to audit them.",
    );
    acknowledge(
      this.cleanupDeadLetterQueue,
      "AwsSolutions",
      "SQS3",
      "This queue is itself the dead-letter queue of the abort cleanup.",
    );
    acknowledge(
      this.cleanupDeadLetterQueue,
      "Serverless",
      "SQSRedrivePolicy",
      "This queue is itself the dead-letter queue of the abort cleanup: nothing consumes it to redrive from.",
    );
    acknowledge(
      this.stateMachine,
      "AwsSolutions",
      "IAM5[Resource::*]",
      "X-Ray tracing and log delivery to CloudWatch Logs (logs:CreateLogDelivery and the like) take no resource ARN.",
    );
    const records = this.recordsBucket;
    const recordObjects = (scope: IConstruct, arn: string) =>
      acknowledge(
        scope,
        "AwsSolutions",
        `IAM5[Resource::${nagResource(this, arn)}]`,
        "Each experiment's records are under a prefix named by its execution, unknown until it starts; the bucket holds nothing else.",
      );
    for (const name of RECORD_WRITERS) {
      const role = this.functions[name]?.role;
      if (role) recordObjects(role, records.arnForObjects("*"));
    }
    // The Map's ItemReader names the bucket by name rather than by ARN.
    recordObjects(this.stateMachine, `arn:${Aws.PARTITION}:s3:::${records.bucketName}/*`);
    // The note of the fault's end, which the state machine writes beside sampled probes.
    if (this.functions.sampleProbes)
      recordObjects(this.stateMachine, records.arnForObjects(`*/${FAULT_ENDED_RECORD}`));
    const executions = Stack.of(this).formatArn({
      service: "states",
      resource: "execution",
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      resourceName: Fn.select(6, Fn.split(":", this.stateMachine.stateMachineArn)),
    });
    for (const ofMapRun of [":*", "/Inject:*"]) {
      acknowledge(
        this.stateMachine,
        "AwsSolutions",
        `IAM5[Resource::${nagResource(this, executions + ofMapRun)}]`,
        "The Inject Map describes, stops and redrives its own child executions, whose names Step Functions makes at run time.",
      );
    }
    for (const reporter of [this.functions.report.role, this.functions.cleanup.role]) {
      if (reporter) {
        acknowledge(
          reporter,
          "AwsSolutions",
          "IAM5[Resource::*]",
          "cloudwatch:PutMetricData takes no resource ARN; the policy's cloudwatch:namespace condition holds it to the fault's own namespace." +
            (this.judgesMetrics
              ? " cloudwatch:GetMetricData takes none either: the hypothesis's metric probes read only the metrics fixed at deployment."
              : ""),
        );
      }
    }
    const prober = this.functions.checkSteadyState?.role;
    if (prober && this.judgesMetrics) {
      acknowledge(
        prober,
        "AwsSolutions",
        "IAM5[Resource::*]",
        "cloudwatch:GetMetricData takes no resource ARN: the hypothesis's metric probes read only the metrics fixed at deployment.",
      );
    }
    const stopper = this.functions.stopExperiments.role;
    if (stopper) {
      acknowledge(
        stopper,
        "AwsSolutions",
        `IAM5[Resource::${nagResource(this, executions + ":*")}]`,
        "The stop function stops and reads this state machine's own executions, whose names are made when each starts.",
      );
    }
    for (const fn of stateMachineFunctions(this.functions)) {
      acknowledge(
        this.stateMachine,
        "AwsSolutions",
        `IAM5[Resource::${nagResource(this, fn.functionArn)}:*]`,
        "CDK grants lambda:InvokeFunction on the function's versions and aliases too; the function is the one the task names.",
      );
    }
  }

  /** Lets a principal start experiments. */
  public grantStartExecution(grantee: iam.IGrantable): iam.Grant {
    return this.stateMachine.grantStartExecution(grantee);
  }

  /** Lets a principal engage and release the safety lever (ssm:PutParameter on it). */
  public grantPullSafetyLever(grantee: iam.IGrantable): iam.Grant {
    return this.safetyLever.grantWrite(grantee);
  }
}
