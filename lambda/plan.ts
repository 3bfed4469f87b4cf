import { TUNABLES, type TunableValues } from "../lib/tunables";
import { chunk } from "./chunks";
import type { Plan } from "./contract";

/** Progress is checked at least this often, so that a stop-condition alarm stops the fault soon. */
const MAX_POLL_SECONDS = 10;

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
  return {
    experimentId,
    region,
    assumeRoleArn: values.ASSUME_ROLE_ARN,
    authenticationSecret: values.AWS_AUTHENTICATION_SECRET,
    sequence,
    rampSeconds: Number(values.RAMP_TIME),
    durationSeconds,
    dryRun: values.DRY_RUN === "True",
    pollSeconds: Math.max(1, Math.min(MAX_POLL_SECONDS, durationSeconds)),
    targets,
    batches: sequence === "serial" ? targets.map((t) => [t]) : chunk(targets),
    documentParameters: documentParameters(values, experimentId),
  };
}
