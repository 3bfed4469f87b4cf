import "../test/local/support/environment";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { Duration } from "aws-cdk-lib";
import type { HttpResetPeerFaultProps } from "../lib";
import type { ReportSummary, Verdict } from "../lambda/contract";
import { NamespaceFleet, PORT } from "../test/local/support/fleet";
import { render } from "../test/local/support/live-view";
import { localFault, type LocalFault } from "../test/local/support/local-fault";
import { startOrders } from "../test/payload/support/traffic";

const INPUT = {
  EC2_INSTANCE_TAG: "app:web",
  INSTANCE_AFFECTED_PERC: 67,
  TARGET_SERVICE_PORT: PORT,
  TOTAL_CHAOS_DURATION: 10,
  // Seven connections in ten are reset, the others answered: pools see partial failure.
  RESET_PERCENTAGE: 70,
  RAMP_TIME: 3,
  SEQUENCE: "parallel",
  // Who comes back after the fault, and when: the report's clients section.
  OBSERVE_RECOVERY_SECONDS: 5,
};

/**
 * What the demo's team expects: no order sent twice, and every client back within the 5 s watched.
 * The orders' client sends a reset POST again at once, so the verdict is Failed: the experiment
 * shows the finding rather than failing the demo (failExecution: false).
 */
const PROPS: HttpResetPeerFaultProps = {
  hypothesis: {
    statement: "No order is sent twice, and every client is back within 5 s of the fault",
    clients: { name: "no-order-twice", maxUnsafeRetries: 0, backWithin: Duration.seconds(5) },
    failExecution: false,
  },
};

/** Where `npm run demo` leaves the experiment's report. */
export const DEMO_OUTPUT = join(__dirname, "..", "demo-output");

export interface DemoOptions {
  /** Draw the live view and print the outcome, as `npm run demo` does; quiet otherwise. */
  readonly live?: boolean;
  /** Where the report's page and JSON go. */
  readonly outputDir?: string;
}

export interface DemoResult {
  readonly status: string;
  /** The instances the experiment targeted. */
  readonly targets: string[];
  /** The report's page, as the report function wrote it to the records bucket, saved here. */
  readonly reportPage: string;
  readonly verdict?: Verdict;
}

/** The verdict in a few lines: the result and score, then each probe and what decided it. */
export const verdictLines = (verdict: Verdict): string[] => [
  `Verdict: ${verdict.result}, score ${verdict.score} (${verdict.statement})`,
  ...verdict.probes.map((p) => `  ${p.outcome.padEnd(12)} ${p.name}: ${p.reason}`),
];

/** Copies the report's page and JSON out of the local records bucket; returns the page's path. */
function saveReport(local: LocalFault, output: ReportSummary, dir: string): string {
  mkdirSync(dir, { recursive: true });
  const [page, json] = [output.reportPage, output.reportObject].map((uri) => {
    const [, bucket, key] = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri) ?? [];
    return local.aws.s3.read(bucket, key);
  });
  writeFileSync(join(dir, "report.json"), json);
  const path = join(dir, "report.html");
  writeFileSync(path, page);
  return path;
}

export async function runDemo({
  live = true,
  outputDir = DEMO_OUTPUT,
}: DemoOptions = {}): Promise<DemoResult> {
  const say = (text: string) => live && console.log(text);
  say("Synthesizing the construct and starting three instances...");
  const local = localFault({ props: PROPS });
  const fleet = await NamespaceFleet.create(local.aws, 3, () => ({ app: "web" }));
  // Beside each instance's client of GETs, one that POSTs orders and sends a reset one again at
  // once, with no idempotency key: the unsafe retries the report's clients section names.
  for (const member of fleet.members) startOrders(member.world, PORT);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await fleet.destroy();
    await local.dispose();
  };
  const interrupted = () => {
    console.log("\nInterrupted: removing the instances...");
    void stop().then(() => process.exit(130));
  };
  process.once("SIGINT", interrupted);
  try {
    await new Promise((r) => setTimeout(r, 1500));
    say(`Input: ${JSON.stringify(INPUT)}`);
    const since = Date.now();
    const execution = local.stateMachine.start(INPUT, { waitMs: { "Wait for progress": 1000 } });
    const draw = () => live && process.stdout.write(`\x1b[2J\x1b[H${render(fleet, execution, since)}\n`);
    const timer = setInterval(draw, 500);
    const outcome = await execution.done;
    await new Promise((r) => setTimeout(r, 3000));
    clearInterval(timer);
    draw();
    say(`\nExecution ${outcome.status}${outcome.error ? `: ${outcome.error} ${outcome.cause}` : ""}`);
    say(
      `${outcome.stateTransitions} state transitions, ${outcome.childExecutions} child execution(s), ` +
        `${outcome.historyEvents} history events in the parent and at most ${outcome.maxChildHistoryEvents} in a child, ` +
        `${local.aws.calls.calls.length} AWS API calls`,
    );
    const output = outcome.output as ReportSummary;
    say("Report:");
    say(JSON.stringify(output, null, 2));
    if (output.verdict) say(verdictLines(output.verdict).join("\n"));
    const reportPage = saveReport(local, output, outputDir);
    say(`The report's page (${output.reportPage} in AWS): ${relative(process.cwd(), reportPage)}`);
    say(`Every instance clean afterwards: ${await fleet.allClean()}`);
    return { status: outcome.status, targets: output.targets, reportPage, verdict: output.verdict };
  } finally {
    process.removeListener("SIGINT", interrupted);
    await stop();
  }
}
