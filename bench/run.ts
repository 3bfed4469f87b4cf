/**
 * `npm run bench`: the payload under load (issue items 1 to 7), each figure the median of several
 * runs with min and max, beside HAProxy measured in the same run. Prints a table and writes
 * BENCHMARKS.md. Needs root (network namespaces, iptables); installs wrk and HAProxy from Debian
 * when missing. Bounded in time; removes every namespace, rule and process it made, even on failure.
 *
 * BENCH_RUNS sets the number of runs (default 5).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { format, resolveConfig } from "prettier";
import { World } from "./harness";
import {
  bystander,
  BYSTANDER_PORT,
  BYSTANDER_SECONDS,
  LATENCY_RATE,
  LATENCY_SECONDS,
  LOAD_SECONDS,
  loadHaproxy,
  loadOurs,
  LoadRun,
  PORT,
  restoreAfterKill,
  window,
  WindowRun,
  WINDOW_SECONDS,
} from "./payload";
import { ensureTools, machine, Machine, Spread, spread, WrkResult } from "./tools";

const SYSTEM_PATH = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];
const CLIENT_PORT_RANGE = "net.ipv4.ip_local_port_range=1024 65535";
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const TIME_LIMIT_MS = 12 * 60 * 1000;
const OUTPUT = join(__dirname, "..", "BENCHMARKS.md");

interface BystanderRun {
  readonly keepAlive: { without: WrkResult; with: WrkResult };
  readonly newConnections: { without: WrkResult; with: WrkResult };
}

interface Row {
  readonly item: string;
  readonly measure: string;
  readonly ours: string;
  readonly haproxy: string;
  readonly target: string;
  readonly result: "PASS" | "FAIL" | "";
}

const fmt = (s: Spread, digits = 0) =>
  s.runs === 0 ? "n/a" : `${s.median.toFixed(digits)} (${s.min.toFixed(digits)}–${s.max.toFixed(digits)})`;
const verdict = (ok: boolean): "PASS" | "FAIL" => (ok ? "PASS" : "FAIL");

async function main(): Promise<void> {
  // The document runs with the system's commands first, as under the SSM agent's service PATH.
  process.env.PATH = [...SYSTEM_PATH, ...(process.env.PATH ?? "").split(":")]
    .filter((d, i, all) => d && all.indexOf(d) === i)
    .join(":");
  if (process.getuid?.() !== 0) throw new Error("the benchmarks need root: network namespaces and iptables");
  if (!Number.isInteger(RUNS) || RUNS < 1) throw new Error("BENCH_RUNS must be a positive integer");
  ensureTools();
  const host = await machine();
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
  process.once("SIGINT", () => void stop("interrupted"));
  process.once("SIGTERM", () => void stop("terminated"));
  const ours: LoadRun[] = [];
  const theirs: LoadRun[] = [];
  const windows: WindowRun[] = [];
  const kills: number[] = [];
  const bystanders: BystanderRun[] = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      // Alternate which goes first, so that neither always meets the machine in the same state.
      if (i % 2) {
        theirs.push(await fresh(loadHaproxy));
        ours.push(await fresh(loadOurs));
      } else {
        ours.push(await fresh(loadOurs));
        theirs.push(await fresh(loadHaproxy));
      }
      progress(`load run ${i + 1}/${RUNS}`, started);
    }
    for (let i = 0; i < RUNS; i++) {
      windows.push(await fresh(window));
      kills.push(await fresh(restoreAfterKill));
      progress(`window and SIGKILL run ${i + 1}/${RUNS}`, started);
    }
    for (let i = 0; i < RUNS; i++) {
      const b: Record<string, WrkResult> = {};
      for (const keepAlive of [true, false]) {
        for (const faulted of i % 2 ? [true, false] : [false, true]) {
          b[`${keepAlive}${faulted}`] = await fresh((w) => bystander(w, keepAlive, faulted));
        }
      }
      bystanders.push({
        keepAlive: { without: b.truefalse, with: b.truetrue },
        newConnections: { without: b.falsefalse, with: b.falsetrue },
      });
      progress(`bystander run ${i + 1}/${RUNS}`, started);
    }
  } finally {
    clearTimeout(limit);
  }
  const rows = table(ours, theirs, windows, kills, bystanders);
  const md = markdownTable(rows);
  console.log(`\n${md}`);
  const seconds = Math.round((Date.now() - started) / 1000);
  const text = document(host, rows, seconds, `${loadAtStart} at the start, ${loadAverage()} at the end`);
  const options = { ...(await resolveConfig(OUTPUT)), parser: "markdown" };
  writeFileSync(OUTPUT, await format(text, options));
  console.log(`\nwrote BENCHMARKS.md (${seconds} s)`);
}

function progress(what: string, started: number) {
  console.log(`bench: ${what} done at ${Math.round((Date.now() - started) / 1000)} s`);
}

function table(
  ours: LoadRun[],
  theirs: LoadRun[],
  windows: WindowRun[],
  kills: number[],
  bystanders: BystanderRun[],
): Row[] {
  const rows: Row[] = [];
  for (const c of [64, 512] as const) {
    const key = c === 64 ? "c64" : "c512";
    const resetRate = (r: LoadRun) => r[key].resets / r[key].seconds;
    const ratio = spread(ours.map((r, i) => resetRate(r) / resetRate(theirs[i])));
    rows.push({
      item: "1",
      measure: `resets/s, wrk ${c} connections ${LOAD_SECONDS} s`,
      ours: fmt(spread(ours.map(resetRate))),
      haproxy: fmt(spread(theirs.map(resetRate))),
      target: "",
      result: "",
    });
    rows.push({
      item: "1",
      measure: `ratio ours/HAProxy, ${c} connections (per run)`,
      ours: fmt(ratio, 2),
      haproxy: "",
      target: "≥ 0.8",
      result: verdict(ratio.median >= 0.8),
    });
  }
  const attempts = ours.map((r) => r.c64.attempts + r.c512.attempts + r.latency.attempts);
  const responses = ours.map((r) => r.c64.responses + r.c512.responses + r.latency.responses);
  const windowResponses = windows.map((w) => w.responsesInWindow);
  const totalResponses = [...responses, ...windowResponses].reduce((a, b) => a + b, 0);
  rows.push({
    item: "2",
    measure: "attempts during the window, per run",
    ours: fmt(spread(attempts)),
    haproxy: "",
    target: "≥ 100,000",
    result: verdict(Math.min(...attempts) >= 100000),
  });
  rows.push({
    item: "2",
    measure: "HTTP responses received during the window, all runs",
    ours: String(totalResponses),
    haproxy: String(theirs.reduce((a, r) => a + r.c64.responses + r.c512.responses + r.latency.responses, 0)),
    target: "0",
    result: verdict(totalResponses === 0),
  });
  const p = (runs: LoadRun[], k: "p50Ms" | "p99Ms") =>
    spread(runs.map((r) => r.latency[k]).filter((v): v is number => v !== null));
  rows.push({
    item: "3",
    measure: `send-to-reset p50, ms, at ${LATENCY_RATE} new connections/s`,
    ours: fmt(p(ours, "p50Ms"), 2),
    haproxy: fmt(p(theirs, "p50Ms"), 2),
    target: "",
    result: "",
  });
  const p99 = p(ours, "p99Ms");
  rows.push({
    item: "3",
    measure: `send-to-reset p99, ms, at ${LATENCY_RATE} new connections/s`,
    ours: fmt(p99, 2),
    haproxy: fmt(p(theirs, "p99Ms"), 2),
    target: "< 5",
    result: verdict(p99.max < 5),
  });
  const notReset = ours.reduce((a, r) => a + r.latency.attempts - (r.latency.outcomes.reset ?? 0), 0);
  rows.push({
    item: "3",
    measure: "steady-rate attempts not reset (refused, timed out, other), all runs",
    ours: String(notReset),
    haproxy: String(theirs.reduce((a, r) => a + r.latency.attempts - (r.latency.outcomes.reset ?? 0), 0)),
    target: "",
    result: "",
  });
  const rss = spread(ours.map((r) => r.peakRssMiB));
  rows.push({
    item: "4",
    measure: "peak RSS (VmHWM), MiB, after the 512-connection load",
    ours: fmt(rss, 1),
    haproxy: fmt(spread(theirs.map((r) => r.peakRssMiB)), 1),
    target: "< 30",
    result: verdict(rss.max < 30),
  });
  rows.push({
    item: "4",
    measure: "CPU (user + system), % of one core, under the 512-connection load",
    ours: fmt(spread(ours.map((r) => r.cpuPercent))),
    haproxy: fmt(spread(theirs.map((r) => r.cpuPercent))),
    target: "",
    result: "",
  });
  const onset = spread(windows.map((w) => w.onsetMs));
  const teardown = spread(windows.map((w) => w.teardownMs));
  const drift = spread(windows.map((w) => w.windowMs - WINDOW_SECONDS * 1000));
  rows.push({
    item: "5",
    measure: "onset: script start to the first reset a client sees, ms",
    ours: fmt(onset),
    haproxy: "",
    target: "< 300",
    result: verdict(onset.max < 300),
  });
  rows.push({
    item: "5",
    measure: "… of which: script start to the rules in (the startedAt it reports), ms",
    ours: fmt(spread(windows.map((w) => w.rulesInMs))),
    haproxy: "",
    target: "",
    result: "",
  });
  rows.push({
    item: "5",
    measure: `teardown: end of DurationSeconds (${WINDOW_SECONDS}) to the first 200 again (new connection), ms`,
    ours: fmt(teardown),
    haproxy: "",
    target: "< 300",
    result: verdict(teardown.max < 300),
  });
  rows.push({
    item: "5",
    measure: "measured window (first reset to first 200) minus DurationSeconds, ms",
    ours: fmt(drift),
    haproxy: "",
    target: "within ±100",
    result: verdict(Math.max(Math.abs(drift.min), Math.abs(drift.max)) <= 100),
  });
  const kill = spread(kills);
  rows.push({
    item: "6",
    measure: "SIGKILL of the command's process group to no rule and no process left, ms",
    ours: fmt(kill),
    haproxy: "",
    target: "< 1000",
    result: verdict(kill.max < 1000),
  });
  for (const mode of ["keepAlive", "newConnections"] as const) {
    const rate = (r: WrkResult) => r.responses / r.seconds;
    const failed = (r: WrkResult) => r.attempts - r.responses;
    const without = spread(bystanders.map((b) => rate(b[mode].without)));
    const during = spread(bystanders.map((b) => rate(b[mode].with)));
    const change = (during.median - without.median) / without.median;
    const noise = (without.max - without.min) / without.median;
    const label = mode === "keepAlive" ? "keep-alive" : "a new connection per request";
    rows.push({
      item: "7",
      measure: `bystander port requests/s, ${label}: without the fault`,
      ours: fmt(without),
      haproxy: "",
      target: "",
      result: "",
    });
    rows.push({
      item: "7",
      measure: `… with the fault active: change of the median ${pct(change)}, run-to-run spread without ${pct(noise, false)}`,
      ours: fmt(during),
      haproxy: "",
      target: "change within the spread",
      result: verdict(Math.abs(change) <= noise),
    });
    rows.push({
      item: "7",
      measure: `… requests that failed (error or timeout), without / with the fault, all runs`,
      ours: `${sum(bystanders.map((b) => failed(b[mode].without)))} / ${sum(bystanders.map((b) => failed(b[mode].with)))}`,
      haproxy: "",
      target: "",
      result: "",
    });
  }
  return rows;
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
const pct = (x: number, signed = true) => `${signed && x >= 0 ? "+" : ""}${(x * 100).toFixed(1)}%`;

function markdownTable(rows: Row[]): string {
  const head = "| # | Measure | Ours: median (min–max) | HAProxy: median (min–max) | Target | Result |";
  const lines = rows.map(
    (r) => `| ${r.item} | ${r.measure} | ${r.ours} | ${r.haproxy} | ${r.target} | ${r.result} |`,
  );
  return [head, "| --- | --- | --- | --- | --- | --- |", ...lines].join("\n");
}

/** The 1-minute load average: what else the machine was doing. */
const loadAverage = () => readFileSync("/proc/loadavg", "utf8").split(" ")[0];

function document(host: Machine, rows: Row[], seconds: number, load: string): string {
  const v = host.versions;
  return `# Benchmarks

How hard, how fast and how cheaply the fault bites: the payload of the SSM document
(\`ssm-documents/http-reset-peer.yaml\`) under load, with HAProxy measured in the same run for comparison.
These figures come from one run of the command below on the machine described here; they are not part of
the test suite and nothing asserts on them.

## How to run

\`\`\`sh
sudo npm run bench    # as root; BENCH_RUNS=N to change the number of runs (default 5)
\`\`\`

It needs root (network namespaces and iptables) and installs \`wrk\` and \`haproxy\` from Debian when they
are missing. It takes about ${Math.ceil(seconds / 60)} minutes, prints the table below and rewrites this
file. Every run is bounded in time and removes the namespaces, rules and processes it made, even when it
fails.

## Machine

| | |
| --- | --- |
| CPU | ${host.cpuModel} |
| Cores | ${host.cores} |
| Memory | ${host.memoryGiB} GiB |
| Kernel | ${host.kernel} |
| Load average (1 min) | ${load} |
| Software | Node ${v.node}, ${v.python3}, ${v.haproxy.replace(/ - https.*/, "")}, ${v.wrk} |

## Results

Each figure is the median of ${RUNS} runs, with the minimum and maximum in brackets. "Ours" is the fault's
proxy as the document ships it; "HAProxy" is measured in the same run, in the same network, on the same
port, with the same client.

${markdownTable(rows)}

## What is measured, and how

Everything runs in two network namespaces made for the run: a server host and a client host joined by a
veth pair named \`eth0\`, with addresses from 198.18.0.0/15 (set aside for network tests), so no traffic
leaves the machine. The server host runs the payload tests' fixture HTTP server (Node) on port 80, the
port under fault, and on port 8080, the bystander. The fault is started exactly as the SSM agent would
start the document's script, with \`TargetServicePort=80\` and \`NetworkInterface=eth0\`, and with the
system's directories first on \`PATH\` (as under the agent's service), so that \`python3\` is the
system's. Every measurement gets new hosts: connection tracking remembers closed connections for a
while, with the port they were redirected to, and the server keeps TIME_WAIT sockets; neither should
carry over from one measurement to the next. The client host uses ports 1024–65535 for its
connections (the default range has 28,232), so that it reuses a port as late as it can: a connection
from a reused port meets the server's TIME_WAIT socket and connection tracking's memory of the old one,
which made the bystander's new-connection rate with the fault look 35% lower in an earlier version of
this benchmark, where the default range was used.

1. **Reset throughput.** \`wrk -t 2 -c 64\` and \`-c 512\`, ${LOAD_SECONDS} s each, against port 80 from the
   client host. A reset is a request that failed on read or write (wrk reconnects at once); resets/s is
   their number over wrk's own duration. HAProxy (\`mode tcp\`, a frontend with \`option nolinger\` and
   \`tcp-request connection reject\`, default threads) listens on another port of the server host and is
   reached through the same kind of rule as the fault's proxy (\`nat PREROUTING -i eth0 --dport 80 -j
   REDIRECT\`), so that both pay the same kernel path and differ only in the process that resets. The
   ratio is taken per run, ours over HAProxy's, and runs alternate which goes first.
2. **Nothing gets through.** Every attempt on port 80 while the fault is active in one run (the steady-rate
   client, then wrk with 64 and 512 connections), and the HTTP responses among them; also the responses
   seen inside the measured window of item 5. A response is a complete HTTP response, whatever its status.
3. **Latency to reset.** \`bench/reset_client.py\` opens a new connection every millisecond
   (${LATENCY_RATE}/s, open loop, ${LATENCY_SECONDS} s), sends a GET as soon as it is connected and times
   from the send to the \`ECONNRESET\`.
4. **Footprint.** The proxy's peak resident memory (\`VmHWM\` in \`/proc/PID/status\`) after both wrk
   loads, and its CPU time (\`utime + stime\` from \`/proc/PID/stat\`) over the 512-connection load, as a
   percentage of one core. The same for the HAProxy process.
5. **Onset and teardown.** The same client tries a new connection every 2 ms from before the script
   starts until after the fault ends (\`DurationSeconds=${WINDOW_SECONDS}\`, python3 and iptables present).
   Onset: from starting the script to the first reset the client sees. Teardown: from the end of
   DurationSeconds (the \`startedAt\` the document reports, plus DurationSeconds) to the first 200 again,
   on a connection opened after the first reset (one opened just before the rules went in may still be
   answered). The measured window is from the first reset to that 200.
6. **Restore after SIGKILL.** With the fault active, SIGKILL to the script's whole process group (what the
   agent does on cancel or timeout), then the time until the server host holds no rule and no process of
   the fault. It is polled as the payload tests do (\`iptables-save\`, \`ip6tables-save\`, the namespace's
   processes), which takes a few tens of milliseconds a round, so the figure is an upper bound.
7. **Bystanders.** \`wrk -t 2 -c 32\`, ${BYSTANDER_SECONDS} s, against port 8080 without the fault and with it
   active on port 80 (the order alternates from run to run); once with keep-alive and once with a new
   connection per request (\`Connection: close\`). It passes when the change of the median is within the
   run-to-run spread (max − min over median) of the runs without the fault.

A target passes when every run meets it, except item 1, which is judged on the median of the per-run
ratios, and item 7, judged as said above.

The client, the load generator, the HTTP server, the fault and HAProxy all share the machine's cores, so
the absolute figures say as much about the machine as about the fault, and anything else running on it
shows up in the spread; the ratios measured in the same run are the figures to compare.

## How the proxy keeps up

The proxy is one Python process with one epoll loop. Its listening socket uses \`TCP_DEFER_ACCEPT\`: the
kernel hands a connection over only once the client's request has arrived, so almost every connection
costs four system calls (\`accept4\`, \`recvfrom\`, \`setsockopt(SO_LINGER)\`, \`close\`), about what
HAProxy spends to reject one. A connection that arrives without data has been silent for the whole
deferral (one second) and is reset after a short last chance; one whose request is still incomplete is
watched with epoll until it is in, or until the silent deadline.

## Not measured here

Items 8 (cost per experiment) and 9 (fleet scale) of the benchmark plan need the state machine run
locally with its Lambda tasks against a simulated AWS; that harness does not exist yet.
`;
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : e);
  process.exit(1);
});
