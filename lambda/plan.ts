import { MAX_TARGETS, pollSeconds } from "../lib/execution-limits";
import { TUNABLES, type TunableValues } from "../lib/tunables";
import type { Plan, ResolvedTargets } from "./contract";
import { TooManyTargetsError } from "./errors";

/** Refuses a selection larger than one execution can run. */
export function checkTargetCount(count: number): void {
  if (count > MAX_TARGETS) {
    throw new TooManyTargetsError(
      `${count} instances were selected, and one execution takes at most ${MAX_TARGETS} ` +
        "(Step Functions' limits on an execution's history and output). Lower INSTANCE_AFFECTED_PERC, " +
        "or split the fleet by tag into several executions",
    );
  }
}

/** The SendCommand parameters of every tunable that reaches the instance, plus the experiment's ID. */
function documentParameters(values: TunableValues, experimentId: string): Record<string, string[]> {
  const parameters: Record<string, string[]> = { ExperimentId: [experimentId] };
  for (const tunable of Object.values(TUNABLES)) {
    if ("documentParameter" in tunable) parameters[tunable.documentParameter] = [values[tunable.key]];
  }
  return parameters;
}

/** The run resolve-targets hands on: the plan every state carries, the targets, and their groups. */
export function planRun(
  values: TunableValues,
  experimentId: string,
  region: string,
  targets: string[],
): ResolvedTargets {
  const sequence = values.SEQUENCE === "serial" ? "serial" : "parallel";
  const durationSeconds = Number(values.TOTAL_CHAOS_DURATION);
  const groups = sequence === "serial" ? targets.map((t) => [t]) : [targets];
  const plan: Plan = {
    experimentId,
    region,
    assumeRoleArn: values.ASSUME_ROLE_ARN,
    authenticationSecret: values.AWS_AUTHENTICATION_SECRET,
    sequence,
    rampSeconds: Number(values.RAMP_TIME),
    durationSeconds,
    dryRun: values.DRY_RUN === "True",
    pollSeconds: pollSeconds(durationSeconds, groups.length),
    documentParameters: documentParameters(values, experimentId),
  };
  return { plan, targets, groups };
}
