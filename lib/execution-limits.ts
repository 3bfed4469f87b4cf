/**
 * Step Functions' limits, and what they allow the fault: how an experiment's targets are split
 * into child executions, how many instances one experiment takes, and how often it can afford to
 * check progress.
 */
import { InjectionSequence } from "./fault-tunables";

/** Progress is checked this often, so that a stop-condition alarm stops the fault soon... */
const POLL_SECONDS = 10;

/**
 * ...unless the fault is long: every execution's history holds at most 25,000 events, and a child
 * execution holds one group's checks. Counted as Step Functions writes them: the child's own states
 * besides its checks (start, the batch taken, Send, the end, with room for retried tasks), and each
 * progress check (Wait, Check, Choice).
 */
export const HISTORY_EVENTS = { limit: 25_000, fixed: 100, perCheck: 9 } as const;

/**
 * The most instances one child execution injects at once, in a parallel run: its SendCommand
 * calls of 50 and its progress checks (a ListCommandInvocations page per 50) stay a few seconds
 * long, and its input, about 40 bytes per instance, far below the 256 KiB a state's input may hold.
 * A serial run gives each child one instance.
 */
export const PARALLEL_BATCH = 500;

/**
 * The most instances one experiment takes. The state machine holds no instance list (the targets
 * and the report are objects in the records bucket), so the bound is what SSM's API rates allow:
 * a parallel run of 10,000 checks 20 children's commands every 10 s, 200 ListCommandInvocations
 * calls, and 10,000 is the largest fleet the scale tests and benchmarks run.
 */
export const MAX_TARGETS = 10_000;

/**
 * Seconds between progress checks of a group that holds the fault `durationSeconds`: every check
 * the child execution's history has room for, spread over the fault. The group also gets up to two
 * checks more than the spread gives it (the one that sees it end, and rounding).
 */
export function pollSeconds(durationSeconds: number): number {
  const often = Math.max(1, Math.min(POLL_SECONDS, durationSeconds));
  const { limit, fixed, perCheck } = HISTORY_EVENTS;
  const spread = Math.floor((limit - fixed) / perCheck) - 2;
  return Math.max(often, Math.ceil(durationSeconds / spread));
}

/** How a run's targets are split into child executions, and how many of those run at once. */
export function batching(
  sequence: `${InjectionSequence}`,
  targets: number,
): { size: number; concurrency: number } {
  if (sequence === InjectionSequence.SERIAL) return { size: 1, concurrency: 1 };
  return { size: PARALLEL_BATCH, concurrency: Math.max(1, Math.ceil(targets / PARALLEL_BATCH)) };
}
