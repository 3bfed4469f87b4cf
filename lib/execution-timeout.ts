import { Duration } from "aws-cdk-lib";
import { MAX_RAMP_SECONDS } from "./tunables";

/**
 * Room per target beyond the document's step timeout: the command's delivery, the progress check
 * that notices its end (at most ten seconds apart), and the next target's send.
 */
export const PER_TARGET_MARGIN_SECONDS = 300;

/** Room for resolving the targets before the fault and the report after it. */
export const FIXED_MARGIN_SECONDS = 600;

/** The longest a Standard state machine execution may run. */
const MAX_EXECUTION_SECONDS = Duration.days(365).toSeconds();

/**
 * The state machine's timeout: the longest run the inputs allow, for serial runs of up to
 * `maxSerialTargets` instances (a parallel run counts as one).
 *
 *   2 × MAX_RAMP_SECONDS + maxSerialTargets × (stepTimeoutSeconds + PER_TARGET_MARGIN_SECONDS)
 *     + FIXED_MARGIN_SECONDS
 *
 * where stepTimeoutSeconds is the document's own limit on one invocation (the longest fault plus
 * the document's margin for installing dependencies and restoring the instance).
 */
export function executionTimeout(stepTimeoutSeconds: number, maxSerialTargets: number): Duration {
  if (!Number.isInteger(maxSerialTargets) || maxSerialTargets < 1) {
    throw new Error(`maxSerialTargets must be a positive integer; got ${maxSerialTargets}`);
  }
  const perTarget = stepTimeoutSeconds + PER_TARGET_MARGIN_SECONDS;
  const seconds = 2 * MAX_RAMP_SECONDS + maxSerialTargets * perTarget + FIXED_MARGIN_SECONDS;
  if (seconds > MAX_EXECUTION_SECONDS) {
    const most = Math.floor(
      (MAX_EXECUTION_SECONDS - 2 * MAX_RAMP_SECONDS - FIXED_MARGIN_SECONDS) / perTarget,
    );
    throw new Error(
      `maxSerialTargets ${maxSerialTargets} would need an execution longer than Step Functions' one-year limit; at most ${most}`,
    );
  }
  return Duration.seconds(seconds);
}
