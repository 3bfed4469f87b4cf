import type { Plan } from "../../../lambda/contract";
import { planRun } from "../../../lambda/plan";
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
    remoteTraffic: "Reset",
    verified: true,
    verifiedBy: ["remote peers", "localhost"],
    restored: true,
    ipv6: true,
    outcome: "completed",
    ...fields,
  }) + "\nhttp-reset-peer run-1: port 80 on eth0, IPv4 and IPv6\n";
