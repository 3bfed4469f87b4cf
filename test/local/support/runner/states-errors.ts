/**
 * States.Runtime, as Step Functions raises it: the execution fails, and no Retry or Catch applies
 * (aws-local-stepfunctions does not export its own).
 */
export const statesRuntimeError = (message: string): Error =>
  Object.assign(new Error(message), { name: "States.Runtime", isRetryable: false, isCatchable: false });
