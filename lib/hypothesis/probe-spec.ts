/**
 * A hypothesis as the construct renders it at synthesis and the handlers read it: each probe fixed,
 * with the names, thresholds and windows the props gave. Nothing here comes from an execution's
 * input. This module imports nothing: the handlers' bundles take it in.
 */

/** When a probe is judged, relative to the fault (ProbePhase's values). */
export type PhaseName = "Before" | "During" | "After" | "BeforeAndAfter" | "Continuously";

/** What a probe concluded: Skipped when its phase never came (a dry run, a steady state that failed). */
export type ProbeOutcome = "Passed" | "Failed" | "Inconclusive" | "Skipped";

/** The verdict on the whole hypothesis. */
export type VerdictResult = "Passed" | "Failed" | "Inconclusive";

export const VERDICT_RESULTS = {
  passed: "Passed",
  failed: "Failed",
  inconclusive: "Inconclusive",
} as const satisfies Record<string, VerdictResult>;

/** What every probe has. */
interface ProbeSpecBase {
  readonly name: string;
  /** Its share of the score, against the others' weights. */
  readonly weight: number;
}

/** An alarm that must stay OK throughout, or must go to ALARM within some time of the fault's start. */
export interface AlarmProbeSpec extends ProbeSpecBase {
  readonly kind: "Alarm";
  readonly alarmName: string;
  readonly expect: "StaysOk" | "Fires";
  /** For Fires: how long after the fault's start the alarm may take. */
  readonly withinSeconds: number;
  /** With stopOnFailure: how the alarm is checked while the fault runs. */
  readonly sampling?: SamplingSpec;
}

/** One query of GetMetricData, as its API spells it. */
export interface MetricQuerySpec {
  readonly Id: string;
  readonly ReturnData: boolean;
  readonly MetricStat?: {
    readonly Metric: {
      readonly Namespace: string;
      readonly MetricName: string;
      readonly Dimensions: { readonly Name: string; readonly Value: string }[];
    };
    readonly Period: number;
    readonly Stat: string;
  };
  readonly Expression?: string;
  readonly Period?: number;
  readonly Label?: string;
}

export type ComparisonName = "GreaterThan" | "GreaterThanOrEqual" | "LessThan" | "LessThanOrEqual";

/** A metric, or metric math, whose every value over the phase's window must compare so to the threshold. */
export interface MetricProbeSpec extends ProbeSpecBase {
  readonly kind: "Metric";
  readonly phase: PhaseName;
  /** The queries, exactly one of them returning data: the value judged. */
  readonly queries: MetricQuerySpec[];
  readonly comparison: ComparisonName;
  readonly threshold: number;
  /** How far before the experiment's start the Before window reaches, and after the fault's end the After window. */
  readonly windowSeconds: number;
  /** The value a period without a datapoint counts as; absent, such a window is Inconclusive. */
  readonly missingDataValue?: number;
  /** With stopOnFailure: how the metric is checked while the fault runs. */
  readonly sampling?: SamplingSpec;
}

/** What the instances saw the real clients do, held to a bound. */
export interface ClientsProbeSpec extends ProbeSpecBase {
  readonly kind: "Clients";
  /** At most this many retries not safe to send again, over every instance. */
  readonly maxUnsafeRetries?: number;
  /** Every client reset seen again within this many seconds of the window's end. */
  readonly backWithinSeconds?: number;
}

/**
 * How a sampled probe (HTTP, target health) is taken: Harness's and Litmus's run properties. A
 * sample that fails is tried again `retries` times before it counts as failed.
 */
export interface SamplingSpec {
  readonly intervalSeconds: number;
  readonly timeoutSeconds: number;
  readonly retries: number;
  /** How long after the phase's start the first sample is taken. */
  readonly initialDelaySeconds: number;
  /** Whether a failure while the fault runs stops it, by the stop path the stop-condition alarms use. */
  readonly stopOnFailure: boolean;
}

/** Status codes from `from` to `to`, both included. */
export interface StatusRange {
  readonly from: number;
  readonly to: number;
}

/** One HTTP request, as the HTTP probe function sends it: to this URL alone, no redirect followed. */
export interface HttpRequestSpec {
  readonly url: string;
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
}

/** What one HTTP exchange must show to pass. */
export interface HttpExpectationSpec {
  readonly statusRanges: StatusRange[];
  /** A JavaScript regular expression the first 64 KiB of the response body must match. */
  readonly bodyPattern?: string;
  /** The most milliseconds from the request's start to the response body's end. */
  readonly maxLatencyMs?: number;
}

/** The end user's view: a request sampled over the probe's phase, a share of which must pass. */
export interface HttpProbeSpec extends ProbeSpecBase {
  readonly kind: "Http";
  readonly phase: PhaseName;
  readonly request: HttpRequestSpec;
  readonly expect: HttpExpectationSpec;
  /** The share of samples (0-1) in each window that must pass. */
  readonly successRate: number;
  /** How long the After window lasts from the fault's end. */
  readonly windowSeconds: number;
  readonly sampling: SamplingSpec;
}

/** The load balancer's view of the experiment's instances in one target group, over the experiment. */
export interface TargetHealthProbeSpec extends ProbeSpecBase {
  readonly kind: "TargetHealth";
  readonly targetGroupArn: string;
  /** Each instance of the experiment in the group is no longer healthy within this many seconds of the fault's start. */
  readonly takenOutWithinSeconds?: number;
  /** Each is healthy again within this many seconds of the fault's end. */
  readonly healthyAgainWithinSeconds?: number;
  readonly sampling: SamplingSpec;
}

/**
 * A command run on the experiment's instances through the fault's probe document, its output held
 * to patterns. The command itself is in the document alone: the spec names the probe.
 */
export interface CommandProbeSpec extends ProbeSpecBase {
  readonly kind: "Command";
  readonly phase: PhaseName;
  /** A JavaScript regular expression each instance's output must match. */
  readonly outputMatches?: string;
  /** One each instance's output must not match. */
  readonly outputDoesNotMatch?: string;
  /** The share of samples (0-1) in each window that must pass. */
  readonly successRate: number;
  /** How long the After window lasts from the fault's end. */
  readonly windowSeconds: number;
  readonly sampling: SamplingSpec;
}

export type ProbeSpec =
  | AlarmProbeSpec
  | MetricProbeSpec
  | ClientsProbeSpec
  | HttpProbeSpec
  | TargetHealthProbeSpec
  | CommandProbeSpec;

/** The most rounds of samples one experiment takes: each writes about nine events to its history. */
export const MAX_SAMPLING_ROUNDS = 1000;

/**
 * The alarm and metric probes with stopOnFailure, checked while the fault runs to stop it; they are
 * judged afterwards as the others of their kind are.
 */
export type CheckedProbeSpec = (AlarmProbeSpec | MetricProbeSpec) & { readonly sampling: SamplingSpec };

/** The probes the state machine's sampling loop takes while the experiment runs. */
export type SampledProbeSpec = HttpProbeSpec | TargetHealthProbeSpec | CommandProbeSpec | CheckedProbeSpec;

export const isSampled = (probe: ProbeSpec): probe is SampledProbeSpec =>
  probe.kind === "Http" ||
  probe.kind === "TargetHealth" ||
  probe.kind === "Command" ||
  ((probe.kind === "Alarm" || probe.kind === "Metric") && probe.sampling !== undefined);

/** The sampled probes judged by the share of their samples that pass in each window. */
export type RatedProbeSpec = HttpProbeSpec | CommandProbeSpec;

export type ProbeKind = ProbeSpec["kind"];

/** The whole hypothesis. */
export interface HypothesisSpec {
  /** What the team expects, in its own words. */
  readonly statement: string;
  readonly probes: ProbeSpec[];
}
