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
    clients: CLIENTS,
    ...fields,
  }) +
  "\nhttp-reset-peer run-1: port 80 on eth0, IPv4 and IPv6\n" +
  CLIENT_ROWS.map((row) => `client ${JSON.stringify(row)}\n`).join("");

/** The rows injectOutput's instance prints after its summary, one a client, as inject.py does. */
export const CLIENT_ROWS = [
  {
    client: "198.18.0.2",
    connections: 4,
    resets: 3,
    retries: 2,
    unsafeRetries: { POST: 1 },
    unsafeRequests: ["POST /orders"],
    retryDelaysMs: [50, 200],
    amplification: 1.5,
    reconnectMs: 300,
    connectionsAfter: 2,
  },
  {
    client: "198.18.0.3",
    connections: 1,
    resets: 1,
    retries: 1,
    unsafeRetries: {},
    unsafeRequests: [],
    retryDelaysMs: [20],
    amplification: null,
    reconnectMs: 800,
    connectionsAfter: 1,
  },
];

/** What injectOutput's instance's clients did: two of them, one of which sent a POST again unsafely. */
export const CLIENTS = {
  seen: 2,
  retries: 3,
  unsafeRetries: { POST: 1 },
  retryDelayMs: { p50: 50, max: 200 },
  amplification: 1.5,
  reconnected: 2,
  reconnectMs: { p50: 300, max: 800 },
  notSeenAgain: 0,
  top: [{ client: "198.18.0.2", unsafeRetries: 1, retries: 2, reconnectMs: 300 }],
};

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
  clients: null,
} as const;
