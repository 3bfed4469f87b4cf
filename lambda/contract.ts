/**
 * The contract between the Lambda task handlers and the construct that wires them into the state
 * machine: the events each task is given and what it returns.
 *
 * The names both sides spell are defined once in `lib/`, in modules that import nothing (a
 * handler's bundle takes in what it imports, and must not take in aws-cdk-lib): the functions'
 * environment variables (`lib/task-environment.ts`), the errors the handlers throw
 * (`lib/task-errors.ts`) and those an execution is stopped with (`lib/stop-errors.ts`), the
 * progress states (`lib/progress-states.ts`), the events the rules deliver (`lib/event-types.ts`),
 * the tunables (`lib/tunables.ts`), the metrics (`lib/fault-metrics.ts`), the safety lever's values
 * (`lib/safety-lever-states.ts`) and Step Functions' limits (`lib/execution-limits.ts`).
 *
 * Changes to the agreed contract:
 * - Stop-condition alarms are read with the function's own credentials in its own region, not with
 *   the fault's credentials in REGION: the alarms are named in the construct's props, so they live
 *   in the account and region the fault is deployed in. The check-progress function's role needs
 *   cloudwatch:DescribeAlarms; the fault role does not.
 * - The fault role also needs ssm:ListCommands and ssm:ListCommandInvocations (beyond the Harness fault's
 *   list): progress is read per command, and the abort cleanup finds an experiment's commands.
 * - An experiment's records (its targets, why it stopped, its report) are objects in a bucket of
 *   the construct, read and written with the functions' own roles: no state carries an instance
 *   list longer than one child execution's batch.
 */
import type { EVENT_TYPES } from "../lib/event-types";
import type { InjectionSequence } from "../lib/fault-tunables";
import type { ProgressState } from "../lib/progress-states";
import type {
  HttpProbeSpec,
  PhaseName,
  ProbeKind,
  ProbeOutcome,
  VerdictResult,
} from "../lib/hypothesis/probe-spec";

/**
 * What every task needs of the experiment, so that none re-reads the input. It holds no instance
 * list: each state carries the plan, and the targets are an object in the records bucket.
 */
export interface Plan {
  /** The execution name, made to fit the document's ExperimentId pattern. */
  readonly experimentId: string;
  /** When the execution started (ISO 8601): the experiment's commands are sent after it. */
  readonly startedAt: string;
  /** The prefix of the experiment's objects in the records bucket, ending in "/". */
  readonly records: string;
  readonly region: string;
  /** Empty when none. */
  readonly assumeRoleArn: string;
  /** Empty when none. */
  readonly authenticationSecret: string;
  /** The SEQUENCE tunable's value. */
  readonly sequence: `${InjectionSequence}`;
  readonly rampSeconds: number;
  readonly durationSeconds: number;
  readonly dryRun: boolean;
  /** Seconds to Wait between progress checks. */
  readonly pollSeconds: number;
  /** Instances per child execution: 1 (serial) or up to PARALLEL_BATCH. */
  readonly batchSize: number;
  /** Child executions that run at once: 1 (serial) or all of them. */
  readonly batchConcurrency: number;
  /** SendCommand Parameters for Action=Inject. */
  readonly documentParameters: Record<string, string[]>;
  /**
   * Seconds the state machine waits after the fault before the report judges the hypothesis: the
   * longest After window, and what an alarm expected to fire may still take. 0 without a hypothesis.
   */
  readonly watchAfterSeconds: number;
}

/** One line of the targets object: what each child execution receives a batch of. */
export interface TargetItem {
  readonly instanceId: string;
}

/** Where the targets are: a JSON array of TargetItem in the records bucket. */
export interface TargetsObject {
  readonly key: string;
  readonly count: number;
}

/** What resolve-targets decided: the plan, and the targets it wrote. */
export interface ResolvedTargets {
  readonly plan: Plan;
  readonly targets: TargetsObject;
}

export interface ResolveTargetsEvent {
  readonly input: Record<string, unknown>;
  /**
   * The hypothesis the construct was given, as JSON (a HypothesisSpec): a literal of the state
   * machine's definition, never the execution's input. Absent without one.
   */
  readonly hypothesis?: string;
  readonly executionName: string;
  /** The execution's start time, as the context object gives it. */
  readonly startTime: string;
}

/** One SendCommand call: its command and the instances it went to. */
export interface CommandRef {
  readonly commandId: string;
  readonly instanceIds: string[];
  /** Which delivery of the fault to these instances it is, when not the first (see MAX_DELIVERIES). */
  readonly attempt?: number;
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
  readonly state: ProgressState;
  /** The alarm found in ALARM, when state is AlarmTriggered. */
  readonly alarm?: string;
  /** The safety lever's parameter, when state is LeverEngaged. */
  readonly lever?: string;
  /**
   * When state is Failed: how many invocations ended other than in Success, and the first
   * FAILURES_LISTED of them (the list becomes the execution's Cause, which holds 32,768 characters).
   */
  readonly failed?: number;
  readonly failures?: InvocationFailure[];
  /**
   * When the fault was sent again to instances whose agent could not fetch the program (state
   * InProgress): the commands to watch from now on, those sent again among them.
   */
  readonly commands?: CommandRef[];
}

/** Why the fault stopped early, as a Catch's output or a Fail state carries it. */
export interface StopCause {
  readonly Error: string;
  readonly Cause: string;
}

/** Cleanup inside the state machine, after a failure or an alarm. */
export interface InFlowCleanupEvent {
  readonly plan: Plan;
  readonly commands: CommandRef[];
  /** Why the fault stopped; the first cause recorded for the experiment is the one reported. */
  readonly stop: StopCause;
  /**
   * A child execution's batch: it undoes its own instances only, and its parent the whole
   * experiment once the Map Run has stopped the other children.
   */
  readonly instanceIds?: string[];
}

/** The fields stop-experiments reads of an EventBridge "CloudWatch Alarm State Change" event. */
export interface AlarmStateChangeEvent {
  readonly "detail-type": typeof EVENT_TYPES.alarmStateChange;
  /** When CloudWatch changed the alarm's state (ISO 8601). */
  readonly time: string;
  readonly detail: {
    readonly alarmName: string;
    readonly state: { readonly value: string; readonly reason: string };
  };
}

/** The fields stop-experiments reads of an EventBridge "Parameter Store Change" event. */
export interface ParameterChangeEvent {
  readonly "detail-type": typeof EVENT_TYPES.parameterChange;
  /** When the parameter changed (ISO 8601). */
  readonly time: string;
  readonly detail: { readonly name: string; readonly operation: string };
}

/** What invokes stop-experiments: a stop-condition alarm, or the safety lever. */
export type StopExperimentsEvent = AlarmStateChangeEvent | ParameterChangeEvent;

/** What stop-experiments did: the executions it stopped, and how each was undone. */
export interface StoppedExperiments {
  readonly stopped: { readonly executionArn: string; readonly cleanup: CleanupResult }[];
}

/** The fields cleanup reads of an EventBridge "Step Functions Execution Status Change" event. */
export interface ExecutionStatusChangeEvent {
  readonly "detail-type": typeof EVENT_TYPES.executionStatusChange;
  readonly detail: {
    readonly status: string;
    /** The execution name. */
    readonly name: string;
    /** The execution input, as a JSON string. */
    readonly input: string | null;
    /** Epoch milliseconds. */
    readonly startDate?: number;
    /** What a StopExecution gave, or the failure's; null when none. */
    readonly error?: string | null;
    readonly cause?: string | null;
  };
}

export type CleanupEvent = InFlowCleanupEvent | ExecutionStatusChangeEvent;

/** A command sent to many instances, counted rather than listed where a state carries it. */
export interface CommandCount {
  readonly commandId: string;
  readonly instances: number;
}

export interface CleanupResult {
  /** Command IDs a CancelCommand was sent for. */
  readonly cancelled: string[];
  /** The Cleanup commands sent: the state machine keeps this, so the instances are counted, not listed. */
  readonly cleanupCommands: CommandCount[];
  /**
   * Inside the state machine, the experiment's first recorded stop cause: a child execution's own
   * (an alarm, a failed command) rather than its parent's news that a child failed.
   */
  readonly stop?: StopCause;
}

export interface ReportEvent {
  readonly plan: Plan;
  readonly targets: TargetsObject;
  /** The execution's input, as the context object gives it. */
  readonly input: Record<string, unknown>;
  /** Why the experiment stopped early: absent when it ran to its end (or was a dry run). */
  readonly stop?: StopCause;
  /** What the cleanup of a stopped experiment cancelled and sent. */
  readonly cleanup?: CleanupResult;
}

/**
 * Connections one instance reset over time: `counts[i]` in the `step` seconds from
 * `start + i × step`. Buckets are whole seconds of UTC, coarser for long windows so that the
 * document's summary line stays within what SSM returns of its output.
 */
export interface ResetSeries {
  /** The first bucket's start, a whole second of UTC (ISO 8601). */
  readonly start: string;
  /** Seconds each bucket spans. */
  readonly step: number;
  readonly counts: number[];
}

/** A duration's median and maximum, in milliseconds. */
export interface Spread {
  readonly p50: number;
  readonly max: number;
}

/** One of the clients with the most unsafe retries. */
export interface TopClient {
  /** Its address: the peer's, or the last X-Forwarded-For entry. */
  readonly client: string;
  readonly unsafeRetries: number;
  readonly retries: number;
  /** From the window's end to its first new connection; null when not seen again or not watched. */
  readonly reconnectMs: number | null;
}

/**
 * What the clients the fault reset did, as the instance saw it (docs/how-it-works.md, "What the
 * clients did"). Each key is always there; null where it is not known.
 */
export interface ClientsSummary {
  /** Clients reset. */
  readonly seen: number;
  /** Requests they sent again within 30 s of a reset (under RESET_AT=connect, reconnections). */
  readonly retries: number;
  /** Retries not safe to send again (not idempotent, no idempotency key), by method; null under RESET_AT=connect. */
  readonly unsafeRetries: Record<string, number> | null;
  readonly retryDelayMs: Spread | null;
  /** Connections a second during the window over the rate after it. */
  readonly amplification: number | null;
  /** Clients seen again within OBSERVE_RECOVERY_SECONDS, and those not; null when nothing watched. */
  readonly reconnected: number | null;
  readonly reconnectMs: Spread | null;
  readonly notSeenAgain: number | null;
  readonly top: TopClient[];
}

/**
 * What the clients did over every instance: the counts added up, the longest delays, and the clients
 * with the most unsafe retries of all, each with its instance. A client that reached several
 * instances counts once on each.
 */
export interface ClientsTotals {
  /** Instances that told what their clients did. */
  readonly instances: number;
  readonly seen: number;
  readonly retries: number;
  readonly unsafeRetries: Record<string, number>;
  readonly reconnected: number;
  readonly notSeenAgain: number;
  /** The longest from a reset to a retry, and from the window's end to a client's return; null when none. */
  readonly retryDelayMsMax: number | null;
  readonly reconnectMsMax: number | null;
  /** The highest of the instances' amplification; null when none knew it. */
  readonly amplificationMax: number | null;
  readonly top: (TopClient & { readonly instanceId: string })[];
}

/**
 * One client's row of an instance's full table, printed after the summary line (docs/report.md,
 * "What the clients did").
 */
export interface ClientRow {
  readonly instanceId: string;
  /** Its address: the peer's, or the last X-Forwarded-For entry. */
  readonly client: string;
  /** Its connections to the port during the window, and those of them reset. */
  readonly connections: number;
  readonly resets: number;
  readonly retries: number;
  readonly unsafeRetries: Record<string, number>;
  /** "METHOD /path" of its first unsafe retries, the query string left out. */
  readonly unsafeRequests: string[];
  /** From each reset to its retry, for its first retries. */
  readonly retryDelaysMs: number[];
  /** Its connections a second during the window over its rate after it; null when not known. */
  readonly amplification: number | null;
  /** From the window's end to its first new connection; null when not seen again or not watched. */
  readonly reconnectMs: number | null;
  readonly connectionsAfter: number;
}

/**
 * The clients' rows of the instances with the most unsafe retries: the report reads the full output
 * of at most CLIENT_TABLE_INSTANCES instances (a GetCommandInvocation each), whatever the fleet's
 * size.
 */
export interface ClientsTable {
  /** Instances whose rows were read, of those that told of their clients. */
  readonly instancesRead: number;
  readonly instancesWithClients: number;
  /** At most CLIENT_TABLE_ROWS, the most unsafe retries first. */
  readonly rows: ClientRow[];
  /** Why some rows could not be read (an instance's output gone, a call refused). */
  readonly error?: string;
}

/** What happened on one instance, from the document's first line of output. */
export interface InstanceReport {
  readonly instanceId: string;
  readonly commandId: string;
  /** The SSM invocation status. */
  readonly status: string;
  /** Connections reset: from remote peers and from the instance itself, the self-check excluded. */
  readonly connectionsReset: number | null;
  readonly remoteConnectionsReset: number | null;
  readonly localConnectionsReset: number | null;
  /** Connections RESET_PERCENTAGE let through to the service untouched (0 at 100). */
  readonly connectionsSpared: number | null;
  /**
   * Requests whose head was read, by method ("GET" ... "TRACE", "other"), the self-check's
   * excluded: those reset (or whose response was cut), and those passed on to the service under
   * RESET_METHODS, RESET_PATHS or RESET_AT=response. Null when the document told none.
   */
  readonly requestsReset: Record<string, number> | null;
  readonly requestsForwarded: Record<string, number> | null;
  /**
   * What remote clients met: "Reset"; "NoRemoteClients" (none connected during the window);
   * "NotMatched" (they connected, and none of their requests matched RESET_METHODS or RESET_PATHS);
   * "InterceptedNotReset" (they connected, and something on the instance dropped them before the
   * reset); "Unknown" (the fault's warden was killed before it could tell).
   */
  readonly remoteTraffic: string | null;
  readonly verified: boolean | null;
  /** What showed that the fault bit: "remote peers", "localhost". */
  readonly verifiedBy: string[] | null;
  readonly startedAt: string | null;
  readonly endedAt: string | null;
  readonly restored: boolean | null;
  readonly outcome: string | null;
  /** Connections reset over the window, the self-check excluded; null when the document told none. */
  readonly resetSeries: ResetSeries | null;
  /** What its clients did; null when the document told none (its proxy was killed, or it failed). */
  readonly clients: ClientsSummary | null;
  readonly error?: string;
}

/** The experiment's whole report, written to the records bucket as report.json. */
export interface Report {
  readonly experimentId: string;
  readonly dryRun: boolean;
  readonly region: string;
  /** The execution's input. */
  readonly input: Record<string, unknown>;
  /** When the execution started, and when the report was written (ISO 8601). */
  readonly startedAt: string;
  readonly reportedAt: string;
  /** Why the experiment stopped early, when it did. */
  readonly stop?: StopCause;
  /** What the cleanup of a stopped experiment cancelled and sent. */
  readonly cleanup?: CleanupResult;
  readonly targets: string[];
  readonly instances: InstanceReport[];
  readonly totals: {
    readonly targets: number;
    readonly instances: number;
    readonly succeeded: number;
    readonly failed: number;
    readonly connectionsReset: number;
    readonly remoteConnectionsReset: number;
    readonly connectionsSpared: number;
    /** Requests reset and passed on, by method, over every instance. */
    readonly requestsReset: Record<string, number>;
    readonly requestsForwarded: Record<string, number>;
    /** How many instances' remote clients met each outcome (see InstanceReport.remoteTraffic). */
    readonly remoteTraffic: Record<string, number>;
    /** What the clients did, over every instance that told (see ClientsTotals). */
    readonly clients: ClientsTotals;
  };
  /** The clients' rows the report read; absent when no instance told of its clients. */
  readonly clients?: ClientsTable;
  /** Why there are no instance results, for a dry run. */
  readonly note?: string;
  /** The verdict on the hypothesis the fault was deployed with; absent without one. */
  readonly verdict?: Verdict;
}

/** An instance as the execution's output lists it: its series is in the report, the page and the metrics. */
export type InstanceSummary = Omit<InstanceReport, "resetSeries">;

/**
 * The execution's output: the report with its lists cut to OUTPUT_LIST_LIMIT entries (instances
 * that failed first), without the instances' series (they would take 256 KiB's output a long window
 * at a time) and the clients' rows (the totals name the top clients), and where the whole of it is.
 */
export interface ReportSummary extends Omit<Report, "instances" | "clients"> {
  readonly instances: InstanceSummary[];
  /** s3://bucket/key of the whole report. */
  readonly reportObject: string;
  /** s3://bucket/key of the report as a page to look at (HTML, self-contained). */
  readonly reportPage: string;
  /** The S3 console's page of that object, from which it opens. */
  readonly reportPageConsoleUrl: string;
  /** Whether `targets` or `instances` holds fewer entries than the whole report. */
  readonly listsCut: boolean;
}

/** What one probe found over one window of a phase. */
export interface ProbeWindow {
  readonly phase: "Before" | "During" | "After";
  readonly from: string;
  readonly to: string;
  readonly outcome: ProbeOutcome;
  /** What decided it, in words. */
  readonly reason: string;
}

/** What one probe concluded, and the evidence that decided it. */
export interface ProbeResult {
  readonly name: string;
  readonly kind: ProbeKind;
  /** When it was judged: the metric's phase; Continuously for alarms that must stay OK, During for those that must fire. */
  readonly phase: PhaseName;
  readonly weight: number;
  readonly outcome: ProbeOutcome;
  /** What decided it, in words. */
  readonly reason: string;
  /** The figures that decided it: times, counts, values, as each kind has them. */
  readonly evidence: Record<string, unknown>;
  /** Each window it was judged over, for those judged over windows. */
  readonly windows?: ProbeWindow[];
}

/** The verdict on the hypothesis (docs/hypothesis.md). */
export interface Verdict {
  readonly result: VerdictResult;
  /** 0-100: the weighted share of the probes judged that passed. */
  readonly score: number;
  readonly statement: string;
  /** Whether the steady state held before anything was injected. */
  readonly steadyStateHeld: boolean;
  /** One sentence: the result, the score and the probes that decided it. */
  readonly summary: string;
  readonly probes: ProbeResult[];
}

/** What the steady-state check found: whether to inject. */
export interface SteadyState {
  readonly holds: boolean;
  /** The probes that did not pass before the experiment, by name. */
  readonly notPassed: string[];
}

export interface SteadyStateEvent {
  readonly plan: Plan;
}

/** One HTTP probe's sample: the last attempt's answer, and whether it passed. */
export interface HttpSample {
  readonly probe: string;
  readonly kind: "Http";
  readonly at: string;
  readonly passed: boolean;
  /** Why it failed, in a few words ("status 503", "ECONNRESET"). */
  readonly why?: string;
  readonly status?: number;
  readonly error?: string;
  readonly latencyMs: number;
  /** 1, or more when failed attempts were tried again. */
  readonly attempts: number;
}

/** One target-health probe's sample: the state of each instance of the experiment in the group. */
export interface TargetHealthSample {
  readonly probe: string;
  readonly kind: "TargetHealth";
  readonly at: string;
  /** By instance ID: healthy, unhealthy, initial, draining, unused, unavailable. */
  readonly states: Record<string, string>;
  /** Why the group could not be read. */
  readonly error?: string;
}

/** One command probe's sample: how the command did on each instance it ran on. */
export interface CommandSample {
  readonly probe: string;
  readonly kind: "Command";
  readonly at: string;
  readonly passed: boolean;
  /** Why it failed, in a few words ("i-0abc: Failed (exit 1)", "i-0abc: output matched /reset/"). */
  readonly why?: string;
  /** The instances it ran on. */
  readonly instances: number;
  /** Those where it did not pass, the first few. */
  readonly notPassed: string[];
  /** The first output that did not pass, its first 200 characters. */
  readonly output?: string;
  readonly attempts: number;
  /** Why the sample could not be taken at all (SSM refused it, say): judged as no sample. */
  readonly unread?: string;
}

/**
 * An alarm or metric probe's check while the fault runs (with stopOnFailure): whether it held, and
 * an alarm's state. The verdict judges these probes afterwards, from CloudWatch, not from checks.
 */
export interface CheckSample {
  readonly probe: string;
  readonly kind: "Alarm" | "Metric";
  readonly at: string;
  readonly passed: boolean;
  readonly why?: string;
  /** An alarm's state when checked. */
  readonly state?: string;
}

export type ProbeSample = HttpSample | TargetHealthSample | CommandSample | CheckSample;

/** What the HTTP probes' function is asked: the probes to sample now, as the hypothesis fixed them. */
export interface ProbeHttpEvent {
  readonly probes: HttpProbeSpec[];
}

export interface ProbeHttpResult {
  readonly samples: HttpSample[];
}

/** Where the sampling loop stands: the sampler's result, handed back to it each round. */
export interface SamplingState {
  /** Rounds of samples taken so far. */
  readonly round: number;
  /** When each probe is due next (ISO 8601), by name; absent before the first round. */
  readonly due?: Record<string, string>;
  /** Whether the loop is over: the watch after the fault has passed, or the rounds ran out. */
  readonly done?: boolean;
  /** Seconds until the next round. */
  readonly waitSeconds?: number;
  /** When a probe with stopOnFailure failed while the fault ran: the stop path's {Error, Cause}. */
  readonly stop?: { readonly Error: string; readonly Cause: string };
  /** When the loop's first round ran: the ramp up's start. */
  readonly startedAt?: string;
  /** Per probe with stopOnFailure: its samples while the fault ran, and what they showed. */
  readonly during?: Record<string, DuringTally>;
}

/** A probe's samples while the fault ran: how many, how many failed, whether an instance was out. */
export interface DuringTally {
  readonly samples: number;
  readonly failed: number;
  readonly out: boolean;
}

export interface SampleProbesEvent {
  readonly plan: Plan;
  readonly sampling: SamplingState;
}
