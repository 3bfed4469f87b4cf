/**
 * The steady state: before anything is injected, the probes judged Before (alarms that must stay
 * OK, metrics, HTTP and command probes whose phase includes Before, and every target-health probe)
 * must pass. Anything else, failed or not judged, injects nothing: a fault is not sent into a system
 * already off its steady state, nor one that cannot be seen.
 */
import type { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import type {
  CommandProbeSpec,
  HttpProbeSpec,
  HypothesisSpec,
  TargetHealthProbeSpec,
} from "../../lib/hypothesis/probe-spec";
import type {
  CommandSample,
  HttpSample,
  Plan,
  ProbeResult,
  SteadyState,
  TargetHealthSample,
} from "../contract";
import { alarmSteadyState } from "./alarm-probe";
import { ratedSteadyState } from "./rated-result";
import { metricSteadyState } from "./metric-result";
import { windowsOf } from "./phases";

/** What the check reads through: CloudWatch, and the sampled probes' samplers. */
export interface SteadyStateReaders {
  readonly cloudwatch: CloudWatchClient;
  readonly takeHttp: (probes: HttpProbeSpec[]) => Promise<HttpSample[]>;
  readonly takeTargetHealth: (probe: TargetHealthProbeSpec) => Promise<TargetHealthSample>;
  readonly takeCommand: (probe: CommandProbeSpec) => Promise<CommandSample>;
}

/** Every instance of the experiment in the group healthy: the load balancer has them all in. */
function healthyBefore(probe: TargetHealthProbeSpec, sample: TargetHealthSample): ProbeResult {
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
  return {
    name: probe.name,
    kind: "TargetHealth",
    phase: "Continuously",
    weight: probe.weight,
    outcome,
    reason: `Before: ${reason}`,
    evidence: { targetGroupArn: probe.targetGroupArn, statesBefore: sample.states },
    windows: [{ phase: "Before", from: sample.at, to: sample.at, outcome, reason }],
  };
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
        return [readers.takeTargetHealth(probe).then((sample) => healthyBefore(probe, sample))];
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
