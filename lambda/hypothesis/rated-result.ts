/**
 * An HTTP or command probe's result: in each window of its phase, the share of its samples that
 * passed against the share it needs. What the samples showed is kept as the evidence: the status
 * codes, errors and latencies an HTTP probe met, the instances where a command did not pass.
 */
import type { CommandProbeSpec, HttpProbeSpec, RatedProbeSpec } from "../../lib/hypothesis/probe-spec";
import type { CommandSample, HttpSample, ProbeResult, ProbeWindow } from "../contract";
import { combined } from "./outcomes";
import { windowsOf } from "./phases";
import { afterWindow, type Window } from "./windows";

type RatedSample = HttpSample | CommandSample;

const percent = (share: number): number => Math.round(share * 1000) / 10;

/** Counts of each value seen, by value: {"200": 9, "503": 1}. */
function tally(values: readonly (string | number | undefined)[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) if (value !== undefined) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}

/** What an HTTP probe's samples showed. */
const httpEvidence = (probe: HttpProbeSpec, samples: readonly HttpSample[]) => ({
  url: probe.request.url,
  method: probe.request.method,
  statusCodes: tally(samples.map((s) => s.status)),
  errors: tally(samples.map((s) => s.error)),
  latencyMsMax: samples.length ? Math.max(...samples.map((s) => s.latencyMs)) : null,
});

/** What a command probe's samples showed: where it did not pass, and the first output that did not. */
const commandEvidence = (probe: CommandProbeSpec, samples: readonly CommandSample[]) => ({
  ...(probe.outputMatches === undefined ? {} : { outputMatches: probe.outputMatches }),
  ...(probe.outputDoesNotMatch === undefined ? {} : { outputDoesNotMatch: probe.outputDoesNotMatch }),
  instancesMax: samples.length ? Math.max(...samples.map((s) => s.instances)) : 0,
  notPassed: [...new Set(samples.flatMap((s) => s.notPassed))].slice(0, 10),
  ...(samples.find((s) => s.output !== undefined)
    ? { firstOutputNotPassing: samples.find((s) => s.output !== undefined)?.output }
    : {}),
});

function evidence(probe: RatedProbeSpec, samples: readonly RatedSample[]): Record<string, unknown> {
  const passed = samples.filter((s) => s.passed).length;
  const firstFailure = samples.find((s) => !s.passed);
  return {
    samples: samples.length,
    passed,
    successRate: samples.length ? percent(passed / samples.length) : null,
    requiredSuccessRate: percent(probe.successRate),
    ...(probe.kind === "Http"
      ? httpEvidence(probe, samples as HttpSample[])
      : commandEvidence(probe, samples as CommandSample[])),
    ...(firstFailure ? { firstFailure: { at: firstFailure.at, why: firstFailure.why } } : {}),
  };
}

/** One window: Inconclusive without a sample in it. */
export function ratedWindow(
  probe: RatedProbeSpec,
  phase: ProbeWindow["phase"],
  window: Window,
  given: readonly RatedSample[],
): ProbeWindow {
  const base = { phase, from: window.from.toISOString(), to: window.to.toISOString() };
  // A command sample SSM would not take is no sample: it says nothing of the system.
  const unread = given.find((s) => s.kind === "Command" && s.unread);
  const samples = given.filter((s) => s.kind !== "Command" || !s.unread);
  if (!samples.length) {
    const why = unread?.kind === "Command" ? ` (${unread.unread})` : "";
    return { ...base, outcome: "Inconclusive", reason: `no sample was taken in the window${why}` };
  }
  const passed = samples.filter((s) => s.passed).length;
  const rate = passed / samples.length;
  const figures = `${passed} of ${samples.length} samples passed (${percent(rate)}%, ${percent(probe.successRate)}% needed)`;
  return { ...base, outcome: rate >= probe.successRate ? "Passed" : "Failed", reason: figures };
}

export function ratedResult(
  probe: RatedProbeSpec,
  windows: readonly ProbeWindow[],
  samples: readonly RatedSample[],
): ProbeResult {
  const outcome = combined(windows.map((w) => w.outcome));
  const deciding = windows.find((w) => w.outcome === outcome) ?? windows.at(-1);
  return {
    name: probe.name,
    kind: probe.kind,
    phase: probe.phase,
    weight: probe.weight,
    outcome,
    reason: deciding ? `${deciding.phase}: ${deciding.reason}` : "not judged",
    evidence: evidence(probe, samples),
    windows: [...windows],
  };
}

/** The steady-state part: the Before window, one sample (with its retries). */
export function ratedSteadyState(probe: RatedProbeSpec, samples: readonly RatedSample[]): ProbeResult {
  const at = new Date(samples[0]?.at ?? Date.now());
  return ratedResult(probe, [ratedWindow(probe, "Before", { from: at, to: at }, samples)], samples);
}

/**
 * The whole probe once the fault has run: its Before window as the steady-state check sampled it,
 * and its During and After windows from the samples the loop recorded.
 */
export function judgeRated(
  probe: RatedProbeSpec,
  samples: readonly RatedSample[],
  { fault, before }: { fault: Window; before?: ProbeResult },
): ProbeResult {
  const windows: ProbeWindow[] = [];
  const judgedSamples: RatedSample[] = [];
  for (const phase of windowsOf(probe)) {
    if (phase === "Before") {
      const window = before?.windows?.find((w) => w.phase === "Before");
      if (window) windows.push(window);
      continue;
    }
    const window = phase === "During" ? fault : afterWindow(fault, probe.windowSeconds);
    const inside = samples.filter((s) => {
      const at = new Date(s.at).getTime();
      // A sample at the fault's end belongs to During; After starts just past it.
      return phase === "During"
        ? at >= window.from.getTime() && at <= window.to.getTime()
        : at > window.from.getTime() && at <= window.to.getTime();
    });
    judgedSamples.push(...inside);
    windows.push(ratedWindow(probe, phase, window, inside));
  }
  return ratedResult(probe, windows, judgedSamples);
}
