/**
 * Item 8: what one experiment costs, counted on the real state machine over simulated instances:
 * state transitions, Lambda invocations and their billed duration, API calls by name; priced at
 * the public list prices beside AWS FIS's price for the same experiment.
 */
import { spread } from "../statistics";
import { billedMs, billOf, fisActionMinutes, fisDollars, type Bill } from "./bill";
import { runEach, type ExperimentRun, type ExperimentSpec } from "./experiment";
import { dollars, kilobytes, whole } from "./money";
import { PRICE_PAGES, PRICES } from "./prices";
import { allCalls, experimentTables, over, type Cell, type Column } from "./tables";

const SCENARIOS: { readonly label: string; readonly spec: Omit<ExperimentSpec, "alarm"> }[] = [
  { label: "(a) 1 × 30 s", spec: { instances: 1, targets: 1, sequence: "parallel", durationSeconds: 30 } },
  {
    label: "(b) 10 parallel × 60 s",
    spec: { instances: 10, targets: 10, sequence: "parallel", durationSeconds: 60 },
  },
  {
    label: "(c) 10 serial × 60 s",
    spec: { instances: 10, targets: 10, sequence: "serial", durationSeconds: 60 },
  },
];

const COLUMNS: Column[] = [
  ...SCENARIOS.flatMap((s) => [
    { label: s.label, spec: { ...s.spec, alarm: false } },
    { label: `${s.label} + alarm`, spec: { ...s.spec, alarm: true } },
  ]),
  // What a hypothesis of every kind of probe adds, beside (a) without one.
  {
    label: `${SCENARIOS[0].label} + hypothesis`,
    spec: { ...SCENARIOS[0].spec, alarm: false, hypothesis: true },
  },
];

const each =
  (measure: (run: ExperimentRun, bill: Bill) => number, format = whole): Cell =>
  (runs) =>
    over(runs, (r) => measure(r, billOf(r)), format);

const ROWS: [string, Cell][] = [
  ["progress checks", each((r) => r.progressChecks)],
  ["state transitions (billed: states entered, retries)", each((r) => r.billedTransitions)],
  [
    "Lambda invocations (the HTTP probes' own in the API calls, `Lambda:Invoke`)",
    each((r) => r.invocations.length),
  ],
  ["the hypothesis's sampling rounds", each((r) => r.samplingRounds)],
  ["Lambda billed duration, ms (handlers' wall time here, each rounded up)", each(billedMs)],
  ["AWS API calls (by name below)", each(allCalls)],
  ["Step Functions", each((_, b) => b.stepFunctions, dollars)],
  ["Lambda: requests + duration", each((_, b) => b.lambdaRequests + b.lambdaDuration, dollars)],
  [
    "billed API calls: S3 requests; CloudWatch requests and metrics read (an upper bound); events; `Lambda:Invoke`",
    each((_, b) => b.apiCalls, dollars),
  ],
  [
    "custom metrics sent (report: per instance and per experiment; live: per experiment and batch)",
    each((r) => r.customMetrics),
  ],
  ["… as metric-hours at CloudWatch's custom-metric price", each((_, b) => b.metrics, dollars)],
  ["**Total, this fault**", each((_, b) => b.total, dollars)],
  ["**AWS FIS, same experiment**", (_, spec) => dollars(fisDollars(spec))],
  ["… FIS action-minutes", (_, spec) => String(fisActionMinutes(spec))],
  [
    "… FIS price ÷ this fault's total",
    (runs, spec) =>
      each(
        (_, b) => fisDollars(spec) / b.total,
        (n) => `${whole(n)}×`,
      )(runs, spec),
  ],
  [
    "state machine's log of execution data, KB (not in the total)",
    each((r) => r.executionDataBytes, kilobytes),
  ],
  ["… at CloudWatch Logs' ingestion price", each((_, b) => b.logs, dollars)],
];

/** Runs every scenario `runs` times and returns item 8's part of BENCHMARKS.md. */
export async function costPerExperiment(runs: number, progress: (round: number) => void): Promise<string> {
  const results = await runEach(
    COLUMNS.map((c) => c.spec),
    runs,
    progress,
  );
  return [experimentTables(COLUMNS, results, ROWS), howToRead(results), hypothesisAdds(results)].join("\n\n");
}

/** What the hypothesis column adds to (a), the same experiment without one. */
function hypothesisAdds(results: ExperimentRun[][]): string {
  const median = (runs: ExperimentRun[], measure: (r: ExperimentRun) => number) =>
    spread(runs.map(measure)).median;
  const [without, withIt] = [results[0], results[results.length - 1]];
  const added = (measure: (r: ExperimentRun) => number) => median(withIt, measure) - median(without, measure);
  const rounds = median(withIt, (r) => r.samplingRounds);
  return `**What a hypothesis adds.** The last column is (a) with a hypothesis of every kind of probe: an alarm that must stay OK
and one that must fire, a metric over every phase, an HTTP probe, a target group's health and a command on the instance sampled
every 10 s, and the clients.
Its sampled probes take real time, so this experiment runs in real time (every Wait as long as on AWS) against the same
simulated instance; the HTTP probe asks a service on loopback. The hypothesis adds ${whole(added((r) => r.billedTransitions))}
state transitions (the steady-state check, the Parallel state, and ${whole(rounds)} rounds of the sampling loop, three states
each), ${whole(added((r) => r.invocations.length))} Lambda invocations, ${whole(added(allCalls))} API calls and
${dollars(added((r) => billOf(r).total))} to the experiment: ${dollars(median(withIt, (r) => billOf(r).total))} in all, against FIS's
${dollars(fisDollars(COLUMNS[COLUMNS.length - 1].spec))}, which has no probes to judge the experiment by. Its API calls are priced at
${PRICE_PAGES.cloudWatch} (\`GetMetricData\` per metric read, \`DescribeAlarmHistory\` per request) and
${PRICE_PAGES.eventBridge} (the verdict's event); \`DescribeTargetHealth\` is free, and each \`Lambda:Invoke\` of the HTTP
probes' function is priced as a request, its duration (the request's own latency) uncounted; the command probe's
\`SendCommand\` and \`ListCommandInvocations\` are free. The sampling loop's rounds do
not grow with the fleet: item 9 shows 10,000 instances with the same hypothesis.`;
}

function howToRead(results: ExperimentRun[][]): string {
  // The dearest case without a hypothesis: (c) serial with an alarm.
  const last = SCENARIOS.length * 2 - 1;
  const { label, spec } = COLUMNS[last];
  const run = results[last][0];
  const total = spread(results[last].map((r) => billOf(r).total)).median;
  const functions = [...new Set(run.invocations.map((i) => `${i.fn.memorySizeMb} MB, ${i.fn.architecture}`))];
  // What the same invocations would cost if each ran a whole second.
  const secondEach = run.invocations.reduce(
    (sum, i) => sum + (i.fn.memorySizeMb / 1024) * PRICES.lambdaGbSecond[i.fn.architecture],
    0,
  );
  return `**How to read it.** Each column is one experiment as the console would start it (by tag, \`INSTANCE_AFFECTED_PERC\`
100, no ramp), without and with a stop-condition alarm (one, in OK, so the fault runs its course). A dollar figure is the list price
of what the experiment used, the free tiers ignored (Step Functions' 4,000 transitions a month among them). State transitions are
nearly all of it: each progress check is three (Wait for progress, Check progress, Still running?) and one Lambda invocation, and
each batch, a child execution of the Inject Map (one per instance in a serial run, one per 500 in a parallel one), is checked
every poll interval (10 s for these durations) until its command ends. The records add S3 requests: PUTs of the targets, of
each batch's commands and of the report (as JSON and as a page); after each batch's send, a GET of the stop cause (none, here);
and the report's LIST and GETs of the commands recorded. The report publishes the experiment's metrics with \`PutMetricData\` (1,000 data a call: the
resets of the experiment and of each instance its output lists, a datum per bucket of their series, and three totals), and each
progress check two metrics in the embedded metric format (no API call); CloudWatch bills each metric sent as a metric-hour, and
these are now most of an experiment's cost. With a
\`HttpResetPeerDashboard\`, the report also reads and writes the dashboard once (\`GetDashboard\`, \`PutDashboard\`: $0.00002),
not in these runs. The functions are
${functions.join("; ")}, as synthesized. Their duration is measured here against an in-memory AWS, a few milliseconds each; on
AWS each API call is a network round trip, but even at a whole second per invocation the ${run.invocations.length} invocations of
${label} would cost ${dollars(secondEach)} more. A stop-condition alarm adds one \`DescribeAlarms\` per check; CloudWatch's
pricing page does not say whether it is billed, and it is counted at $0.01 per 1,000 requests. SSM Run Command, EC2 and STS calls
are free. The dearest case here, ${label}, costs ${dollars(total)} against FIS's ${dollars(fisDollars(spec))}: FIS bills at least
a minute per action, and a serial run is one action per instance. The state machine's log (level ALL, with execution data) is
billed as CloudWatch Logs ingestion and is set apart, as a lower bound: it grows with the states' payloads, which carry the plan
(item 9).`;
}
