/**
 * One round of the sampling loop that runs beside the fault: which sampled probes are due, when the
 * next round is, whether the watch after the fault is over, and whether a probe with stopOnFailure
 * has failed while the fault runs. The probes are taken by the functions given, so that the round's
 * logic is one pure piece.
 *
 * Times come from the loop itself: the fault starts one ramp after the loop's first round (the loop
 * and the ramp up start together), and ends when the state machine notes it in the records.
 */
import {
  isSampled,
  MAX_SAMPLING_ROUNDS,
  type CheckedProbeSpec,
  type CommandProbeSpec,
  type HttpProbeSpec,
  type HypothesisSpec,
  type RatedProbeSpec,
  type SampledProbeSpec,
  type TargetHealthProbeSpec,
} from "../../lib/hypothesis/probe-spec";
import { STOP_ERRORS } from "../../lib/stop-errors";
import type { DuringTally, Plan, ProbeSample, SamplingState } from "../contract";
import { windowsOf } from "./phases";
import { afterSeconds } from "./windows";
import type { Samplers } from "./samplers";

/** What a round needs of the world. */
export interface RoundInputs extends Samplers {
  readonly now: Date;
  readonly plan: Plan;
  readonly hypothesis: HypothesisSpec;
  readonly state: SamplingState;
  /** When the fault ended, once the state machine has noted it. */
  readonly faultEnd?: Date;
}

/** The sampled probes judged by the share of their samples that pass: HTTP and command probes. */
export const isRated = (probe: HypothesisSpec["probes"][number]): probe is RatedProbeSpec =>
  probe.kind === "Http" || probe.kind === "Command";

const isChecked = (probe: SampledProbeSpec): probe is CheckedProbeSpec =>
  probe.kind === "Alarm" || probe.kind === "Metric";

/**
 * Whether a probe is sampled now: Before alone is the steady-state check's, and an alarm or metric
 * probe is checked only while the fault runs (from `faultStart`).
 */
function active(
  probe: SampledProbeSpec,
  at: number,
  { start, faultStart, faultEnd }: { start: number; faultStart: number; faultEnd?: Date },
): boolean {
  if (at < start + probe.sampling.initialDelaySeconds * 1000) return false;
  if (isChecked(probe)) return at >= faultStart && !faultEnd;
  if (isRated(probe)) {
    const windows = windowsOf(probe);
    if (!windows.includes("During") && !(windows.includes("After") && faultEnd)) return false;
  }
  return !faultEnd || at <= faultEnd.getTime() + afterSeconds(probe) * 1000;
}

const seconds = (ms: number): number => Math.max(1, Math.ceil(ms / 1000));

/** Why a probe stops the fault, given its tallies while the fault ran; undefined while it holds. */
function stopCause(probe: SampledProbeSpec, tally: DuringTally, sinceFaultStart: number): string | undefined {
  if (probe.kind === "Metric" || (probe.kind === "Alarm" && probe.expect === "StaysOk")) {
    return tally.failed
      ? `${probe.kind.toLowerCase()} probe "${probe.name}" failed while the fault ran`
      : undefined;
  }
  if (probe.kind === "Alarm") {
    return !tally.out && sinceFaultStart > probe.withinSeconds * 1000
      ? `alarm probe "${probe.name}" failed while the fault ran: ${probe.alarmName} was not in ALARM within ${probe.withinSeconds} s of the fault's start (a blind spot)`
      : undefined;
  }
  if (isRated(probe)) {
    if (tally.samples && tally.failed / tally.samples > 1 - probe.successRate) {
      return `${probe.kind === "Http" ? "HTTP" : "command"} probe "${probe.name}" failed while the fault ran: ${tally.failed} of ${tally.samples} samples failed, and it needs ${Math.round(probe.successRate * 100)}% to pass`;
    }
    return undefined;
  }
  const within = probe.takenOutWithinSeconds;
  if (within !== undefined && !tally.out && sinceFaultStart > within * 1000) {
    return `target health probe "${probe.name}" failed while the fault ran: no instance of the experiment was taken out of the group within ${within} s of the fault's start`;
  }
  return undefined;
}

export async function sampleRound(
  inputs: RoundInputs,
): Promise<{ state: SamplingState; samples: ProbeSample[] }> {
  const { now, plan, hypothesis, faultEnd } = inputs;
  const previous = inputs.state;
  const at = now.getTime();
  const startedAt = previous.startedAt ?? now.toISOString();
  const start = new Date(startedAt).getTime();
  const probes = hypothesis.probes.filter(isSampled);
  const due = { ...(previous.due ?? {}) };
  const faultStart = start + plan.rampSeconds * 1000;
  const times = { start, faultStart, faultEnd };
  const taking = probes.filter(
    (p) => active(p, at, times) && (!due[p.name] || new Date(due[p.name]).getTime() <= at),
  );
  // Every kind at once: a round lasts as long as its slowest probe.
  const [http, health, commands, checks] = await Promise.all([
    inputs.takeHttp(taking.filter((p): p is HttpProbeSpec => p.kind === "Http")),
    Promise.all(
      taking
        .filter((p): p is TargetHealthProbeSpec => p.kind === "TargetHealth")
        .map(inputs.takeTargetHealth),
    ),
    Promise.all(taking.filter((p): p is CommandProbeSpec => p.kind === "Command").map(inputs.takeCommand)),
    Promise.all(taking.filter(isChecked).map((p) => inputs.takeCheck(p, new Date(faultStart)))),
  ]);
  for (const probe of taking)
    due[probe.name] = new Date(at + probe.sampling.intervalSeconds * 1000).toISOString();
  const samples: ProbeSample[] = [...http, ...health, ...commands, ...checks];

  // While the fault runs: the tallies of the probes that stop it when they fail.
  const during = { ...(previous.during ?? {}) };
  let stop: string | undefined;
  if (!faultEnd && at >= faultStart) {
    for (const probe of probes.filter((p) => p.sampling.stopOnFailure)) {
      const tally = { ...(during[probe.name] ?? { samples: 0, failed: 0, out: false }) };
      for (const sample of samples.filter((s) => s.probe === probe.name)) {
        tally.samples++;
        if (sample.kind !== "TargetHealth" && !sample.passed) tally.failed++;
        // Out of the normal state: a target no longer healthy, an alarm in ALARM.
        if (sample.kind === "TargetHealth" && Object.values(sample.states).some((s) => s !== "healthy"))
          tally.out = true;
        if (sample.kind === "Alarm" && sample.state === "ALARM") tally.out = true;
      }
      during[probe.name] = tally;
      stop ??= stopCause(probe, tally, at - faultStart);
    }
  }

  const round = previous.round + 1;
  const watchEnd = faultEnd && faultEnd.getTime() + plan.watchAfterSeconds * 1000;
  const done = round >= MAX_SAMPLING_ROUNDS || (watchEnd !== undefined && at >= watchEnd);
  // The next round: the first probe due, but no later than the end of the watch; before the fault's
  // end is known, no later than the shortest interval, to notice it.
  const nextDue = probes
    .filter((p) => active(p, Math.max(at, new Date(due[p.name] ?? 0).getTime()), times))
    .map((p) =>
      Math.max(new Date(due[p.name] ?? 0).getTime(), start + p.sampling.initialDelaySeconds * 1000),
    );
  const shortest = Math.min(...probes.map((p) => p.sampling.intervalSeconds)) * 1000;
  const wake = Math.min(...nextDue, watchEnd ?? at + shortest);
  return {
    state: {
      round,
      startedAt,
      due,
      during,
      done,
      waitSeconds: seconds(wake - at),
      ...(stop ? { stop: { Error: STOP_ERRORS.probeFailed, Cause: stop } } : {}),
    },
    samples,
  };
}
