/**
 * Forwarding under load (item 12): keep-alive requests that the fault passes on to the service
 * (ResetMethods=POST, so that every GET is forwarded), against the same requests straight to the
 * service and through HAProxy forwarding in `mode http`, in the same network with the same clients.
 */
import { join } from "node:path";
import { faultPid, SERVER_V4, type AgentOptions, type World } from "./harness";
import { cleanup, HAPROXY_PORT, inject, PORT, URL, withHaproxy, wrkOn } from "./payload";
import { processUsage, wrk, type WrkResult } from "./tools";

const CLIENT = join(__dirname, "keepalive_client.py");
export const FORWARD_SECONDS = 5;
export const FORWARD_CONNECTIONS = 64;
export const FORWARD_RATE = 1000;
export const RATE_CONNECTIONS = 32;
export const MEMORY_CONNECTIONS = 512;

/** What bench/keepalive_client.py reports. */
export interface KeepAliveReport {
  readonly requests: number;
  readonly responses: number;
  readonly errors: number;
  readonly late: number;
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
  readonly maxMs: number | null;
}

/** One path to the service under load: its keep-alive throughput and its latency at a steady rate. */
export interface PathRun {
  readonly throughput: WrkResult;
  readonly steady: KeepAliveReport;
  /** Of the forwarding process (none for the direct path), with MEMORY_CONNECTIONS forwarded at once. */
  readonly peakRssMiB?: number;
  readonly at512?: WrkResult;
}

export interface ForwardRun {
  readonly direct: PathRun;
  readonly ours: PathRun;
  readonly haproxy: PathRun;
}

async function steady(world: World): Promise<KeepAliveReport> {
  const argv = [CLIENT, SERVER_V4, String(PORT), String(FORWARD_RATE), String(FORWARD_SECONDS)];
  const r = await world.on(world.client, ["python3", ...argv, String(RATE_CONNECTIONS)], {
    timeoutMs: (FORWARD_SECONDS + 20) * 1000,
  });
  if (r.code !== 0) throw new Error(`keep-alive client exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").pop()!) as KeepAliveReport;
}

/** The load every path gets; with a forwarding process, also its memory under 512 connections. */
async function measure(world: World, pid?: number): Promise<PathRun> {
  const throughput = await wrk(wrkOn(world), URL, FORWARD_CONNECTIONS, FORWARD_SECONDS);
  const latency = await steady(world);
  if (pid === undefined) return { throughput, steady: latency };
  const at512 = await wrk(wrkOn(world), URL, MEMORY_CONNECTIONS, 3);
  return { throughput, steady: latency, at512, peakRssMiB: processUsage(pid).peakRssMiB };
}

/** `program`: another document to run than the current one (bench/baseline.ts). */
export async function throughOurs(world: World, program: AgentOptions = {}): Promise<PathRun> {
  const { fault, experimentId } = await inject(world, 60, { ResetMethods: "POST" }, program);
  try {
    return await measure(world, await faultPid(world, "proxy"));
  } finally {
    await cleanup(world, experimentId, program);
    await fault.done;
  }
}

const throughHaproxy = (world: World): Promise<PathRun> =>
  withHaproxy(
    world,
    [
      "defaults",
      "  mode http",
      "  timeout connect 2s",
      "  timeout client 10s",
      "  timeout server 10s",
      "frontend forward",
      `  bind :::${HAPROXY_PORT} v4v6 transparent`,
      "  default_backend service",
      "backend service",
      `  server service ${SERVER_V4}:${PORT}`,
    ],
    (pid) => measure(world, pid),
  );

/** One run: the three paths one after another on the same hosts, in an order that turns each run. */
export async function forwarding(world: World, run: number): Promise<ForwardRun> {
  const paths = {
    direct: () => measure(world),
    ours: () => throughOurs(world),
    haproxy: () => throughHaproxy(world),
  };
  const order = (["direct", "ours", "haproxy"] as const).map((_, i, all) => all[(i + run) % 3]);
  const done = new Map<string, PathRun>();
  for (const name of order) done.set(name, await paths[name]());
  return { direct: done.get("direct")!, ours: done.get("ours")!, haproxy: done.get("haproxy")! };
}
