/**
 * When each probe is judged: a metric, HTTP or command probe over the windows of the phase it was given, an
 * alarm that must stay OK throughout (Continuously), one that must fire while the fault runs
 * (During), target health throughout, and the clients once it is over (After).
 */
import type { PhaseName, ProbeSpec } from "../../lib/hypothesis/probe-spec";
import type { ProbeWindow } from "../contract";

/** The windows each phase is judged over, in order. */
const PHASE_WINDOWS: Record<PhaseName, ProbeWindow["phase"][]> = {
  Before: ["Before"],
  During: ["During"],
  After: ["After"],
  BeforeAndAfter: ["Before", "After"],
  Continuously: ["Before", "During", "After"],
};

export function phaseOf(probe: ProbeSpec): PhaseName {
  if (probe.kind === "Metric" || probe.kind === "Http" || probe.kind === "Command") return probe.phase;
  if (probe.kind === "Clients") return "After";
  // Healthy before, taken out during, healthy again after.
  if (probe.kind === "TargetHealth") return "Continuously";
  return probe.expect === "StaysOk" ? "Continuously" : "During";
}

export const windowsOf = (probe: ProbeSpec): ProbeWindow["phase"][] => PHASE_WINDOWS[phaseOf(probe)];
