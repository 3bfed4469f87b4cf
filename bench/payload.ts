/**
 * The payload under load, measured in a network of our own (see the payload tests' World): a server
 * host with an HTTP service on port 80 and a bystander on 8080, and a client host on the other end
 * of a veth pair. Nothing here sends traffic anywhere else.
 */
import { mkdtempSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ChildProcess } from "node:child_process";
import {
  armed,
  faultPid,
  must,
  restoredWithin,
  run,
  SERVER_V4,
  sleep,
  startDocument,
  World,
  type AgentOptions,
} from "./harness";
import { processUsage, wrk, WrkResult } from "./tools";

export const PORT = 80;
export const BYSTANDER_PORT = 8080;
export const HAPROXY_PORT = 18080;
export const URL = `http://${SERVER_V4}:${PORT}/`;
const BYSTANDER_URL = `http://${SERVER_V4}:${BYSTANDER_PORT}/`;
const CLIENT = join(__dirname, "reset_client.py");
export const LOAD_SECONDS = 10;
export const LATENCY_RATE = 1000;
export const LATENCY_SECONDS = 5;
export const WINDOW_SECONDS = 3;
export const BYSTANDER_SECONDS = 3;

export interface ClientReport {
  readonly attempts: number;
  readonly seconds: number;
  readonly outcomes: Record<string, number>;
  readonly responses: number;
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
  readonly maxMs: number | null;
}

/** One attempt of the steady-rate client: when it started and ended (wall clock, ms), and how. */
export interface ClientEvent {
  readonly start: number;
  readonly t: number;
  readonly outcome: string;
}

/** One resetter under load: ours or HAProxy's. */
export interface LoadRun {
  readonly latency: ClientReport;
  readonly c64: WrkResult;
  readonly c512: WrkResult;
  /** Of the resetting process, over the 512-connection load. */
  readonly cpuPercent: number;
  readonly peakRssMiB: number;
}

export const wrkOn = (world: World) => (argv: string[], options: { timeoutMs: number }) =>
  world.on(world.client, argv, options);

/** Runs the steady-rate client on the client host and returns its report (and its event lines). */
export async function steadyClient(
  world: World,
  rate: number,
  seconds: number,
  events = false,
): Promise<{ report: ClientReport; events: ClientEvent[] }> {
  const argv = ["python3", CLIENT, SERVER_V4, String(PORT), String(rate), String(seconds)];
  const r = await world.on(world.client, events ? [...argv, "events"] : argv, {
    timeoutMs: (seconds + 10) * 1000,
  });
  if (r.code !== 0) throw new Error(`reset client exited ${r.code}: ${r.stderr}`);
  const lines = r.stdout.trim().split("\n");
  const report = JSON.parse(lines.pop()!) as ClientReport;
  return {
    report,
    events: lines.map((l) => {
      const [start, t, outcome] = l.split(" ");
      return { start: Number(start), t: Number(t), outcome };
    }),
  };
}

/** The load every resetter gets: a steady 1,000 connections/s, then wrk with 64 and with 512. */
async function load(world: World, pid: number): Promise<LoadRun> {
  const latency = (await steadyClient(world, LATENCY_RATE, LATENCY_SECONDS)).report;
  const c64 = await wrk(wrkOn(world), URL, 64, LOAD_SECONDS);
  const before = processUsage(pid);
  const c512 = await wrk(wrkOn(world), URL, 512, LOAD_SECONDS);
  const after = processUsage(pid);
  return {
    latency,
    c64,
    c512,
    cpuPercent: ((after.cpuSeconds - before.cpuSeconds) / c512.seconds) * 100,
    peakRssMiB: after.peakRssMiB,
  };
}

let experiments = 0;

/**
 * Starts the fault and waits until its rules are in; returns the run and its experiment id.
 * `program`: another document to run than the current one (bench/baseline.ts).
 */
export async function inject(
  world: World,
  durationSeconds: number,
  parameters: Record<string, string> = {},
  program: AgentOptions = {},
) {
  const experimentId = `bench-${process.pid}-${experiments++}`;
  const fault = startDocument(
    world,
    { ...parameters, DurationSeconds: String(durationSeconds), ExperimentId: experimentId },
    program,
  );
  await armed(world);
  return { fault, experimentId };
}

/** Ends the fault with the document's Cleanup action and checks the host is as before. */
export async function cleanup(world: World, experimentId: string, program: AgentOptions = {}): Promise<void> {
  const result = await startDocument(world, { Action: "Cleanup", ExperimentId: experimentId }, program).done;
  if (result.code !== 0) throw new Error(`Cleanup exited ${result.code}: ${result.stdout}`);
  if ((await restoredWithin(world, 5000)) === undefined) throw new Error("the host was not restored");
}

export async function loadOurs(world: World, program: AgentOptions = {}): Promise<LoadRun> {
  const { fault, experimentId } = await inject(world, 3 * LOAD_SECONDS + LATENCY_SECONDS + 30, {}, program);
  try {
    return await load(world, await faultPid(world, "proxy"));
  } finally {
    await cleanup(world, experimentId, program);
    await fault.done;
  }
}

/** HAProxy resetting every connection, behind the same kind of TPROXY rule as the fault's proxy. */
export const loadHaproxy = (world: World): Promise<LoadRun> =>
  withHaproxy(
    world,
    [
      "defaults",
      "  mode tcp",
      "  timeout connect 2s",
      "  timeout client 2s",
      "  timeout server 2s",
      "frontend reset",
      `  bind :::${HAPROXY_PORT} v4v6 transparent`,
      "  option nolinger",
      "  tcp-request connection reject",
    ],
    (pid) => load(world, pid),
  );

/** The kernel resetting by itself, no process involved: item 1's limit. */
export interface KernelRun {
  readonly c64: WrkResult;
  readonly c512: WrkResult;
}

/**
 * wrk with `connections` against a filter rule on the server host that answers every established
 * packet to the port with a reset (`REJECT --reject-with tcp-reset`): the client's handshake ACK is
 * the first, so its connect succeeds, or fails (over the veth pair the reset can arrive before
 * connect returns), and its request is never sent. wrk stops at once when the connection it makes
 * to check the address fails: a rule ahead lets the first packet through. On hosts of their own for
 * each load, so that nothing left from another (a retransmitted SYN-ACK, say) is that first packet.
 */
export async function loadKernel(world: World, connections: number): Promise<WrkResult> {
  const rule = (action: "-I" | "-D", ...then: string[]) => [
    ...["iptables", "-w", action, "INPUT", "-i", "eth0", "-p", "tcp", "--dport", String(PORT)],
    ...["-m", "conntrack", "--ctstate", "ESTABLISHED", ...then],
  ];
  const rules = [
    ["-j", "REJECT", "--reject-with", "tcp-reset"],
    ["-m", "limit", "--limit", "1/hour", "--limit-burst", "1", "-j", "ACCEPT"],
  ];
  for (const then of rules) await must(world.enter(world.server, rule("-I", ...then)));
  try {
    return await wrk(wrkOn(world), URL, connections, LOAD_SECONDS);
  } finally {
    for (const then of rules) await run(world.enter(world.server, rule("-D", ...then)));
  }
}

/**
 * Runs `measure` with HAProxy on the server host, configured by `sections` (its frontend binds
 * HAPROXY_PORT, transparent), and new connections to PORT from the client host handed to it by a
 * TPROXY rule as the fault's are to its proxy. `measure` gets HAProxy's pid.
 */
export async function withHaproxy<T>(
  world: World,
  sections: string[],
  measure: (pid: number) => Promise<T>,
): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), "hrp-bench-haproxy-"));
  const config = join(dir, "haproxy.cfg");
  writeFileSync(config, ["global", "  maxconn 8000", ...sections, ""].join("\n"));
  const redirect = (action: "-I" | "-D") =>
    [
      "iptables",
      "-w",
      "-t",
      "mangle",
      action,
      "PREROUTING",
      "-i",
      "eth0",
      "-p",
      "tcp",
      "--dport",
      String(PORT),
    ]
      .concat(["--syn", "-j", "TPROXY", "--on-port", String(HAPROXY_PORT)])
      .map(String);
  let haproxy: ChildProcess | undefined;
  try {
    haproxy = world.start(world.server, ["haproxy", "-db", "-f", config]);
    const exited = new Promise<void>((resolve) => haproxy!.once("exit", () => resolve()));
    await waitListening(world, HAPROXY_PORT);
    await must(world.enter(world.server, redirect("-I")));
    try {
      return await measure(await serverPid(world, "haproxy"));
    } finally {
      await run(world.enter(world.server, redirect("-D")));
      haproxy.kill("SIGTERM");
      await Promise.race([exited, sleep(3000)]);
    }
  } finally {
    haproxy?.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The pid of a program on the server host, as this machine numbers it: `world.start` runs it
 * through nsenter, which forks to enter the host's PID namespace, so its own pid is nsenter's.
 */
async function serverPid(world: World, program: string): Promise<number> {
  const pids = (await run(["ip", "netns", "pids", world.server])).stdout.split(/\s+/).filter(Boolean);
  const found = pids.find((pid) => {
    try {
      return readlinkSync(`/proc/${pid}/exe`).endsWith(`/${program}`);
    } catch {
      return false;
    }
  });
  if (!found) throw new Error(`no ${program} process on the server host`);
  return Number(found);
}

async function waitListening(world: World, port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const r = await world.on(world.server, ["ss", "-Htln", `sport = :${port}`]);
    if (r.stdout.trim()) return;
    await sleep(50);
  }
  throw new Error(`nothing listens on port ${port} of the server host`);
}

export interface WindowRun {
  /** From starting the script to the first reset a client saw, ms. */
  readonly onsetMs: number;
  /** From starting the script to the startedAt it reports, once its rules are in, ms. */
  readonly rulesInMs: number;
  /** From startedAt + DurationSeconds to the first 200 again, ms. */
  readonly teardownMs: number;
  /** From the first reset to the first 200 again, ms. */
  readonly windowMs: number;
  readonly responsesInWindow: number;
}

/** Onset and teardown: a client tries a new connection every 2 ms across the whole window. */
export async function window(world: World, program: AgentOptions = {}): Promise<WindowRun> {
  const probeSeconds = WINDOW_SECONDS + 3;
  const probe = steadyClient(world, 500, probeSeconds, true);
  await sleep(700); // the probe is up and sees 200s
  const experimentId = `bench-${process.pid}-${experiments++}`;
  const t0 = Date.now();
  const fault = startDocument(
    world,
    { DurationSeconds: String(WINDOW_SECONDS), ExperimentId: experimentId },
    program,
  );
  const [result, seen] = await Promise.all([fault.done, probe]);
  if (result.code !== 0) throw new Error(`the fault exited ${result.code}: ${result.stdout}`);
  const startedAt = Date.parse(String(result.summary.startedAt));
  const events = seen.events;
  const firstReset = events.find((e) => e.t >= t0 && e.outcome === "reset");
  if (!firstReset) throw new Error("the probe saw no reset");
  // A connection opened before the rules went in may still be answered after the first reset: the
  // window is over at the first 200 of a connection opened after the first reset.
  const back = events.find((e) => e.start > firstReset.t && e.outcome === "200");
  if (!back) throw new Error("the probe never saw a 200 after the fault");
  const responsesInWindow = events.filter(
    (e) => e.start > firstReset.t && e.start < back.start && /^\d+$/.test(e.outcome),
  ).length;
  return {
    onsetMs: firstReset.t - t0,
    rulesInMs: startedAt - t0,
    teardownMs: back.t - (startedAt + WINDOW_SECONDS * 1000),
    windowMs: back.t - firstReset.t,
    responsesInWindow,
  };
}

/** From SIGKILL of the command's process group to no rule and no process of the fault left, ms. */
export async function restoreAfterKill(world: World): Promise<number> {
  const { fault } = await inject(world, 60);
  await faultPid(world, "proxy");
  await faultPid(world, "warden");
  await sleep(300);
  const t0 = Date.now();
  fault.killGroup();
  const took = await restoredWithin(world, 10000);
  if (took === undefined) throw new Error("the host was not restored within 10 s of SIGKILL");
  const ms = Date.now() - t0;
  await fault.done;
  return ms;
}

/** What item 7 measures: the service on another port, or on the fault's port with ResetPercentage 1. */
export type Bystander = "otherPort" | "spared";

/** The share of connections the spared measurement resets: as few as the fault takes. */
export const SPARED_RESET_PERCENTAGE = 1;

/**
 * Requests/s of an HTTP service with the fault active or without it: on another port, or on the
 * fault's own port with ResetPercentage 1, where almost every connection is spared by the kernel's
 * choice. Each measurement needs hosts of its own: a new connection per request leaves the server
 * host with thousands of TIME_WAIT sockets, which slow down whatever is measured after them.
 */
export async function bystander(
  world: World,
  who: Bystander,
  keepAlive: boolean,
  faulted: boolean,
): Promise<WrkResult> {
  const url = who === "spared" ? URL : BYSTANDER_URL;
  const measure = () => wrk(wrkOn(world), url, 32, BYSTANDER_SECONDS, keepAlive ? [] : ["Connection: close"]);
  if (!faulted) return measure();
  const parameters: Record<string, string> =
    who === "spared" ? { ResetPercentage: String(SPARED_RESET_PERCENTAGE) } : {};
  const { fault, experimentId } = await inject(world, BYSTANDER_SECONDS + 30, parameters);
  try {
    return await measure();
  } finally {
    await cleanup(world, experimentId);
    await fault.done;
  }
}
