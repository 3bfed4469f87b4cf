/**
 * A terminal view of a local experiment: the state the execution is in, and per instance what its
 * agent is doing, how many connections its fault reset in the last second (what the dashboard's
 * per-instance graph shows), and what its client saw, second by second (█ answered, ✕ reset,
 * · nothing).
 */
import { faultResetsLastSecond } from "./fault-counters";
import type { NamespaceFleet } from "./fleet";
import type { LocalExecution } from "./runner/execution";

const WIDTH = 60;

function agentState(m: NamespaceFleet["members"][number]): string {
  const running = m.agent.runs.find((r) => r.endedAt === undefined);
  if (running) return running.action === "Inject" ? "\x1b[31mINJECTING\x1b[0m" : "\x1b[33mCLEANING \x1b[0m";
  const last = m.agent.runs.at(-1);
  return last ? `done (${last.action}, exit ${last.exitCode})`.padEnd(9) : "idle     ";
}

function timeline(m: NamespaceFleet["members"][number], since: number, now: number): string {
  const cells: string[] = [];
  const first = Math.max(since, now - WIDTH * 1000);
  for (let t = first; t < now; t += 1000) {
    const samples = m.traffic.between(t, t + 1000);
    const resets = samples.filter((s) => s.outcome === "reset").length;
    const ok = samples.filter((s) => s.outcome === 200).length;
    cells.push(resets ? "\x1b[31m✕\x1b[0m" : ok ? "\x1b[32m█\x1b[0m" : "·");
  }
  return cells.join("");
}

export function render(fleet: NamespaceFleet, execution: LocalExecution, since: number): string {
  const now = Date.now();
  const entered = execution.statesEntered();
  const state = entered.at(-1)?.name ?? "starting";
  const lines = [
    `\x1b[1mEC2 HTTP reset peer — local experiment ${execution.name}\x1b[0m   t+${((now - since) / 1000).toFixed(0)} s`,
    `state machine: ${state}   (${entered.length} states entered)`,
    "",
    "instance              agent      ok/s  resets/s  resets  client, one cell a second (█ answered, ✕ reset)",
  ];
  for (const m of fleet.members) {
    const lastSecond = m.traffic.between(now - 1000, now);
    const resetsPerSecond = faultResetsLastSecond(m.world.stateDir, now);
    lines.push(
      [
        m.instance.id,
        agentState(m),
        String(lastSecond.filter((s) => s.outcome === 200).length).padStart(4),
        (resetsPerSecond === null ? "-" : String(resetsPerSecond)).padStart(8),
        String(m.traffic.resets(since)).padStart(6),
        timeline(m, since, now),
      ].join("  "),
    );
  }
  return lines.join("\n");
}
