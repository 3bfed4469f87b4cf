/**
 * Item 9: the control plane over fleets of 1,000 and 10,000 simulated instances selected by tag,
 * every instance (5,000 of the 10,000 in turn, serial), and the refusal of a selection over
 * MAX_TARGETS. Measured against Step Functions' limits on each execution, parent and children.
 */
import { programParts } from "../../scripts/program-parts";
import { MAX_TARGETS, PARALLEL_BATCH } from "../../lib/execution-limits";
import { MAX_HISTORY_EVENTS, MAX_PAYLOAD_BYTES } from "../../test/local/support/runner/history";
import { markdownTable } from "../markdown";
import { spread } from "../statistics";
import { billOf, fisDollars } from "./bill";
import { runEach, type ExperimentRun } from "./experiment";
import { dollars, megabytes, whole } from "./money";
import { allCalls, experimentTables, over, type Cell, type Column } from "./tables";

const DURATION_SECONDS = 30;

const column = (instances: number, targets: number, sequence: "parallel" | "serial"): Column => ({
  label: `${instances.toLocaleString("en-US")} × ${Math.round((100 * targets) / instances)}%, ${sequence}`,
  spec: { instances, targets, sequence, durationSeconds: DURATION_SECONDS, alarm: false },
});

/** The longest run: every instance in turn. */
const SERIAL = column(10_000, 5000, "serial");

const SCALED: Column[] = [
  column(1000, 1000, "parallel"),
  column(1000, 1000, "serial"),
  column(10_000, 10_000, "parallel"),
  SERIAL,
  // Item 8's hypothesis of every kind of probe, over the whole fleet, in real time.
  (({ label, spec }) => ({ label: `${label} + hypothesis`, spec: { ...spec, hypothesis: true } }))(
    column(10_000, 10_000, "parallel"),
  ),
];

const REFUSED: Column[] = [
  {
    label: `${(MAX_TARGETS + 1).toLocaleString("en-US")} × 100%`,
    spec: {
      instances: MAX_TARGETS + 1,
      targets: MAX_TARGETS + 1,
      sequence: "parallel",
      durationSeconds: DURATION_SECONDS,
      alarm: false,
    },
  },
];

const seconds = (ms: number) => (ms / 1000).toFixed(1);
const kib = (bytes: number) => (bytes / 1024).toFixed(0);

const ROWS: [string, Cell][] = [
  ["the experiment's length on AWS (simulated), min", (rs) => over(rs, (r) => r.simulatedSeconds / 60)],
  [
    "**control plane's own work: time some state other than a Wait ran, s**",
    (rs) => over(rs, (r) => r.workMs, seconds),
  ],
  [
    "… of which in the Lambda handlers, s",
    (rs) => over(rs, (r) => r.invocations.reduce((a, i) => a + (i.durationMs ?? 0), 0), seconds),
  ],
  ["progress checks", (rs) => over(rs, (r) => r.progressChecks)],
  ["state transitions", (rs) => over(rs, (r) => r.billedTransitions)],
  [
    "… of which the hypothesis's sampling rounds (three states each)",
    (rs) => over(rs, (r) => r.samplingRounds),
  ],
  ["Lambda invocations", (rs) => over(rs, (r) => r.invocations.length)],
  ["AWS API calls (by name below), the instances' own included", (rs) => over(rs, allCalls)],
  [
    "… of which the instances' GetDocument calls, each fetching a part of the program",
    (rs) => over(rs, (r) => r.calls["SSM:GetDocument"] ?? 0),
  ],
  ["child executions", (rs) => over(rs, (r) => r.outcome.childExecutions)],
  [
    `history events of the parent (limit ${MAX_HISTORY_EVENTS.toLocaleString("en-US")})`,
    (rs) => over(rs, (r) => r.outcome.historyEvents),
  ],
  [
    `history events of the largest child (limit ${MAX_HISTORY_EVENTS.toLocaleString("en-US")})`,
    (rs) => over(rs, (r) => r.outcome.maxChildHistoryEvents),
  ],
  [
    `largest state payload, KiB (limit ${MAX_PAYLOAD_BYTES / 1024})`,
    (rs) => over(rs, (r) => r.outcome.maxPayloadBytes, kib),
  ],
  ["state machine's log of execution data, MB", (rs) => over(rs, (r) => r.executionDataBytes, megabytes)],
  ["cost: Step Functions, Lambda and API calls", (rs) => over(rs, (r) => billOf(r).total, dollars)],
  ["cost: that log, at CloudWatch Logs' ingestion price", (rs) => over(rs, (r) => billOf(r).logs, dollars)],
  ["AWS FIS, same experiment (item 8's terms)", (_, spec) => dollars(fisDollars(spec))],
];

/** Runs every fleet `runs` times and returns item 9's part of BENCHMARKS.md. */
export async function fleetScale(runs: number, progress: (round: number) => void): Promise<string> {
  const columns = [...SCALED, ...REFUSED];
  const results = await runEach(
    columns.map((c) => c.spec),
    runs,
    progress,
  );
  const scaled = results.slice(0, SCALED.length);
  const refused = results.slice(SCALED.length);
  const refusals = markdownTable(
    [
      "Selected",
      "Ends with",
      "Time to the refusal, ms",
      "Commands sent",
      "API calls (the abort rule's cleanup included)",
    ],
    refused.map((rs, i) => [
      REFUSED[i].label,
      `${rs[0].outcome.status} \`${rs[0].outcome.error}\``,
      over(rs, (r) => r.wallMs),
      over(rs, (r) => r.calls["SSM:SendCommand"] ?? 0),
      Object.entries(rs[0].calls)
        .map(([name, n]) => `\`${name}\` ${n}`)
        .join(", "),
    ]),
  );
  return [experimentTables(SCALED, scaled, ROWS), refusals, howToRead(scaled)].join("\n\n");
}

function howToRead(scaled: ExperimentRun[][]): string {
  const serial = scaled[SCALED.indexOf(SERIAL)];
  const withHypothesis = scaled[SCALED.length - 1];
  const hypothesisMedian = (measure: (r: ExperimentRun) => number) =>
    spread(withHypothesis.map(measure)).median;
  const median = (measure: (r: ExperimentRun) => number) => spread(serial.map(measure)).median;
  const work = median((r) => r.workMs) / 1000;
  const hours = median((r) => r.simulatedSeconds) / 3600;
  const checks = median((r) => r.progressChecks);
  const targets = SERIAL.spec.targets;
  const logs = median((r) => billOf(r).logs);
  const logMegabytes = median((r) => r.executionDataBytes) / 1e6;
  const total = median((r) => billOf(r).total);
  return `**How to read it.** Each fleet's instances are selected by tag (${DURATION_SECONDS} s each, no alarm) and run by one
execution whose Inject Map reads the targets back from the records bucket in batches, each batch a child execution with a
history of its own: parallel runs children of ${PARALLEL_BATCH} all at once, each sending SendCommand calls of 50 and checking
its own commands; serial runs one child per instance, one after another (${(checks / targets).toFixed(0)} checks each). The
control plane's own work is the time in which some state other than a Wait ran, in the execution or any child (a Wait lasts a
millisecond on the simulated clock): the runner's states, the handlers, and the in-memory AWS answering them with no network in
between, so on AWS the same work takes longer, each API call being a round trip. The handlers' time is the sum over invocations,
which run side by side in parallel children, so it can exceed the work time. The serial run over ${targets.toLocaleString("en-US")}
does ${work.toFixed(1)} s of work here, spread over ${hours.toFixed(1)} hours on AWS; no execution comes near 25,000 events and no
state near 256 KiB, because no state carries more than one batch's IDs. At level ALL with execution data, the state machine's log
of that run holds ${logMegabytes.toFixed(1)} MB, ${dollars(logs)} of CloudWatch Logs ingestion beside ${dollars(total)} for the
transitions, invocations and API calls.
Each instance's agent fetches the program's ${programParts().length} parts (documents of their own, \`ssm:GetDocument\` with the
instance's credentials) for every command it runs, the \`Inject\` and the cleanup's \`Cleanup\`: ${2 * programParts().length}
\`GetDocument\` calls an instance, made by the instances, not by the control plane, and free of charge.
A selection over ${MAX_TARGETS.toLocaleString("en-US")} is refused by name (\`TooManyTargetsError\`) once the instances are listed and
before any command is sent; the abort rule then runs cleanup, which finds no command of the experiment.
The last column runs the 10,000 with item 8's hypothesis of every kind of probe, in real time (its probes sample every 10 s), the
10,000 instances registered in the target group its probe reads: ${whole(hypothesisMedian((r) => r.samplingRounds))} sampling
rounds, ${whole(hypothesisMedian((r) => r.billedTransitions))} state transitions and ${whole(hypothesisMedian((r) => r.outcome.historyEvents))}
history events in the parent, where the hypothesis's states all are: the sampling loop grows with the experiment's length, not
with the fleet, and each round reads the group's health in one \`DescribeTargetHealth\` call whatever the number of targets.`;
}
