/**
 * The contract between the Lambda task handlers and the construct that wires them into the state
 * machine.
 *
 * Changes to the agreed contract:
 * - Stop-condition alarms are read with the function's own credentials in its own region, not with
 *   the fault's credentials in REGION: the alarms are named in the construct's props, so they live
 *   in the account and region the fault is deployed in. The check-progress function's role needs
 *   cloudwatch:DescribeAlarms; the fault role does not.
 * - The fault role also needs ssm:ListCommands and ssm:ListCommandInvocations (beyond the seed's
 *   list): progress is read per command, and the abort cleanup finds an experiment's commands.
 */

/** Environment variables the construct sets on every task function. */
export const ENVIRONMENT = {
  /** Name of the SSM Command document to send. */
  documentName: "DOCUMENT_NAME",
  /** The local role carrying the seed's EC2 and SSM actions. */
  faultRoleArn: "FAULT_ROLE_ARN",
  /** JSON object of construct-level tunable defaults, keyed by tunable key. */
  tunableDefaults: "TUNABLE_DEFAULTS",
  /** "key:value" that every target must carry, or empty. */
  optInTag: "OPT_IN_TAG",
  /** JSON array of CloudWatch alarm names. */
  stopConditionAlarms: "STOP_CONDITION_ALARMS",
  /** JSON array of the role ARNs ASSUME_ROLE_ARN may name. */
  allowedRoleArns: "ALLOWED_ROLE_ARNS",
  /** JSON array of the secret ARNs AWS_AUTHENTICATION_SECRET may name. */
  allowedSecretArns: "ALLOWED_SECRET_ARNS",
} as const;

/**
 * Error types the handlers throw, as Step Functions sees them (the `Error` field a Catch matches).
 * Every one means nothing more can be done by retrying.
 */
export const ERROR_NAMES = [
  "InvalidInputError",
  "TargetNotFoundError",
  "TargetNotReadyError",
  "TargetNotOptedInError",
  "TooManyTargetsError",
  "CredentialsError",
] as const;

export type ErrorName = (typeof ERROR_NAMES)[number];

/**
 * What every task needs of the experiment, so that none re-reads the input. It holds no instance
 * list: each state carries the plan, and the lists stay beside it, where only some states go.
 */
export interface Plan {
  /** The execution name, made to fit the document's ExperimentId pattern. */
  readonly experimentId: string;
  readonly region: string;
  /** Empty when none. */
  readonly assumeRoleArn: string;
  /** Empty when none. */
  readonly authenticationSecret: string;
  readonly sequence: "parallel" | "serial";
  readonly rampSeconds: number;
  readonly durationSeconds: number;
  readonly dryRun: boolean;
  /** Seconds to Wait between progress checks. */
  readonly pollSeconds: number;
  /** SendCommand Parameters for Action=Inject. */
  readonly documentParameters: Record<string, string[]>;
}

/** What resolve-targets decided: the plan, the targets, and the groups they are injected in. */
export interface ResolvedTargets {
  readonly plan: Plan;
  readonly targets: string[];
  /** Injected one after another: every target at once (parallel), or one instance each (serial). */
  readonly groups: string[][];
}

export interface ResolveTargetsEvent {
  readonly input: Record<string, unknown>;
  readonly executionName: string;
}

/** One SendCommand call: its command and the instances it went to. */
export interface CommandRef {
  readonly commandId: string;
  readonly instanceIds: string[];
}

export interface SendCommandEvent {
  readonly plan: Plan;
  readonly instanceIds: string[];
}

export interface SentCommands {
  readonly commands: CommandRef[];
}

export interface CheckProgressEvent {
  readonly plan: Plan;
  readonly commands: CommandRef[];
}

export interface InvocationFailure {
  readonly instanceId: string;
  readonly status: string;
  readonly reason: string;
}

export interface Progress {
  readonly state: "InProgress" | "Succeeded" | "Failed" | "AlarmTriggered";
  /** The alarm found in ALARM, when state is AlarmTriggered. */
  readonly alarm?: string;
  /** Every invocation that ended other than in Success, when state is Failed. */
  readonly failures?: InvocationFailure[];
}

/** Cleanup inside the state machine, after a failure or an alarm. */
export interface InFlowCleanupEvent {
  readonly plan: Plan;
  readonly commands: CommandRef[];
}

/** The fields cleanup reads of an EventBridge "Step Functions Execution Status Change" event. */
export interface ExecutionStatusChangeEvent {
  readonly "detail-type": "Step Functions Execution Status Change";
  readonly detail: {
    readonly status: string;
    /** The execution name. */
    readonly name: string;
    /** The execution input, as a JSON string. */
    readonly input: string | null;
    /** Epoch milliseconds. */
    readonly startDate?: number;
  };
}

export type CleanupEvent = InFlowCleanupEvent | ExecutionStatusChangeEvent;

export interface CleanupResult {
  /** Command IDs a CancelCommand was sent for. */
  readonly cancelled: string[];
  readonly cleanupCommands: CommandRef[];
}

export interface ReportEvent {
  readonly plan: Plan;
  readonly targets: string[];
  /** One entry per group injected (parallel: one; serial: one per instance). */
  readonly runs: { readonly commands: CommandRef[] }[];
  readonly cleanup?: unknown;
}

/** What happened on one instance, from the document's first line of output. */
export interface InstanceReport {
  readonly instanceId: string;
  readonly commandId: string;
  /** The SSM invocation status. */
  readonly status: string;
  readonly connectionsReset: number | null;
  readonly verified: boolean | null;
  readonly startedAt: string | null;
  readonly endedAt: string | null;
  readonly restored: boolean | null;
  readonly outcome: string | null;
  readonly error?: string;
}

export interface Report {
  readonly experimentId: string;
  readonly dryRun: boolean;
  readonly region: string;
  readonly targets: string[];
  readonly instances: InstanceReport[];
  readonly totals: {
    readonly instances: number;
    readonly succeeded: number;
    readonly failed: number;
    readonly connectionsReset: number;
  };
  /** Why there are no instance results, for a dry run. */
  readonly note?: string;
  readonly cleanup?: unknown;
}
