import { TUNABLES, type TunableValues } from "../lib/tunables";
import { chunk } from "./chunks";
import type { Plan } from "./contract";

/** Progress is checked this often, so that a stop-condition alarm stops the fault soon... */
const POLL_SECONDS = 10;

/**
 * ...unless the run's fault time is long: each progress check costs about nine history events, and
 * an execution has at most 25,000. Checks are spread so that one execution makes at most this many
 * (a 12-hour fault on one group is checked every 22 s).
 */
export const MAX_PROGRESS_CHECKS = 2000;

/** Seconds between progress checks for `groups` groups that each hold the fault `durationSeconds`. */
export function pollSeconds(durationSeconds: number, groups: number): number {
  const often = Math.max(1, Math.min(POLL_SECONDS, durationSeconds));
  return Math.max(often, Math.ceil((durationSeconds * groups) / MAX_PROGRESS_CHECKS));
}

/** The SendCommand parameters of every tunable that reaches the instance, plus the experiment's ID. */
function documentParameters(values: TunableValues, experimentId: string): Record<string, string[]> {
  const parameters: Record<string, string[]> = { ExperimentId: [experimentId] };
  for (const tunable of Object.values(TUNABLES)) {
    if ("documentParameter" in tunable) parameters[tunable.documentParameter] = [values[tunable.key]];
  }
  return parameters;
}

export function buildPlan(
  values: TunableValues,
  experimentId: string,
  region: string,
  targets: string[],
): Plan {
  const sequence = values.SEQUENCE === "serial" ? "serial" : "parallel";
  const durationSeconds = Number(values.TOTAL_CHAOS_DURATION);
  const batches = sequence === "serial" ? targets.map((t) => [t]) : chunk(targets);
  return {
    experimentId,
    region,
    assumeRoleArn: values.ASSUME_ROLE_ARN,
    authenticationSecret: values.AWS_AUTHENTICATION_SECRET,
    sequence,
    rampSeconds: Number(values.RAMP_TIME),
    durationSeconds,
    dryRun: values.DRY_RUN === "True",
    // Parallel sends every batch at once: one group of checks.
    pollSeconds: pollSeconds(durationSeconds, sequence === "serial" ? batches.length : 1),
    targets,
    batches,
    documentParameters: documentParameters(values, experimentId),
  };
}
