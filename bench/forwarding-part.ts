/**
 * Forwarding under load (item 12): the fault's proxy passing keep-alive requests on, beside the
 * same requests straight to the service and through HAProxy in `mode http`. Needs root; bounded
 * in time; removes every namespace, rule and process it made, even on failure.
 */
import {
  FORWARD_CONNECTIONS,
  FORWARD_RATE,
  FORWARD_SECONDS,
  forwarding,
  type ForwardRun,
  MEMORY_CONNECTIONS,
  type PathRun,
  RATE_CONNECTIONS,
} from "./forwarding";
import { BenchHosts, prepareRootRun, rootPartResult } from "./hosts";
import { loadAverage } from "./machine";
import { markdownTable } from "./markdown";
import { progress, type PartResult } from "./parts";
import { PORT } from "./payload";
import { formatSpread, type Spread, spread } from "./statistics";
import type { WrkResult } from "./tools";

const TIME_LIMIT_MS = 10 * 60 * 1000;

const fmt = (s: Spread, digits = 0) => formatSpread(s, (n) => n.toFixed(digits));
const rate = (r: WrkResult) => r.responses / r.seconds;
const failed = (r: WrkResult) => r.attempts - r.responses;
const verdict = (ok: boolean) => (ok ? "PASS" : "FAIL");

function table(runs: ForwardRun[]): string {
  const of = (path: keyof ForwardRun, figure: (r: PathRun) => number | null | undefined, digits = 0) =>
    fmt(spread(runs.map((r) => figure(r[path])).filter((v): v is number => typeof v === "number")), digits);
  const each = (figure: (r: PathRun) => number | null | undefined, digits = 0) =>
    (["ours", "haproxy", "direct"] as const).map((path) => of(path, figure, digits));
  const ratio = (to: "direct" | "haproxy") =>
    spread(runs.map((r) => rate(r.ours.throughput) / rate(r[to].throughput)));
  const toDirect = ratio("direct");
  const toHaproxy = ratio("haproxy");
  const added = spread(runs.map((r) => r.ours.steady.p99Ms! - r.direct.steady.p99Ms!));
  const rss = spread(runs.map((r) => r.ours.peakRssMiB!));
  const failures = (path: keyof ForwardRun) =>
    String(
      runs.reduce(
        (n, r) =>
          n +
          failed(r[path].throughput) +
          r[path].steady.errors +
          (r[path].at512 ? failed(r[path].at512) : 0),
        0,
      ),
    );
  const rows = [
    [
      "12",
      `keep-alive requests/s, wrk ${FORWARD_CONNECTIONS} connections ${FORWARD_SECONDS} s`,
      ...each((r) => rate(r.throughput)),
      "",
      "",
    ],
    ["12", "ratio ours/direct (per run)", fmt(toDirect, 2), "", "", "≥ 0.5", verdict(toDirect.median >= 0.5)],
    [
      "12",
      "ratio ours/HAProxy (per run)",
      fmt(toHaproxy, 2),
      "",
      "",
      "≥ 0.8",
      verdict(toHaproxy.median >= 0.8),
    ],
    [
      "12",
      `request p50, ms, at ${FORWARD_RATE} requests/s over ${RATE_CONNECTIONS} connections`,
      ...each((r) => r.steady.p50Ms, 2),
      "",
      "",
    ],
    [
      "12",
      `request p99, ms, at ${FORWARD_RATE} requests/s over ${RATE_CONNECTIONS} connections`,
      ...each((r) => r.steady.p99Ms, 2),
      "",
      "",
    ],
    [
      "12",
      "p99 added by the proxy: ours − direct, ms (per run)",
      fmt(added, 2),
      "",
      "",
      "< 2",
      verdict(added.max < 2),
    ],
    [
      "12",
      `peak RSS (VmHWM), MiB, after ${MEMORY_CONNECTIONS} connections forwarded at once`,
      of("ours", (r) => r.peakRssMiB, 1),
      of("haproxy", (r) => r.peakRssMiB, 1),
      "",
      "< 30",
      verdict(rss.max < 30),
    ],
    [
      "12",
      `requests/s with ${MEMORY_CONNECTIONS} connections, 3 s`,
      of("ours", (r) => r.at512 && rate(r.at512)),
      of("haproxy", (r) => r.at512 && rate(r.at512)),
      "",
      "",
      "",
    ],
    [
      "12",
      "requests that failed (error or timeout), all runs",
      failures("ours"),
      failures("haproxy"),
      failures("direct"),
      "0",
      verdict(failures("ours") === "0"),
    ],
  ];
  return markdownTable(
    [
      "#",
      "Measure",
      "Ours: median (min–max)",
      "HAProxy `mode http`",
      "Direct to the service",
      "Target",
      "Result",
    ],
    rows,
  );
}

function section(results: string, runs: number): string {
  return `### Results

Each figure is the median of ${runs} runs, with the minimum and maximum in brackets (one figure alone: every run gave it).

${results}

### What is measured, and how

The same two namespaces and fixture HTTP server (Node, port ${PORT}) as items 1 to 7. Each run measures three paths
from the client host to the service, one after another on the same hosts, in an order that turns from run to run:
straight to the service; through the fault's proxy, started with \`ResetMethods=POST\`, so that every GET is read and
passed on to the service over the proxy's own connection; and through HAProxy in \`mode http\` (HTTP keep-alive on both
sides, its defaults), reached through the same TPROXY rule as the fault's proxy and forwarding to the same address and
port. On each path \`wrk -t 2 -c ${FORWARD_CONNECTIONS}\` measures keep-alive throughput for ${FORWARD_SECONDS} s; then
\`bench/keepalive_client.py\` sends ${FORWARD_RATE} GETs/s (open loop) over ${RATE_CONNECTIONS} keep-alive connections for
${FORWARD_SECONDS} s and times each from when it was due to the last byte of its response, so that what the proxy adds
is the difference from the direct path measured in the same run. Last, on the two forwarding paths, \`wrk -c
${MEMORY_CONNECTIONS}\` for 3 s, and the forwarding process's peak resident memory (\`VmHWM\`) after it. The ratios are
taken per run. The client, the server, the proxy and HAProxy share the machine's two cores: on the direct path the
server has them to itself, so the ratio to it is the harder comparison.`;
}

export async function runForwarding(runs: number): Promise<PartResult> {
  prepareRootRun("the forwarding benchmarks");
  const started = Date.now();
  const loadAtStart = loadAverage();
  const hosts = new BenchHosts([PORT], TIME_LIMIT_MS);
  const results: ForwardRun[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      results.push(await hosts.fresh((w) => forwarding(w, i)));
      progress(`forwarding run ${i + 1}/${runs}`, started);
    }
  } finally {
    hosts.close();
  }
  const figures = table(results);
  console.log(`\n${figures}\n`);
  return rootPartResult(started, loadAtStart, runs, section(figures, runs));
}
