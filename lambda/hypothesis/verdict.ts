/**
 * The verdict: Failed when any probe failed, Inconclusive when none failed and some could not be
 * judged, Passed when every probe judged passed. The score is the weighted share of the probes
 * judged that passed: 100 × Σ weight(passed) / Σ weight(judged), probes Skipped left out.
 */
import type { HypothesisSpec } from "../../lib/hypothesis/probe-spec";
import type { ProbeResult, Verdict } from "../contract";
import { combined } from "./outcomes";

/** `note` says why some probes were not judged, when the fault was not injected. */
export function verdictOf(
  hypothesis: HypothesisSpec,
  probes: ProbeResult[],
  steadyStateHeld: boolean,
  note?: string,
): Verdict {
  const judged = probes.filter((p) => p.outcome !== "Skipped");
  const weight = (list: ProbeResult[]) => list.reduce((n, p) => n + p.weight, 0);
  const score = judged.length
    ? Math.round((100 * weight(judged.filter((p) => p.outcome === "Passed"))) / weight(judged))
    : 0;
  const outcome = combined(judged.map((p) => p.outcome));
  const result = outcome === "Skipped" ? "Inconclusive" : outcome;
  const deciding = judged.filter((p) => p.outcome === result).map((p) => p.name);
  const because =
    result === "Passed"
      ? "every probe passed"
      : `${result === "Failed" ? "failed" : "not judged"}: ${deciding.join(", ") || "no probe was judged"}`;
  return {
    result,
    score,
    statement: hypothesis.statement,
    steadyStateHeld,
    summary: `${result}, score ${score}: ${because}${note ? ` (${note})` : ""}`,
    probes,
  };
}
