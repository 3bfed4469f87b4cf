/**
 * Stop conditions (item 11): how soon a stop-condition alarm going to ALARM ends the fault, in a
 * whole local experiment with the real handlers on namespace-backed instances: through the alarm
 * rule's event, and through the state machine's polled progress check alone (the event lost), in
 * the same runs. Waits last as the definition says, as on AWS. Needs root, as the payload part does.
 */
import "../test/local/support/environment";
import { isProgramCommandLine } from "../test/payload/support/document";
import { waitFor } from "../test/payload/support/exec";
import { NamespaceFleet, PORT } from "../test/local/support/fleet";
import { localFault, type LocalFault } from "../test/local/support/local-fault";
import { ALARM, SCENARIO_PROPS } from "../test/local/support/scenario";
import { loadAverage, machine } from "./machine";
import { markdownTable } from "./markdown";
import { progress, type PartResult } from "./parts";
import { formatSpread, spread } from "./statistics";

const TARGET_MS = 5000;

/** Three instances, each for a minute: long enough to be stopped in the middle. */
const INPUT = {
  EC2_INSTANCE_TAG: "app:web",
  INSTANCE_AFFECTED_PERC: 100,
  TARGET_SERVICE_PORT: PORT,
  TOTAL_CHAOS_DURATION: 60,
};

type Path = "event" | "polled";

interface StopRun {
  readonly path: Path;
  /** From the alarm's change of state to a Cleanup command sent to the last of the targets. */
  readonly cleanupSentMs: number;
  /** From the alarm's change of state to no process of the fault on any instance. */
  readonly proxyGoneMs: number;
}

async function stopOnce(local: LocalFault, fleet: NamespaceFleet, path: Path): Promise<StopRun> {
  local.alarmEventsLost = path === "polled";
  try {
    const since = Date.now();
    const run = local.stateMachine.start(INPUT);
    await waitFor(
      "every client to be reset",
      () => fleet.members.every((m) => m.traffic.resets(since) > 0),
      30,
    );
    const alarmAt = Date.now();
    local.aws.cloudwatch.setAlarmState(ALARM, "ALARM", "Threshold Crossed (bench)");
    let proxyGoneAt = 0;
    await waitFor(
      "no process of the fault on any instance",
      async () => {
        const gone = (
          await Promise.all(fleet.members.map(async (m) => (await m.world.faultTraces()).processes))
        )
          .flat()
          .every((p) => !isProgramCommandLine(p));
        if (gone) proxyGoneAt = Date.now();
        return gone;
      },
      30,
    );
    await run.done;
    await fleet.commandsEnded();
    const firstCleanup = (id: string) =>
      Math.min(
        ...local.aws.ssm.commands
          .filter(
            (c) =>
              c.values.Action === "Cleanup" &&
              c.instanceIds.includes(id) &&
              c.requestedAt.getTime() >= alarmAt,
          )
          .map((c) => c.requestedAt.getTime()),
      );
    const cleanupSentAt = Math.max(...fleet.ids.map(firstCleanup));
    local.aws.cloudwatch.setAlarmState(ALARM, "OK");
    if (!(await fleet.allClean())) throw new Error("the fault left something on an instance");
    return { path, cleanupSentMs: cleanupSentAt - alarmAt, proxyGoneMs: proxyGoneAt - alarmAt };
  } finally {
    local.alarmEventsLost = false;
  }
}

function section(results: StopRun[], runs: number): string {
  const of = (path: Path, measure: keyof Omit<StopRun, "path">) =>
    spread(results.filter((r) => r.path === path).map((r) => r[measure]));
  const row = (label: string, measure: keyof Omit<StopRun, "path">) => {
    const event = of("event", measure);
    return [
      label,
      formatSpread(event),
      formatSpread(of("polled", measure)),
      `< ${TARGET_MS}`,
      event.max < TARGET_MS ? "PASS" : "FAIL",
    ];
  };
  return `### Results

Each figure is the median of ${runs} runs, with the minimum and maximum in brackets. Both paths are measured in the
same runs, alternating, on the same three instances.

${markdownTable(
  [
    "#",
    "Measure",
    "Alarm rule's event: median (min–max)",
    "Polled check alone: median (min–max)",
    "Target",
    "Result",
  ],
  [
    ["11", ...row("alarm to ALARM → Cleanup sent to every target, ms", "cleanupSentMs")],
    ["11", ...row("alarm to ALARM → no process of the fault on any instance, ms", "proxyGoneMs")],
  ],
)}

### What is measured, and how

11. **Stop on an alarm.** The construct's state machine runs locally (\`test/local/\`) with every task bound to its
    real handler and the SSM document run by a local agent on three namespace-backed instances, each serving HTTP
    with a client sending requests all the time; Waits last as long as the definition says (the progress check every
    10 s for this one-minute fault). Once every client has been reset, the stop-condition alarm goes to ALARM. With
    the **alarm rule's event**, EventBridge's delivery of "CloudWatch Alarm State Change" invokes the stop function,
    which stops the running execution and sends \`Action=Cleanup\` to its targets at once. With the **polled check
    alone**, the event is lost and the fault stops at the next progress check, as it did before the rule. The figures
    run from the alarm's change of state to the last target's first Cleanup command (as SSM records it), and to no
    process of the fault left on any instance (polled as the payload tests do, so an upper bound). EventBridge's own
    delivery time on AWS is not in the figures: the local rule delivers at once.
    AWS FIS, for comparison, documents that "if a stop condition is triggered during an experiment, AWS FIS stops the
    experiment", and gives no figure for how soon
    ([Stop conditions for AWS FIS](https://docs.aws.amazon.com/fis/latest/userguide/stop-conditions.html)).
`;
}

export async function runStop(runs: number): Promise<PartResult> {
  const started = Date.now();
  const loadAtStart = loadAverage();
  const local = localFault({ props: SCENARIO_PROPS });
  local.aws.cloudwatch.addAlarm(ALARM);
  const fleet = await NamespaceFleet.create(local.aws, 3, () => ({ app: "web" }));
  try {
    await waitFor(
      "every instance to answer",
      () => fleet.members.every((m) => m.traffic.successes() > 0),
      30,
    );
    const results: StopRun[] = [];
    for (let round = 1; round <= runs; round++) {
      const order: Path[] = round % 2 ? ["event", "polled"] : ["polled", "event"];
      for (const path of order) results.push(await stopOnce(local, fleet, path));
      progress(`stop round ${round}/${runs}`, started);
    }
    return {
      date: new Date().toISOString().slice(0, 10),
      seconds: Math.round((Date.now() - started) / 1000),
      runs,
      machine: machine(),
      software: "aws-local-stepfunctions, the fault's handlers and document",
      load: `${loadAtStart} at the start, ${loadAverage()} at the end`,
      section: section(results, runs),
    };
  } finally {
    await fleet.destroy();
  }
}
