/** Why an execution ended, as its status change says it: the error and cause of its stop. */
import type { ExecutionStatusChangeEvent, StopCause } from "../contract";

export const executionStop = ({ status, error, cause }: ExecutionStatusChangeEvent["detail"]): StopCause => ({
  Error: error || (status === "TIMED_OUT" ? "States.Timeout" : "Aborted"),
  Cause: cause || `The execution was ${status === "TIMED_OUT" ? "timed out" : "stopped"}`,
});
