/**
 * The payload tests' harness picks `describe` when its module loads; outside jest there is none.
 * Loaded before the harness, this gives it one that is never called.
 */
const g = globalThis as { describe?: unknown };
g.describe ??= () => {
  throw new Error("describe is only for jest");
};
