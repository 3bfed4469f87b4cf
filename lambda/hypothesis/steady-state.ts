/**
 * The steady state: before anything is injected, the probes judged Before (alarms that must stay
 * OK, metrics whose phase includes Before) must pass. Anything else, failed or not judged, injects
 * nothing: a fault is not sent into a system already off its steady state, nor one that cannot be
 * seen.
 */
import type { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import type { HypothesisSpec } from "../../lib/hypothesis/probe-spec";
import type { Plan, ProbeResult, SteadyState } from "../contract";
import { alarmSteadyState } from "./alarm-probe";
import { metricSteadyState } from "./metric-result";
import { windowsOf } from "./phases";

export async function checkSteadyState(
  cloudwatch: CloudWatchClient,
  hypothesis: HypothesisSpec,
  plan: Plan,
): Promise<ProbeResult[]> {
  return Promise.all(
    hypothesis.probes.flatMap((probe) => {
      if (probe.kind === "Alarm" && probe.expect === "StaysOk") return [alarmSteadyState(cloudwatch, probe)];
      if (probe.kind === "Metric" && windowsOf(probe).includes("Before"))
        return [metricSteadyState(cloudwatch, probe, plan)];
      return [];
    }),
  );
}

export const steadyStateOf = (results: readonly ProbeResult[]): SteadyState => {
  const notPassed = results.filter((r) => r.outcome !== "Passed").map((r) => r.name);
  return { holds: !notPassed.length, notPassed };
};
