/**
 * The payload under load (items 1 to 7): every measurement on network namespaces of its own, the
 * fault's proxy beside HAProxy. Needs root (network namespaces, iptables); installs wrk and
 * HAProxy from Debian when missing. Bounded in time; removes every namespace, rule and process it
 * made, even on failure.
 */
import { World } from "./harness";
import { loadAverage, machine } from "./machine";
import { progress, type PartResult } from "./parts";
import {
  bystander,
  BYSTANDER_PORT,
  loadHaproxy,
  loadOurs,
  LoadRun,
  PORT,
  restoreAfterKill,
  window,
  WindowRun,
} from "./payload";
import { payloadSection } from "./payload-section";
import { BYSTANDER_MEASURES, BystanderRun, payloadTable, table } from "./payload-table";
import { ensureTools, payloadSoftware, WrkResult } from "./tools";

const SYSTEM_PATH = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];
const CLIENT_PORT_RANGE = "net.ipv4.ip_local_port_range=1024 65535";
const TIME_LIMIT_MS = 16 * 60 * 1000;

export async function runPayload(runs: number): Promise<PartResult> {
  // The system's commands first, so that the client's python3 is the one the document runs with
  // (the agent's PATH) and the one the report names.
  process.env.PATH = [...SYSTEM_PATH, ...(process.env.PATH ?? "").split(":")]
    .filter((d, i, all) => d && all.indexOf(d) === i)
    .join(":");
  if (process.getuid?.() !== 0)
    throw new Error("the payload benchmarks need root: network namespaces and iptables");
  ensureTools();
  const started = Date.now();
  const loadAtStart = loadAverage();
  // Every measurement gets hosts of its own: connection tracking keeps closed connections (and where
  // they were redirected) for a while, and a later rule would send reused client ports there.
  let world: World | undefined;
  const fresh = async <T>(measure: (w: World) => Promise<T>): Promise<T> => {
    world = await World.create();
    try {
      await world.serveHttp([PORT, BYSTANDER_PORT]);
      // All the client host's ports for its connections, so that a run reuses them as late as it can.
      const ports = await world.on(world.client, ["sysctl", "-qw", CLIENT_PORT_RANGE]);
      if (ports.code !== 0) throw new Error(`sysctl ${CLIENT_PORT_RANGE} failed: ${ports.stderr}`);
      return await measure(world);
    } finally {
      await world.destroy();
      world = undefined;
    }
  };
  const stop = async (why: string) => {
    console.error(`bench: ${why}; removing the test hosts`);
    await world?.destroy();
    process.exit(1);
  };
  const limit = setTimeout(() => void stop(`over the ${TIME_LIMIT_MS / 60000} min limit`), TIME_LIMIT_MS);
  const interrupted = () => void stop("interrupted");
  const terminated = () => void stop("terminated");
  process.once("SIGINT", interrupted);
  process.once("SIGTERM", terminated);
  const ours: LoadRun[] = [];
  const theirs: LoadRun[] = [];
  const windows: WindowRun[] = [];
  const kills: number[] = [];
  const bystanders: BystanderRun[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      // Alternate which goes first, so that neither always meets the machine in the same state.
      if (i % 2) {
        theirs.push(await fresh(loadHaproxy));
        ours.push(await fresh(loadOurs));
      } else {
        ours.push(await fresh(loadOurs));
        theirs.push(await fresh(loadHaproxy));
      }
      progress(`load run ${i + 1}/${runs}`, started);
    }
    for (let i = 0; i < runs; i++) {
      windows.push(await fresh(window));
      kills.push(await fresh(restoreAfterKill));
      progress(`window and SIGKILL run ${i + 1}/${runs}`, started);
    }
    for (let i = 0; i < runs; i++) {
      const run: Partial<Record<string, { without?: WrkResult; with?: WrkResult }>> = {};
      for (const { key, who, keepAlive } of BYSTANDER_MEASURES) {
        const pair: { without?: WrkResult; with?: WrkResult } = {};
        for (const faulted of i % 2 ? [true, false] : [false, true]) {
          pair[faulted ? "with" : "without"] = await fresh((w) => bystander(w, who, keepAlive, faulted));
        }
        run[key] = pair;
      }
      bystanders.push(run as BystanderRun);
      progress(`bystander run ${i + 1}/${runs}`, started);
    }
  } finally {
    clearTimeout(limit);
    process.off("SIGINT", interrupted);
    process.off("SIGTERM", terminated);
  }
  const results = payloadTable(table(ours, theirs, windows, kills, bystanders));
  console.log(`\n${results}\n`);
  return {
    date: new Date().toISOString().slice(0, 10),
    seconds: Math.round((Date.now() - started) / 1000),
    runs,
    machine: machine(),
    software: await payloadSoftware(),
    load: `${loadAtStart} at the start, ${loadAverage()} at the end`,
    section: payloadSection(results, runs),
  };
}
