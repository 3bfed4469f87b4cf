/**
 * The current document beside an earlier one, in the same run (`BENCH_BASELINE=<git revision>`):
 * the figures a change of the program could move, items 1, 3, 4, 5 and 12's own measures, each
 * taken for both versions on hosts of their own, in an order that turns from run to run. Needs
 * root; bounded in time; removes every namespace, rule and process it made, even on failure.
 */
import { baseline, type Baseline } from "./baseline";
import { throughOurs } from "./forwarding";
import type { AgentOptions } from "./harness";
import { BenchHosts, prepareRootRun, rootPartResult } from "./hosts";
import { loadAverage } from "./machine";
import { markdownTable } from "./markdown";
import { progress, type PartResult } from "./parts";
import type { PathRun } from "./forwarding";
import {
  BYSTANDER_PORT,
  LATENCY_RATE,
  LOAD_SECONDS,
  loadOurs,
  PORT,
  window,
  type LoadRun,
  type WindowRun,
} from "./payload";
import { formatSpread, spread, type Spread } from "./statistics";
import type { WrkResult } from "./tools";

const TIME_LIMIT_MS = 30 * 60 * 1000;

/** One version's runs. */
interface VersionRuns {
  readonly loads: LoadRun[];
  readonly windows: WindowRun[];
  readonly forwards: PathRun[];
}

const fmt = (s: Spread, digits = 0) => formatSpread(s, (n) => n.toFixed(digits));
const rate = (r: WrkResult) => r.responses / r.seconds;
const resetRate = (r: WrkResult) => r.resets / r.seconds;

/** The measures compared: each a figure of one run of one version, and how many digits it shows. */
const MEASURES: [string, string, (v: VersionRuns, i: number) => number | null, number][] = [
  ["1", "resets/s, wrk 64 connections", (v, i) => resetRate(v.loads[i].c64), 0],
  ["1", "resets/s, wrk 512 connections", (v, i) => resetRate(v.loads[i].c512), 0],
  ["3", `send-to-reset p50, ms, at ${LATENCY_RATE} new connections/s`, (v, i) => v.loads[i].latency.p50Ms, 2],
  ["3", `send-to-reset p99, ms, at ${LATENCY_RATE} new connections/s`, (v, i) => v.loads[i].latency.p99Ms, 2],
  ["4", "peak RSS (VmHWM), MiB, after the 512-connection load", (v, i) => v.loads[i].peakRssMiB, 1],
  ["5", "onset: script start to the first reset a client sees, ms", (v, i) => v.windows[i].onsetMs, 0],
  ["5", "… of which: script start to the rules in, ms", (v, i) => v.windows[i].rulesInMs, 0],
  ["5", "teardown: end of the window to the first 200 again, ms", (v, i) => v.windows[i].teardownMs, 0],
  ["12", "forwarded keep-alive requests/s, wrk 64 connections", (v, i) => rate(v.forwards[i].throughput), 0],
  ["12", "forwarded requests' p99 at 1,000 requests/s, ms", (v, i) => v.forwards[i].steady.p99Ms, 2],
];

function table(base: VersionRuns, current: VersionRuns, runs: number): string {
  const indices = [...Array(runs).keys()];
  const figures = (v: VersionRuns, measure: (v: VersionRuns, i: number) => number | null) =>
    indices.map((i) => measure(v, i)).filter((n): n is number => n !== null);
  return markdownTable(
    ["#", "Measure", "Baseline: median (min–max)", "Current: median (min–max)", "Current/baseline (per run)"],
    MEASURES.map(([item, label, measure, digits]) => [
      item,
      label,
      fmt(spread(figures(base, measure)), digits),
      fmt(spread(figures(current, measure)), digits),
      fmt(
        spread(
          indices
            .map((i) => [measure(current, i), measure(base, i)])
            .filter((pair): pair is [number, number] => pair[0] !== null && !!pair[1])
            .map(([c, b]) => c / b),
        ),
        2,
      ),
    ]),
  );
}

function section(results: string, runs: number, from: Baseline): string {
  return `### Results

The current document (this commit's \`ssm-documents/\`) beside the baseline, ${from.label}: its document and program
parts as that commit holds them, run the same way. Each figure is the median of ${runs} runs, with the minimum and maximum
in brackets; the last column is each run's current figure over the baseline's, the two measured one after the other on
new hosts of their own, in an order that turns from run to run.

${results}

### What is measured, and how

The measures of items 1, 3, 4, 5 and 12, taken as those items take them (see their sections): \`wrk\` for ${LOAD_SECONDS} s with
64 and with 512 connections and the steady-rate client against the fault's port; the window of item 5 with a client trying a
new connection every 2 ms; the fault passing \`GET\` requests on under \`ResetMethods=POST\` for item 12. Run it with
\`BENCH_BASELINE=<git revision> sudo npm run bench -- baseline\`.`;
}

export async function runBaseline(runs: number): Promise<PartResult> {
  const from = baseline();
  if (!from)
    throw new Error(
      "the baseline part compares with an earlier commit: set BENCH_BASELINE to its git revision",
    );
  prepareRootRun("the baseline benchmarks");
  const started = Date.now();
  const loadAtStart = loadAverage();
  const hosts = new BenchHosts([PORT, BYSTANDER_PORT], TIME_LIMIT_MS);
  const versions = {
    base: { loads: [], windows: [], forwards: [] },
    current: { loads: [], windows: [], forwards: [] },
  } as {
    base: { loads: LoadRun[]; windows: WindowRun[]; forwards: PathRun[] };
    current: { loads: LoadRun[]; windows: WindowRun[]; forwards: PathRun[] };
  };
  const programs: [keyof typeof versions, AgentOptions][] = [
    ["base", from.options],
    ["current", {}],
  ];
  try {
    for (let i = 0; i < runs; i++) {
      for (const [name, program] of i % 2 ? [...programs].reverse() : programs) {
        const runsOf = versions[name];
        runsOf.loads.push(await hosts.fresh((w) => loadOurs(w, program)));
        runsOf.windows.push(await hosts.fresh((w) => window(w, program)));
        runsOf.forwards.push(await hosts.fresh((w) => throughOurs(w, program)));
      }
      progress(`run ${i + 1}/${runs}`, started);
    }
  } finally {
    hosts.close();
  }
  const results = table(versions.base, versions.current, runs);
  console.log(`\n${results}\n`);
  return rootPartResult(started, loadAtStart, runs, section(results, runs, from));
}
