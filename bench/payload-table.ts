/**
 * The payload benchmarks' figures (items 1 to 7) as table rows: each the median of the runs with
 * min and max, beside HAProxy measured in the same runs, and the target it is judged by.
 */
import { markdownTable } from "./markdown";
import {
  type Bystander,
  LOAD_SECONDS,
  LATENCY_RATE,
  type KernelRun,
  LoadRun,
  SPARED_RESET_PERCENTAGE,
  WindowRun,
  WINDOW_SECONDS,
} from "./payload";
import { formatSpread, Spread, spread } from "./statistics";
import type { WrkResult } from "./tools";

/** Item 7's measures: what is measured, how, and the words of its rows. */
export const BYSTANDER_MEASURES = [
  { key: "keepAlive", who: "otherPort", keepAlive: true, label: "bystander port requests/s, keep-alive" },
  {
    key: "newConnections",
    who: "otherPort",
    keepAlive: false,
    label: "bystander port requests/s, a new connection per request",
  },
  {
    key: "sparedKeepAlive",
    who: "spared",
    keepAlive: true,
    label: `fault's port requests/s, ResetPercentage ${SPARED_RESET_PERCENTAGE}, keep-alive`,
  },
  {
    key: "sparedNewConnections",
    who: "spared",
    keepAlive: false,
    label: `fault's port requests/s, ResetPercentage ${SPARED_RESET_PERCENTAGE}, a new connection per request`,
  },
] as const satisfies readonly { key: string; who: Bystander; keepAlive: boolean; label: string }[];

/** One run of item 7: each measure without the fault and with it. */
export type BystanderRun = {
  readonly [K in (typeof BYSTANDER_MEASURES)[number]["key"]]: { without: WrkResult; with: WrkResult };
};

interface Row {
  readonly item: string;
  readonly measure: string;
  readonly ours: string;
  readonly haproxy: string;
  /** Item 1's resetter with no process: a filter rule. */
  readonly kernel?: string;
  readonly target: string;
  readonly result: "PASS" | "FAIL" | "";
}

const fmt = (s: Spread, digits = 0) => formatSpread(s, (n) => n.toFixed(digits));
const verdict = (ok: boolean): "PASS" | "FAIL" => (ok ? "PASS" : "FAIL");

export function table(
  ours: LoadRun[],
  theirs: LoadRun[],
  kernel: KernelRun[],
  windows: WindowRun[],
  kills: number[],
  bystanders: BystanderRun[],
): Row[] {
  const rows: Row[] = [];
  for (const c of [64, 512] as const) {
    const key = c === 64 ? "c64" : "c512";
    const resetRate = (r: LoadRun | KernelRun) => r[key].resets / r[key].seconds;
    const ratio = spread(ours.map((r, i) => resetRate(r) / resetRate(theirs[i])));
    rows.push({
      item: "1",
      measure: `resets/s, wrk ${c} connections ${LOAD_SECONDS} s`,
      ours: fmt(spread(ours.map(resetRate))),
      haproxy: fmt(spread(theirs.map(resetRate))),
      kernel: fmt(spread(kernel.map(resetRate))),
      target: "",
      result: "",
    });
    rows.push({
      item: "1",
      measure: `ratio ours/the kernel alone, ${c} connections (per run)`,
      ours: fmt(spread(ours.map((r, i) => resetRate(r) / resetRate(kernel[i]))), 2),
      haproxy: "",
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
    kernel: String(kernel.reduce((a, r) => a + r.c64.responses + r.c512.responses, 0)),
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
  for (const { key: mode, label } of BYSTANDER_MEASURES) {
    const rate = (r: WrkResult) => r.responses / r.seconds;
    const failed = (r: WrkResult) => r.attempts - r.responses;
    const without = spread(bystanders.map((b) => rate(b[mode].without)));
    const during = spread(bystanders.map((b) => rate(b[mode].with)));
    const change = (during.median - without.median) / without.median;
    const noise = (without.max - without.min) / without.median;
    rows.push({
      item: "7",
      measure: `${label}: without the fault`,
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

export function payloadTable(rows: Row[]): string {
  return markdownTable(
    [
      "#",
      "Measure",
      "Ours: median (min–max)",
      "HAProxy: median (min–max)",
      "The kernel alone",
      "Target",
      "Result",
    ],
    rows.map((r) => [r.item, r.measure, r.ours, r.haproxy, r.kernel ?? "", r.target, r.result]),
  );
}
