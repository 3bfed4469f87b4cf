/**
 * The windows a hypothesis is judged over: before the experiment starts, while the fault bites, and
 * after it ends, each taken from what happened rather than from the plan where the instances told.
 */
import type { InstanceReport, Plan } from "../contract";
import type { HypothesisSpec, ProbeSpec } from "../../lib/hypothesis/probe-spec";
import { windowsOf } from "./phases";

export interface Window {
  readonly from: Date;
  readonly to: Date;
}

/**
 * From the first injection to the last instance's restore, as the instances told; where none told,
 * from the end of the ramp up to `now`.
 */
export function faultWindow(plan: Plan, instances: readonly InstanceReport[], now: Date): Window {
  const times = (pick: (r: InstanceReport) => string | null) =>
    instances.flatMap((r) => (pick(r) ? [new Date(pick(r) as string).getTime()] : []));
  const starts = times((r) => r.startedAt);
  const ends = times((r) => r.endedAt);
  const planned = new Date(plan.startedAt).getTime() + plan.rampSeconds * 1000;
  const from = starts.length ? Math.min(...starts) : planned;
  // The instances tell whole seconds: a fault shorter than one still spans one, as GetMetricData
  // refuses a range that ends where it starts.
  return {
    from: new Date(from),
    to: new Date(Math.max(ends.length ? Math.max(...ends) : now.getTime(), from + 1000)),
  };
}

/** The Before window of a probe: the `seconds` up to the experiment's start. */
export const beforeWindow = (plan: { readonly startedAt: string }, seconds: number): Window => {
  const start = new Date(plan.startedAt);
  return { from: new Date(start.getTime() - seconds * 1000), to: start };
};

/** The After window of a probe: the `seconds` from the fault's end. */
export const afterWindow = (fault: Window, seconds: number): Window => ({
  from: fault.to,
  to: new Date(fault.to.getTime() + seconds * 1000),
});

/**
 * How long the state machine waits (or samples on) after the ramp down before the report judges: the
 * longest After window or time to be healthy again, and what an alarm expected to fire may still
 * take once the shortest fault has run.
 */
/**
 * How long after the fault's end a probe is judged: its After window, or the time a target has to
 * be healthy again; 0 for the others. The sampling loop samples each probe that long.
 */
export function afterSeconds(probe: ProbeSpec): number {
  if (probe.kind === "Metric" || probe.kind === "Http" || probe.kind === "Command") {
    return windowsOf(probe).includes("After") ? probe.windowSeconds : 0;
  }
  if (probe.kind === "TargetHealth") return probe.healthyAgainWithinSeconds ?? 0;
  return 0;
}

export function watchAfterSeconds(
  hypothesis: HypothesisSpec,
  timing: { readonly durationSeconds: number; readonly rampSeconds: number },
): number {
  const waits = hypothesis.probes.map((probe) =>
    probe.kind === "Alarm" && probe.expect === "Fires"
      ? probe.withinSeconds - timing.durationSeconds - timing.rampSeconds
      : afterSeconds(probe),
  );
  return Math.max(0, ...waits);
}
