/**
 * The steady state: before anything is injected, the probes judged Before (alarms that must stay
 * OK, metrics, HTTP and command probes whose phase includes Before, and every target-health probe)
 * must pass. Anything else, failed or not judged, injects nothing: a fault is not sent into a system
 * already off its steady state, nor one that cannot be seen.
 */
import type { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import type { HttpProbeSpec, HypothesisSpec } from "../../lib/hypothesis/probe-spec";
import type { Plan, ProbeResult, SteadyState } from "../contract";
import { alarmSteadyState } from "./alarm-probe";
import { ratedSteadyState } from "./rated-result";
import { metricSteadyState } from "./metric-result";
import { windowsOf } from "./phases";
import type { Samplers } from "./samplers";
import { targetHealthSteadyState } from "./target-health-result";

/** What the check reads through: CloudWatch, and the sampled probes' samplers. */
export interface SteadyStateReaders extends Pick<Samplers, "takeHttp" | "takeTargetHealth" | "takeCommand"> {
  readonly cloudwatch: CloudWatchClient;
}

export async function checkSteadyState(
  readers: SteadyStateReaders,
  hypothesis: HypothesisSpec,
  plan: Plan,
): Promise<ProbeResult[]> {
  // The HTTP probes whose phase includes Before are sampled together, by their function.
  const http = hypothesis.probes.filter(
    (p): p is HttpProbeSpec => p.kind === "Http" && windowsOf(p).includes("Before"),
  );
  const httpSamples = await readers.takeHttp(http);
  return Promise.all(
    hypothesis.probes.flatMap((probe) => {
      if (probe.kind === "Alarm" && probe.expect === "StaysOk")
        return [alarmSteadyState(readers.cloudwatch, probe)];
      if (probe.kind === "TargetHealth")
        return [readers.takeTargetHealth(probe).then((sample) => targetHealthSteadyState(probe, sample))];
      if (probe.kind === "Clients" || probe.kind === "Alarm" || !windowsOf(probe).includes("Before"))
        return [];
      if (probe.kind === "Metric") return [metricSteadyState(readers.cloudwatch, probe, plan)];
      if (probe.kind === "Http")
        return [
          Promise.resolve(
            ratedSteadyState(
              probe,
              httpSamples.filter((s) => s.probe === probe.name),
            ),
          ),
        ];
      return [readers.takeCommand(probe).then((sample) => ratedSteadyState(probe, [sample]))];
    }),
  );
}

export const steadyStateOf = (results: readonly ProbeResult[]): SteadyState => {
  const notPassed = results.filter((r) => r.outcome !== "Passed").map((r) => r.name);
  return { holds: !notPassed.length, notPassed };
};
