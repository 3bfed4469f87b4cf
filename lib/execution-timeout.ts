import { Duration } from "aws-cdk-lib";
import type { IConstruct } from "constructs";
import { HttpResetPeerValidationError } from "./errors";
import { MAX_TARGETS, pollSeconds } from "./execution-limits";
import { MAX_DURATION_SECONDS, MAX_RAMP_SECONDS } from "./tunables";

/**
 * Room per target beyond the document's step timeout and the wait for the progress check that
 * notices its end: the child execution's start, the command's delivery, and the next target's send.
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
 *   2 × MAX_RAMP_SECONDS + FIXED_MARGIN_SECONDS
 *     + maxSerialTargets × (stepTimeoutSeconds + poll + PER_TARGET_MARGIN_SECONDS)
 *
 * where stepTimeoutSeconds is the document's own limit on one invocation (the longest fault plus
 * the document's margin for installing dependencies and restoring the instance), and poll the time
 * between progress checks of a fault of the longest duration.
 */
export function executionTimeout(
  scope: IConstruct,
  stepTimeoutSeconds: number,
  maxSerialTargets: number,
): Duration {
  if (!Number.isInteger(maxSerialTargets) || maxSerialTargets < 1 || maxSerialTargets > MAX_TARGETS) {
    throw new HttpResetPeerValidationError(
      scope,
      `maxSerialTargets must be an integer from 1 to ${MAX_TARGETS}, the most instances one experiment takes; got ${maxSerialTargets}`,
    );
  }
  const perTarget = stepTimeoutSeconds + pollSeconds(MAX_DURATION_SECONDS) + PER_TARGET_MARGIN_SECONDS;
  const fixed = 2 * MAX_RAMP_SECONDS + FIXED_MARGIN_SECONDS;
  const seconds = fixed + maxSerialTargets * perTarget;
  if (seconds > MAX_EXECUTION_SECONDS) {
    const most = Math.floor((MAX_EXECUTION_SECONDS - fixed) / perTarget);
    throw new HttpResetPeerValidationError(
      scope,
      `maxSerialTargets ${maxSerialTargets} would need an execution longer than Step Functions' one-year limit; at most ${most}`,
    );
  }
  return Duration.seconds(seconds);
}
