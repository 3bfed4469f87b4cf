/**
 * Error types an execution fails or is stopped with when the fault is stopped, beside the
 * handlers' own (TASK_ERRORS): the state machine's Fail states and the stop-experiments function
 * name them alike.
 */
export const STOP_ERRORS = {
  alarm: "StopConditionAlarm",
  lever: "SafetyLeverEngaged",
  commandFailed: "FaultCommandFailed",
  /** A probe with stopOnFailure failed while the fault ran: it was stopped and cleaned up. */
  probeFailed: "ProbeFailed",
  /** The verdict on the hypothesis was Failed (after a clean fault, cleanup and report). */
  hypothesisRejected: "HypothesisRejected",
  /** The verdict could not be reached: some probe could not be judged. */
  hypothesisInconclusive: "HypothesisInconclusive",
} as const;
