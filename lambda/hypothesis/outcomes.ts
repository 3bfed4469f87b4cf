/** How the outcomes of a probe's parts make the probe's: any failure fails it, any doubt leaves it in doubt. */
import type { ProbeOutcome } from "../../lib/hypothesis/probe-spec";

export function combined(outcomes: readonly ProbeOutcome[]): ProbeOutcome {
  const judged = outcomes.filter((o) => o !== "Skipped");
  if (!judged.length) return "Skipped";
  if (judged.includes("Failed")) return "Failed";
  if (judged.includes("Inconclusive")) return "Inconclusive";
  return "Passed";
}

/** An error's message, for a probe that could not be read. */
export const messageOf = (error: unknown): string =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error);
