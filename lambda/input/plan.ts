import { batching, MAX_TARGETS, pollSeconds } from "../../lib/execution-limits";
import { InjectionSequence } from "../../lib/fault-tunables";
import { TUNABLES, type TunableValues } from "../../lib/tunables";
import type { HypothesisSpec } from "../../lib/hypothesis/probe-spec";
import type { Plan } from "../contract";
import { watchAfterSeconds } from "../hypothesis/windows";
import { TooManyTargetsError } from "../errors";
import { recordsPrefix } from "../records/records";

/** Refuses a selection larger than one experiment takes. */
export function checkTargetCount(count: number): void {
  if (count > MAX_TARGETS) {
    throw new TooManyTargetsError(
      `${count} instances were selected, and one experiment takes at most ${MAX_TARGETS} ` +
        "(what SSM's API rates allow its progress checks). Lower INSTANCE_AFFECTED_PERC, " +
        "or split the fleet by tag into several experiments",
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

/**
 * The plan every state carries, for `targetCount` targets; with a hypothesis, the wait after the
 * fault that its After windows and alarms need.
 */
export function planRun(
  values: TunableValues,
  experiment: { readonly experimentId: string; readonly region: string; readonly startedAt: string },
  targetCount: number,
  hypothesis?: HypothesisSpec,
): Plan {
  const sequence =
    values.SEQUENCE === InjectionSequence.SERIAL ? InjectionSequence.SERIAL : InjectionSequence.PARALLEL;
  const durationSeconds = Number(values.TOTAL_CHAOS_DURATION);
  const batches = batching(sequence, targetCount);
  const rampSeconds = Number(values.RAMP_TIME);
  return {
    ...experiment,
    records: recordsPrefix(experiment.experimentId, experiment.startedAt),
    assumeRoleArn: values.ASSUME_ROLE_ARN,
    authenticationSecret: values.AWS_AUTHENTICATION_SECRET,
    sequence,
    rampSeconds,
    durationSeconds,
    dryRun: values.DRY_RUN === "True",
    pollSeconds: pollSeconds(durationSeconds),
    batchSize: batches.size,
    batchConcurrency: batches.concurrency,
    documentParameters: documentParameters(values, experiment.experimentId),
    watchAfterSeconds: hypothesis ? watchAfterSeconds(hypothesis, { durationSeconds, rampSeconds }) : 0,
  };
}
