/**
 * Step Functions' limits on one execution, and what they allow the fault: how many instances one
 * execution takes, and how often it can afford to check progress.
 */

/** Progress is checked this often, so that a stop-condition alarm stops the fault soon... */
const POLL_SECONDS = 10;

/**
 * ...unless the run is long: one execution's history holds at most 25,000 events. Counted as Step
 * Functions writes them: the states around the groups (start, resolve, ramps, the Map, report, end,
 * with room for retried tasks), each group besides its checks (the Map iteration, Send, Group
 * done), and each progress check (Wait, Check, Choice).
 */
export const HISTORY_EVENTS = { limit: 25_000, fixed: 1000, perGroup: 11, perCheck: 9 } as const;

/**
 * The most instances one execution takes. A serial run's groups, each checked at least twice, use
 * 500 × (11 + 2 × 9) = 14,500 events; the report lists each instance in about 280 bytes, 140 KB
 * of the 256 KiB a state's output may hold. Larger fleets are split over several executions.
 */
export const MAX_TARGETS = 500;

/**
 * Seconds between progress checks for `groups` groups that each hold the fault `durationSeconds`:
 * every check the history has room for, spread over the run. Each group also gets up to two checks
 * more than the spread gives it (the one that sees it end, and rounding).
 */
export function pollSeconds(durationSeconds: number, groups: number): number {
  const often = Math.max(1, Math.min(POLL_SECONDS, durationSeconds));
  const { limit, fixed, perGroup, perCheck } = HISTORY_EVENTS;
  const spread = Math.floor((limit - fixed - groups * perGroup) / perCheck) - 2 * groups;
  return Math.max(often, Math.ceil((durationSeconds * groups) / spread));
}
