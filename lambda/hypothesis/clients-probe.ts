/**
 * The clients probe, judged from what the instances saw the real clients do: the retries not safe to
 * send again, and how soon every client came back after the window.
 */
import type { ClientsProbeSpec } from "../../lib/hypothesis/probe-spec";
import type { ClientsTotals, ProbeResult } from "../contract";
import { phaseOf } from "./phases";

export function judgeClients(
  probe: ClientsProbeSpec,
  clients: ClientsTotals,
  observeRecoverySeconds: number,
): ProbeResult {
  const unsafe = Object.values(clients.unsafeRetries).reduce((n, c) => n + c, 0);
  const evidence = {
    instancesTold: clients.instances,
    clientsSeen: clients.seen,
    unsafeRetries: clients.unsafeRetries,
    reconnected: clients.reconnected,
    notSeenAgain: clients.notSeenAgain,
    reconnectMsMax: clients.reconnectMsMax,
  };
  const done = (outcome: ProbeResult["outcome"], reason: string): ProbeResult => ({
    name: probe.name,
    kind: "Clients",
    phase: phaseOf(probe),
    weight: probe.weight,
    outcome,
    reason,
    evidence,
  });
  if (!clients.instances) return done("Inconclusive", "no instance told what its clients did");
  if (!clients.seen) return done("Inconclusive", "no client was reset: there was nothing to judge");
  const failed: string[] = [];
  const doubts: string[] = [];
  const passed: string[] = [];
  if (probe.maxUnsafeRetries !== undefined) {
    const words = `${unsafe} unsafe ${unsafe === 1 ? "retry" : "retries"} (at most ${probe.maxUnsafeRetries})`;
    (unsafe > probe.maxUnsafeRetries ? failed : passed).push(words);
  }
  const back = probe.backWithinSeconds;
  if (back !== undefined) {
    if (observeRecoverySeconds < back) {
      doubts.push(
        `OBSERVE_RECOVERY_SECONDS (${observeRecoverySeconds}) is shorter than ${back} s: not watched long enough`,
      );
    } else if (clients.notSeenAgain > 0) {
      failed.push(
        `${clients.notSeenAgain} of the clients reset did not come back within ${observeRecoverySeconds} s`,
      );
    } else if ((clients.reconnectMsMax ?? 0) > back * 1000) {
      failed.push(`a client took ${clients.reconnectMsMax} ms to come back (at most ${back} s)`);
    } else {
      passed.push(`every client came back within ${back} s`);
    }
  }
  if (failed.length) return done("Failed", failed.join("; "));
  if (doubts.length) return done("Inconclusive", doubts.join("; "));
  return done("Passed", passed.join("; "));
}
