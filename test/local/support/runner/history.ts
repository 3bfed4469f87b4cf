/**
 * Step Functions' execution history, counted from the local runner's event log the way AWS writes
 * it, so that a run can be checked against the 25,000-event limit:
 *   execution started / ended                          1 each
 *   every state entered / exited                       1 each
 *   a Lambda task, per attempt                         3 (scheduled, started, succeeded|failed)
 *   a Map state                                        2 (MapStateStarted, MapStateSucceeded|Failed)
 *   every Map iteration started / succeeded|failed     1 each
 * A Fail state writes its entry only (the execution's failure follows).
 */
import type { StateMachine } from "aws-local-stepfunctions";

/** One event of the local runner's log (the package does not export the type). */
export type EventLog =
  ReturnType<StateMachine["run"]>["eventLogs"] extends AsyncGenerator<infer E> ? E : never;

export const MAX_HISTORY_EVENTS = 25000;
/** The largest input or output a state may have (256 KiB of UTF-8). */
export const MAX_PAYLOAD_BYTES = 262144;

export function historyEventsOf(event: EventLog): number {
  switch (event.type) {
    case "ExecutionStarted":
    case "ExecutionSucceeded":
    case "ExecutionFailed":
    case "ExecutionAborted":
    case "ExecutionTimeout":
    case "MapIterationStarted":
    case "MapIterationSucceeded":
    case "MapIterationFailed":
    case "ParallelBranchStarted":
    case "ParallelBranchSucceeded":
    case "ParallelBranchFailed":
      return 1;
    case "StateEntered":
      return 1 + (event.state.type === "Task" ? 3 : event.state.type === "Map" ? 1 : 0);
    case "StateExited":
      return 1 + (event.state.type === "Map" ? 1 : 0);
    case "StateRetried":
      return event.state.type === "Task" ? 3 : 0;
    default:
      return 0;
  }
}

export const payloadBytes = (value: unknown): number =>
  value === undefined ? 0 : Buffer.byteLength(JSON.stringify(value), "utf8");
