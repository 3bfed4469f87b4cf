/**
 * Test hosts for the benchmarks that need root: new ones for every measurement (connection tracking
 * keeps closed connections, and where they were redirected, for a while, and a later rule would send
 * reused client ports there), each serving HTTP, and removed even when the run is stopped or runs
 * over its time limit.
 */
import { World } from "./harness";
import { loadAverage, machine } from "./machine";
import type { PartResult } from "./parts";
import { ensureTools, payloadSoftware } from "./tools";

const SYSTEM_PATH = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];
const CLIENT_PORT_RANGE = "net.ipv4.ip_local_port_range=1024 65535";

/** Checks for root and the tools, with the system's commands first on the PATH. */
export function prepareRootRun(what: string): void {
  // The system's commands first, so that the client's python3 is the one the document runs with
  // (the agent's PATH) and the one the report names.
  process.env.PATH = [...SYSTEM_PATH, ...(process.env.PATH ?? "").split(":")]
    .filter((d, i, all) => d && all.indexOf(d) === i)
    .join(":");
  if (process.getuid?.() !== 0) throw new Error(`${what} need root: network namespaces and iptables`);
  ensureTools();
}

/** A root part's result: its figures' section, with the machine and the software they ran on. */
export async function rootPartResult(
  started: number,
  loadAtStart: string,
  runs: number,
  section: string,
): Promise<PartResult> {
  return {
    date: new Date().toISOString().slice(0, 10),
    seconds: Math.round((Date.now() - started) / 1000),
    runs,
    machine: machine(),
    software: await payloadSoftware(),
    load: `${loadAtStart} at the start, ${loadAverage()} at the end`,
    section,
  };
}

export class BenchHosts {
  private world: World | undefined;
  private readonly limit: NodeJS.Timeout;
  private readonly interrupted = () => void this.stop("interrupted");
  private readonly terminated = () => void this.stop("terminated");

  /** `ports`: where the server host's HTTP service listens. */
  constructor(
    private readonly ports: number[],
    limitMs: number,
  ) {
    this.limit = setTimeout(() => void this.stop(`over the ${limitMs / 60000} min limit`), limitMs);
    process.once("SIGINT", this.interrupted);
    process.once("SIGTERM", this.terminated);
  }

  /** Runs one measurement on hosts of its own, removed after it. */
  async fresh<T>(measure: (w: World) => Promise<T>): Promise<T> {
    this.world = await World.create();
    try {
      await this.world.serveHttp(this.ports);
      // All the client host's ports for its connections, so that a run reuses them as late as it can.
      const ports = await this.world.on(this.world.client, ["sysctl", "-qw", CLIENT_PORT_RANGE]);
      if (ports.code !== 0) throw new Error(`sysctl ${CLIENT_PORT_RANGE} failed: ${ports.stderr}`);
      return await measure(this.world);
    } finally {
      await this.world.destroy();
      this.world = undefined;
    }
  }

  /** The run is over: no time limit, no signal handlers. */
  close(): void {
    clearTimeout(this.limit);
    process.off("SIGINT", this.interrupted);
    process.off("SIGTERM", this.terminated);
  }

  private async stop(why: string): Promise<void> {
    console.error(`bench: ${why}; removing the test hosts`);
    await this.world?.destroy();
    process.exit(1);
  }
}
