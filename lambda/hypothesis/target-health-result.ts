/**
 * A target-health probe's result, from the samples of its group: each instance of the experiment
 * registered in it was healthy before the fault (the steady state), left the healthy state within
 * `takenOutWithinSeconds` of its own fault's start, and was healthy again within
 * `healthyAgainWithinSeconds` of its own fault's end, as the instances told those times. The times
 * measured are the evidence; they are as precise as the probe's interval.
 */
import type { TargetHealthProbeSpec } from "../../lib/hypothesis/probe-spec";
import type { InstanceReport, ProbeResult, ProbeWindow, TargetHealthSample } from "../contract";
import { combined } from "./outcomes";
import type { Window } from "./windows";

/** What one instance went through. */
interface Course {
  readonly instanceId: string;
  /** Its own fault's window. */
  readonly window: Window;
  readonly takenOutAfterSeconds: number | null;
  readonly healthyAgainAfterSeconds: number | null;
  /**
   * The states sampled, each change once: ["healthy", "unhealthy", "healthy"]; the first
   * MAX_STATES_TOLD of them, so that a target that flaps keeps the verdict within bounds.
   */
  readonly states: string[];
}

const at = (sample: TargetHealthSample): number => new Date(sample.at).getTime();

const MAX_STATES_TOLD = 10;

function courseOf(id: string, samples: readonly TargetHealthSample[], window: Window): Course {
  const seen = samples.filter((s) => id in s.states);
  const states = seen
    .map((s) => s.states[id])
    .filter((state, i, all) => i === 0 || all[i - 1] !== state)
    .slice(0, MAX_STATES_TOLD);
  const out = seen.find((s) => at(s) >= window.from.getTime() && s.states[id] !== "healthy");
  const back = seen.find(
    (s) => at(s) >= window.to.getTime() && (!out || at(s) > at(out)) && s.states[id] === "healthy",
  );
  return {
    instanceId: id,
    window,
    takenOutAfterSeconds: out ? Math.round((at(out) - window.from.getTime()) / 1000) : null,
    healthyAgainAfterSeconds: back ? Math.max(0, Math.round((at(back) - window.to.getTime()) / 1000)) : null,
    states,
  };
}

/** Each instance's own fault window, as it told; the whole fault's where it did not. */
function windowOf(id: string, instances: readonly InstanceReport[], fault: Window): Window {
  const told = instances.find((r) => r.instanceId === id);
  return {
    from: told?.startedAt ? new Date(told.startedAt) : fault.from,
    to: told?.endedAt ? new Date(told.endedAt) : fault.to,
  };
}

/**
 * A bound on every instance's time: Passed when each made it; Failed when one was measured late, or
 * never made it though the samples went on past its limit; otherwise Inconclusive, as the samples
 * stopped before its limit ran out.
 */
function bound(
  phase: "During" | "After",
  limit: number | undefined,
  courses: readonly Course[],
  lastSample: number,
  verb: string,
): ProbeWindow | undefined {
  if (limit === undefined) return undefined;
  const timeOf = (c: Course) => (phase === "During" ? c.takenOutAfterSeconds : c.healthyAgainAfterSeconds);
  const startOf = (c: Course) => (phase === "During" ? c.window.from : c.window.to).getTime();
  const from = Math.min(...courses.map(startOf));
  const base = {
    phase,
    from: new Date(from).toISOString(),
    to: new Date(Math.max(...courses.map(startOf)) + limit * 1000).toISOString(),
  };
  const late = courses.filter((c) => timeOf(c) === null || (timeOf(c) as number) > limit);
  if (!late.length) {
    const worst = Math.max(...courses.map((c) => timeOf(c) as number));
    return {
      ...base,
      outcome: "Passed",
      reason: `every instance ${verb} within ${worst} s (${limit} s allowed)`,
    };
  }
  const names = late.map((c) => c.instanceId).join(", ");
  const undecided = late.every((c) => timeOf(c) === null && lastSample < startOf(c) + limit * 1000);
  if (undecided)
    return { ...base, outcome: "Inconclusive", reason: `sampling ended before ${names} ${verb}` };
  return { ...base, outcome: "Failed", reason: `${names} not ${verb} within ${limit} s` };
}

/** The probe's result, its name, kind, phase and weight filled in. */
const result = (
  probe: TargetHealthProbeSpec,
  outcome: ProbeResult["outcome"],
  reason: string,
  evidence: Record<string, unknown>,
  windows: ProbeWindow[],
): ProbeResult => ({
  name: probe.name,
  kind: "TargetHealth",
  phase: "Continuously",
  weight: probe.weight,
  outcome,
  reason,
  evidence,
  windows,
});

/**
 * The steady-state part: every instance of the experiment in the group healthy before the fault,
 * the load balancer having them all in.
 */
export function targetHealthSteadyState(
  probe: TargetHealthProbeSpec,
  sample: TargetHealthSample,
): ProbeResult {
  const states = Object.entries(sample.states);
  const notHealthy = states.filter(([, state]) => state !== "healthy");
  const [outcome, reason] = sample.error
    ? (["Inconclusive", `the group could not be read: ${sample.error}`] as const)
    : !states.length
      ? (["Inconclusive", "no instance of the experiment is registered in the group"] as const)
      : notHealthy.length
        ? ([
            "Failed",
            `not healthy before the fault: ${notHealthy.map(([id, state]) => `${id} (${state})`).join(", ")}`,
          ] as const)
        : (["Passed", `${states.length} instances of the experiment healthy in the group`] as const);
  return result(
    probe,
    outcome,
    `Before: ${reason}`,
    { targetGroupArn: probe.targetGroupArn, statesBefore: sample.states },
    [{ phase: "Before", from: sample.at, to: sample.at, outcome, reason }],
  );
}

export function judgeTargetHealth(
  probe: TargetHealthProbeSpec,
  samples: readonly TargetHealthSample[],
  { fault, before, instances }: { fault: Window; before?: ProbeResult; instances: readonly InstanceReport[] },
): ProbeResult {
  const read = samples.filter((s) => !s.error);
  const ids = [...new Set(read.flatMap((s) => Object.keys(s.states)))].sort();
  const courses = ids.map((id) => courseOf(id, read, windowOf(id, instances, fault)));
  const lastSample = Math.max(0, ...read.map(at));
  const windows: ProbeWindow[] = [];
  const beforeWindow = before?.windows?.find((w) => w.phase === "Before");
  if (beforeWindow) windows.push(beforeWindow);
  if (!ids.length) {
    const reason = samples.length
      ? `no instance of the experiment was found in the group${samples.some((s) => s.error) ? ` (${samples.find((s) => s.error)?.error})` : ""}`
      : "no sample was taken";
    windows.push({
      phase: "During",
      from: fault.from.toISOString(),
      to: fault.to.toISOString(),
      outcome: "Inconclusive",
      reason,
    });
  } else {
    const during = bound("During", probe.takenOutWithinSeconds, courses, lastSample, "taken out");
    const after = bound("After", probe.healthyAgainWithinSeconds, courses, lastSample, "healthy again");
    windows.push(...[during, after].flatMap((w) => (w ? [w] : [])));
  }
  const outcome = combined(windows.map((w) => w.outcome));
  const deciding = windows.find((w) => w.outcome === outcome) ?? windows.at(-1);
  const maxOf = (pick: (c: Course) => number | null) => {
    const values = courses.map(pick).filter((v): v is number => v !== null);
    return values.length ? Math.max(...values) : null;
  };
  return result(
    probe,
    outcome,
    deciding ? `${deciding.phase}: ${deciding.reason}` : "not judged",
    {
      targetGroupArn: probe.targetGroupArn,
      sampleIntervalSeconds: probe.sampling.intervalSeconds,
      samples: samples.length,
      unreadSamples: samples.length - read.length,
      takenOutAfterSecondsMax: maxOf((c) => c.takenOutAfterSeconds),
      healthyAgainAfterSecondsMax: maxOf((c) => c.healthyAgainAfterSeconds),
      instances: Object.fromEntries(
        courses.map(({ instanceId, takenOutAfterSeconds, healthyAgainAfterSeconds, states }) => [
          instanceId,
          { takenOutAfterSeconds, healthyAgainAfterSeconds, states },
        ]),
      ),
    },
    windows,
  );
}
