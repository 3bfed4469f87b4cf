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
}

/** What the instances saw the real clients do, held to a bound. */
export interface ClientsProbeSpec extends ProbeSpecBase {
  readonly kind: "Clients";
  /** At most this many retries not safe to send again, over every instance. */
  readonly maxUnsafeRetries?: number;
  /** Every client reset seen again within this many seconds of the window's end. */
  readonly backWithinSeconds?: number;
}

export type ProbeSpec = AlarmProbeSpec | MetricProbeSpec | ClientsProbeSpec;

export type ProbeKind = ProbeSpec["kind"];

/** The whole hypothesis. */
export interface HypothesisSpec {
  /** What the team expects, in its own words. */
  readonly statement: string;
  readonly probes: ProbeSpec[];
}
