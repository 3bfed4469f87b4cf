/** A metric probe's result, made of the windows of its phase. */
import type { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import type { MetricProbeSpec } from "../../lib/hypothesis/probe-spec";
import type { ProbeResult, ProbeWindow } from "../contract";
import { condition, judgeMetricWindow } from "./metric-probe";
import { combined } from "./outcomes";
import { windowsOf } from "./phases";
import { afterWindow, beforeWindow, type Window } from "./windows";

/** The probe's result over the windows given, the last window's figures as its evidence. */
export function metricResult(
  probe: MetricProbeSpec,
  judged: { window: ProbeWindow; evidence: Record<string, unknown> }[],
): ProbeResult {
  const outcome = combined(judged.map((j) => j.window.outcome));
  const deciding = judged.find((j) => j.window.outcome === outcome) ?? judged.at(-1);
  return {
    name: probe.name,
    kind: "Metric",
    phase: probe.phase,
    weight: probe.weight,
    outcome,
    reason: deciding ? `${deciding.window.phase}: ${deciding.window.reason}` : "not judged",
    evidence: { condition: condition(probe), ...(deciding?.evidence ?? {}) },
    windows: judged.map((j) => j.window),
  };
}

/** The steady-state part: the Before window. */
export async function metricSteadyState(
  cloudwatch: CloudWatchClient,
  probe: MetricProbeSpec,
  plan: { readonly startedAt: string },
): Promise<ProbeResult> {
  const window = beforeWindow(plan, probe.windowSeconds);
  return metricResult(probe, [await judgeMetricWindow(cloudwatch, probe, "Before", window)]);
}

/**
 * The whole probe once the fault has run: its Before window as the steady-state check found it, and
 * its During and After windows read now.
 */
export async function judgeMetric(
  cloudwatch: CloudWatchClient,
  probe: MetricProbeSpec,
  { fault, before }: { fault: Window; before?: ProbeResult },
): Promise<ProbeResult> {
  const judged = [];
  for (const phase of windowsOf(probe)) {
    if (phase === "Before") {
      const window = before?.windows?.find((w) => w.phase === "Before");
      if (window) judged.push({ window, evidence: before?.evidence ?? {} });
      continue;
    }
    const window = phase === "During" ? fault : afterWindow(fault, probe.windowSeconds);
    judged.push(await judgeMetricWindow(cloudwatch, probe, phase, window));
  }
  return metricResult(probe, judged);
}
