/**
 * What a progress check says of a batch's commands, named once: the check-progress handler returns
 * one of these as `state`, and the state machine's Choice after it branches on them.
 */
export const PROGRESS_STATES = {
  /** Some command has not ended: wait and check again. */
  inProgress: "InProgress",
  /** Every command succeeded. */
  succeeded: "Succeeded",
  /** Some command ended other than in success. */
  failed: "Failed",
  /** A stop-condition alarm is in ALARM. */
  alarmTriggered: "AlarmTriggered",
  /** The safety lever is engaged. */
  leverEngaged: "LeverEngaged",
} as const;

export type ProgressState = (typeof PROGRESS_STATES)[keyof typeof PROGRESS_STATES];
