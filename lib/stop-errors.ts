/**
 * Error types an execution fails or is stopped with when the fault is stopped, beside the
 * handlers' own (TASK_ERRORS): the state machine's Fail states and the stop-experiments function
 * name them alike.
 */
export const STOP_ERRORS = {
  alarm: "StopConditionAlarm",
  lever: "SafetyLeverEngaged",
  commandFailed: "FaultCommandFailed",
} as const;
