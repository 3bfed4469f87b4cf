/**
 * Error types the task handlers throw, named once: the handlers' error classes take their names
 * from here (lambda/errors.ts), and a failed task carries the name as the `Error` field that Step
 * Functions shows and a Catch matches. Every one means nothing more can be done by retrying. The
 * errors an execution is stopped with are apart, in STOP_ERRORS.
 */
export const TASK_ERRORS = {
  invalidInput: "InvalidInputError",
  targetNotFound: "TargetNotFoundError",
  targetNotReady: "TargetNotReadyError",
  targetNotOptedIn: "TargetNotOptedInError",
  tooManyTargets: "TooManyTargetsError",
  credentials: "CredentialsError",
  stopConditionAlarm: "StopConditionAlarmError",
  safetyLeverEngaged: "SafetyLeverEngagedError",
} as const;

export type TaskErrorName = (typeof TASK_ERRORS)[keyof typeof TASK_ERRORS];
