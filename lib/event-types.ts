/**
 * The EventBridge detail types of the events the fault's rules deliver to its functions, spelled
 * once: the rules match them, and the functions tell the events apart by them.
 */
export const EVENT_TYPES = {
  /** An execution of the state machine ended (the abort rule, to cleanup). */
  executionStatusChange: "Step Functions Execution Status Change",
  /** A stop-condition alarm changed state (to stop-experiments). */
  alarmStateChange: "CloudWatch Alarm State Change",
  /** The safety lever's parameter changed (to stop-experiments). */
  parameterChange: "Parameter Store Change",
} as const;

/**
 * The event the report function puts on the account's default event bus with each verdict on a
 * hypothesis (docs/hypothesis.md, "Gating a pipeline").
 */
export const VERDICT_EVENT = {
  source: "http-reset-peer",
  detailType: "Hypothesis Verdict",
} as const;
