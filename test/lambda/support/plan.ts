import type { Plan } from "../../../lambda/contract";
import { planRun } from "../../../lambda/input/plan";
import { readTunables } from "../../../lib/tunables";

/** A plan as resolve-targets makes it, for the given targets and tunables, started at the start of 2026. */
export function planFor(
  targets: string[],
  tunables: Record<string, unknown> = {},
  experimentId = "run-1",
): Plan {
  const { values, problems } = readTunables({ EC2_INSTANCE_ID: targets.join(","), ...tunables });
  if (problems.length) throw new Error(problems.join("; "));
  return planRun(
    values,
    { experimentId, region: "eu-west-1", startedAt: "2026-01-01T00:00:00.000Z" },
    targets.length,
  );
}

/** The document's first line of output, as Inject prints it. */
export const injectOutput = (fields: Record<string, unknown> = {}): string =>
  JSON.stringify({
    action: "Inject",
    experimentId: "run-1",
    targetPort: 80,
    interface: "eth0",
    durationSeconds: 30,
    startedAt: "2026-01-01T00:00:00.000Z",
    endedAt: "2026-01-01T00:00:30.000Z",
    connectionsReset: 12,
    remoteConnectionsReset: 12,
    localConnectionsReset: 0,
    connectionsSpared: 0,
    requestsReset: { GET: 10, POST: 2 },
    requestsForwarded: { GET: 5 },
    remoteTraffic: "Reset",
    verified: true,
    verifiedBy: ["remote peers", "localhost"],
    restored: true,
    ipv6: true,
    outcome: "completed",
    // 12 resets in the 30 seconds of the window.
    resetSeries: { start: "2026-01-01T00:00:00Z", step: 1, counts: [3, 3, 2, 2, 2, ...Array(25).fill(0)] },
    ...fields,
  }) + "\nhttp-reset-peer run-1: port 80 on eth0, IPv4 and IPv6\n";

/** What the report holds of an instance whose document told nothing (no summary line). */
export const NOTHING_TOLD = {
  connectionsReset: null,
  remoteConnectionsReset: null,
  localConnectionsReset: null,
  connectionsSpared: null,
  requestsReset: null,
  requestsForwarded: null,
  remoteTraffic: null,
  verified: null,
  verifiedBy: null,
  startedAt: null,
  endedAt: null,
  restored: null,
  outcome: null,
  resetSeries: null,
} as const;
