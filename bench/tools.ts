/** What the payload benchmarks need around them: Debian tools, the load generator, process usage. */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { hasCommand } from "../test/payload/support/sbin";
import { run } from "./harness";

/** Debian package of each command the benchmarks run. */
const PACKAGES: Record<string, string> = {
  wrk: "wrk",
  haproxy: "haproxy",
  ip: "iproute2",
  nsenter: "util-linux",
  tini: "tini",
  iptables: "iptables",
  curl: "curl",
  python3: "python3",
};

/** Installs the missing tools from Debian when root; otherwise says what is missing and stops. */
export function ensureTools(): void {
  const missing = Object.keys(PACKAGES).filter((c) => !hasCommand(c));
  if (!missing.length) return;
  const packages = [...new Set(missing.map((c) => PACKAGES[c]))];
  if (process.getuid?.() !== 0 || !hasCommand("apt-get")) {
    throw new Error(`missing ${packages.join(", ")}: install them, or run the benchmarks as root on Debian`);
  }
  console.log(`installing Debian packages: ${packages.join(" ")}`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit", env });
  execFileSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...packages], {
    stdio: "inherit",
    env,
  });
}

export interface WrkResult {
  /** Complete HTTP responses received. */
  readonly responses: number;
  readonly seconds: number;
  readonly connectErrors: number;
  /** Reads and writes that failed: connections reset by the peer. */
  readonly resets: number;
  readonly timeouts: number;
  /** Every connection or request attempt: responses and every kind of error. */
  readonly attempts: number;
}

export function parseWrk(out: string): WrkResult {
  const done = /(\d+) requests in ([\d.]+)(ms|s|m)/.exec(out);
  if (!done) throw new Error(`unexpected wrk output: ${out}`);
  const unit = { ms: 0.001, s: 1, m: 60 }[done[3] as "ms" | "s" | "m"];
  const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const [connect, read, write, timeout] = errors ? errors.slice(1).map(Number) : [0, 0, 0, 0];
  const responses = Number(done[1]);
  return {
    responses,
    seconds: Number(done[2]) * unit,
    connectErrors: connect,
    resets: read + write,
    timeouts: timeout,
    attempts: responses + connect + read + write + timeout,
  };
}

/** Runs wrk on the client host: `threads` threads, `connections` connections, for `seconds`. */
export async function wrk(
  on: (
    argv: string[],
    options: { timeoutMs: number },
  ) => Promise<{ code: number; stdout: string; stderr: string }>,
  url: string,
  connections: number,
  seconds: number,
  headers: string[] = [],
): Promise<WrkResult> {
  const argv = ["wrk", "-t", "2", "-c", String(connections), "-d", `${seconds}s`, "--timeout", "2s"];
  for (const h of headers) argv.push("-H", h);
  const r = await on([...argv, url], { timeoutMs: (seconds + 15) * 1000 });
  if (r.code !== 0) throw new Error(`wrk exited ${r.code}: ${r.stderr || r.stdout}`);
  return parseWrk(r.stdout);
}

/** A process's CPU time so far (user + system, seconds) and peak resident memory (MiB). */
export function processUsage(pid: number): { cpuSeconds: number; peakRssMiB: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // utime and stime are fields 14 and 15 of the line, 12 and 13 after the command name.
  const ticks = Number(fields[11]) + Number(fields[12]);
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return { cpuSeconds: ticks / clockTicks(), peakRssMiB: Number(hwm?.[1] ?? 0) / 1024 };
}

let ticksPerSecond: number | undefined;
function clockTicks(): number {
  ticksPerSecond ??= Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;
  return ticksPerSecond;
}

/** The versions of what the payload benchmarks run, for the machine table. */
export async function payloadSoftware(): Promise<string> {
  const haproxy = (await firstLine(["haproxy", "-v"])).replace(/ - https.*/, "");
  const wrkVersion = (await firstLine(["wrk", "--version"])).replace(/ Copyright.*/, "");
  return `${await firstLine(["python3", "--version"])}, ${haproxy}, ${wrkVersion}`;
}

async function firstLine(argv: string[]): Promise<string> {
  const r = await run(argv);
  return (r.stdout || r.stderr).trim().split("\n")[0] ?? "";
}
