/**
 * Item 9: the control plane over fleets of 1,000 and 10,000 simulated instances selected by tag,
 * at the largest share one execution takes (MAX_TARGETS), parallel and serial; and the refusal of
 * a whole fleet. Measured against Step Functions' limits on one execution.
 */
import { MAX_TARGETS } from "../../lib/execution-limits";
import { MAX_HISTORY_EVENTS, MAX_PAYLOAD_BYTES } from "../../test/local/support/runner/history";
import { markdownTable } from "../markdown";
import { spread } from "../statistics";
import { billOf, fisDollars } from "./bill";
import { runEach, type ExperimentRun } from "./experiment";
import { dollars, megabytes } from "./money";
import { allCalls, experimentTables, over, type Cell, type Column } from "./tables";

const DURATION_SECONDS = 30;
const FLEETS = [1000, 10_000];

const share = (instances: number) => `${Math.round((100 * MAX_TARGETS) / instances)}%`;

const SCALED: Column[] = FLEETS.flatMap((instances) =>
  (["parallel", "serial"] as const).map((sequence) => ({
    label: `${instances.toLocaleString("en-US")} × ${share(instances)}, ${sequence}`,
    spec: { instances, targets: MAX_TARGETS, sequence, durationSeconds: DURATION_SECONDS, alarm: false },
  })),
);

const REFUSED: Column[] = FLEETS.map((instances) => ({
  label: `${instances.toLocaleString("en-US")} × 100%`,
  spec: {
    instances,
    targets: instances,
    sequence: "parallel",
    durationSeconds: DURATION_SECONDS,
    alarm: false,
  },
}));

const seconds = (ms: number) => (ms / 1000).toFixed(1);
const kib = (bytes: number) => (bytes / 1024).toFixed(0);

const ROWS: [string, Cell][] = [
  ["the experiment's length on AWS (simulated), min", (rs) => over(rs, (r) => r.simulatedSeconds / 60)],
  [
    "**control plane's own work: wall time minus Wait states, s**",
    (rs) => over(rs, (r) => r.wallMs - r.waitingMs, seconds),
  ],
  [
    "… of which in the Lambda handlers, s",
    (rs) => over(rs, (r) => r.invocations.reduce((a, i) => a + (i.durationMs ?? 0), 0), seconds),
  ],
  ["progress checks", (rs) => over(rs, (r) => r.progressChecks)],
  ["state transitions", (rs) => over(rs, (r) => r.billedTransitions)],
  ["Lambda invocations", (rs) => over(rs, (r) => r.invocations.length)],
  ["AWS API calls (by name below)", (rs) => over(rs, allCalls)],
  [
    `history events (limit ${MAX_HISTORY_EVENTS.toLocaleString("en-US")})`,
    (rs) => over(rs, (r) => r.outcome.historyEvents),
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
      "Whole fleet selected",
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
  const serial = scaled[SCALED.findIndex((c) => c.spec.sequence === "serial")];
  const median = (measure: (r: ExperimentRun) => number) => spread(serial.map(measure)).median;
  const work = median((r) => r.wallMs - r.waitingMs) / 1000;
  const hours = median((r) => r.simulatedSeconds) / 3600;
  const checks = median((r) => r.progressChecks);
  const logs = median((r) => billOf(r).logs);
  const logMegabytes = median((r) => r.executionDataBytes) / 1e6;
  const total = median((r) => billOf(r).total);
  return `**How to read it.** One execution takes at most ${MAX_TARGETS} instances, so each fleet is measured at the share that
selects ${MAX_TARGETS} (${DURATION_SECONDS} s each, no alarm): parallel sends them in SendCommand calls of 50 and checks them as
one group; serial runs ${MAX_TARGETS} groups one after another, ${checks / MAX_TARGETS} checks each. The control plane's own work
is the execution's wall time here minus the time in Wait states (a millisecond each on the simulated clock): the runner's state
transitions, the handlers, and the in-memory AWS answering them with no network in between, so on AWS the same work takes longer,
each API call being a round trip. The handlers' time is measured around each invocation and the Wait states' from the runner's
event log, which trails the states a little, so the handlers' share can come out slightly above the whole. The serial run's
${work.toFixed(1)} s of work here is spread over ${hours.toFixed(1)} hours on AWS. It uses most of an execution's history (the
reason one execution stops at ${MAX_TARGETS}); its states carry the plan without the instance lists (only the groups' own IDs),
so the state machine's log at level ALL with execution data holds ${logMegabytes.toFixed(1)} MB, ${dollars(logs)} of CloudWatch
Logs ingestion beside ${dollars(total)} for the transitions, invocations and API calls.
A whole fleet is refused by name (\`TooManyTargetsError\`) once its instances are listed and before any command is sent; the abort
rule then runs cleanup, which finds no command of the experiment.`;
}
