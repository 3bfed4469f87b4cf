/**
 * An HTTP probe's result: in each window of its phase, the share of its samples that passed against
 * the share it needs. The status codes, errors and latencies seen are kept as the evidence.
 */
import type { HttpProbeSpec } from "../../lib/hypothesis/probe-spec";
import type { HttpSample, ProbeResult, ProbeWindow } from "../contract";
import { combined } from "./outcomes";
import { windowsOf } from "./phases";
import { afterWindow, type Window } from "./windows";

const percent = (share: number): number => Math.round(share * 1000) / 10;

/** Counts of each value seen, by value: {"200": 9, "503": 1}. */
function tally(values: readonly (string | number | undefined)[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) if (value !== undefined) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}

/** What the samples showed, as evidence. */
export function httpEvidence(probe: HttpProbeSpec, samples: readonly HttpSample[]): Record<string, unknown> {
  const passed = samples.filter((s) => s.passed).length;
  const firstFailure = samples.find((s) => !s.passed);
  return {
    url: probe.request.url,
    method: probe.request.method,
    samples: samples.length,
    passed,
    successRate: samples.length ? percent(passed / samples.length) : null,
    requiredSuccessRate: percent(probe.successRate),
    statusCodes: tally(samples.map((s) => s.status)),
    errors: tally(samples.map((s) => s.error)),
    latencyMsMax: samples.length ? Math.max(...samples.map((s) => s.latencyMs)) : null,
    ...(firstFailure ? { firstFailure: { at: firstFailure.at, why: firstFailure.why } } : {}),
  };
}

/** One window: Inconclusive without a sample in it. */
export function httpWindow(
  probe: HttpProbeSpec,
  phase: ProbeWindow["phase"],
  window: Window,
  samples: readonly HttpSample[],
): ProbeWindow {
  const base = { phase, from: window.from.toISOString(), to: window.to.toISOString() };
  if (!samples.length)
    return { ...base, outcome: "Inconclusive", reason: "no sample was taken in the window" };
  const passed = samples.filter((s) => s.passed).length;
  const rate = passed / samples.length;
  const figures = `${passed} of ${samples.length} samples passed (${percent(rate)}%, ${percent(probe.successRate)}% needed)`;
  return { ...base, outcome: rate >= probe.successRate ? "Passed" : "Failed", reason: figures };
}

export function httpResult(
  probe: HttpProbeSpec,
  windows: readonly ProbeWindow[],
  samples: readonly HttpSample[],
): ProbeResult {
  const outcome = combined(windows.map((w) => w.outcome));
  const deciding = windows.find((w) => w.outcome === outcome) ?? windows.at(-1);
  return {
    name: probe.name,
    kind: "Http",
    phase: probe.phase,
    weight: probe.weight,
    outcome,
    reason: deciding ? `${deciding.phase}: ${deciding.reason}` : "not judged",
    evidence: httpEvidence(probe, samples),
    windows: [...windows],
  };
}

/**
 * The whole probe once the fault has run: its Before window as the steady-state check sampled it,
 * and its During and After windows from the samples the loop recorded.
 */
export function judgeHttp(
  probe: HttpProbeSpec,
  samples: readonly HttpSample[],
  { fault, before }: { fault: Window; before?: ProbeResult },
): ProbeResult {
  const windows: ProbeWindow[] = [];
  const judgedSamples: HttpSample[] = [];
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
    windows.push(httpWindow(probe, phase, window, inside));
  }
  return httpResult(probe, windows, judgedSamples);
}
