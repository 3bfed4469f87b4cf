/**
 * Errors that end an execution. Each `name` is the error type a Step Functions Catch matches, one
 * of TASK_ERRORS.
 */
import { TASK_ERRORS, type TaskErrorName } from "../lib/task-errors";

abstract class FaultError extends Error {
  abstract override readonly name: TaskErrorName;
}

/** The execution input is wrong: a key, a value, or a combination. */
export class InvalidInputError extends FaultError {
  readonly name = TASK_ERRORS.invalidInput;
}

/** A named instance does not exist, or no running instance carries the tag. */
export class TargetNotFoundError extends FaultError {
  readonly name = TASK_ERRORS.targetNotFound;
}

/** A target exists but cannot take the fault: not running, not online in SSM, or not Linux. */
export class TargetNotReadyError extends FaultError {
  readonly name = TASK_ERRORS.targetNotReady;
}

/** A target lacks the opt-in tag the fault was deployed with. */
export class TargetNotOptedInError extends FaultError {
  readonly name = TASK_ERRORS.targetNotOptedIn;
}

/** More targets were selected than one experiment takes (MAX_TARGETS). */
export class TooManyTargetsError extends FaultError {
  readonly name = TASK_ERRORS.tooManyTargets;
}

/** The credentials asked for are not allowed, or cannot be obtained. */
export class CredentialsError extends FaultError {
  readonly name = TASK_ERRORS.credentials;
}

/** A stop-condition alarm is in ALARM: the fault does not start. */
export class StopConditionAlarmError extends FaultError {
  readonly name = TASK_ERRORS.stopConditionAlarm;
}

/** The safety lever is engaged: no experiment starts until it is released. */
export class SafetyLeverEngagedError extends FaultError {
  readonly name = TASK_ERRORS.safetyLeverEngaged;
}
