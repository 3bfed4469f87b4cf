import "../test/local/support/environment";
import { NamespaceFleet, PORT } from "../test/local/support/fleet";
import { render } from "../test/local/support/live-view";
import { localFault } from "../test/local/support/local-fault";

const INPUT = {
  EC2_INSTANCE_TAG: "app:web",
  INSTANCE_AFFECTED_PERC: 67,
  TARGET_SERVICE_PORT: PORT,
  TOTAL_CHAOS_DURATION: 10,
  RAMP_TIME: 3,
  SEQUENCE: "parallel",
};

export async function runDemo(): Promise<void> {
  console.log("Synthesizing the construct and starting three instances...");
  const local = localFault();
  const fleet = await NamespaceFleet.create(local.aws, 3, () => ({ app: "web" }));
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await fleet.destroy();
  };
  process.once("SIGINT", () => {
    console.log("\nInterrupted: removing the instances...");
    void stop().then(() => process.exit(130));
  });
  try {
    await new Promise((r) => setTimeout(r, 1500));
    console.log(`Input: ${JSON.stringify(INPUT)}`);
    const since = Date.now();
    const execution = local.stateMachine.start(INPUT, { waitMs: { "Wait for progress": 1000 } });
    const timer = setInterval(
      () => process.stdout.write(`\x1b[2J\x1b[H${render(fleet, execution, since)}\n`),
      500,
    );
    const outcome = await execution.done;
    await new Promise((r) => setTimeout(r, 3000));
    clearInterval(timer);
    process.stdout.write(`\x1b[2J\x1b[H${render(fleet, execution, since)}\n\n`);
    console.log(`Execution ${outcome.status}${outcome.error ? `: ${outcome.error} ${outcome.cause}` : ""}`);
    console.log(
      `${outcome.stateTransitions} state transitions, ${outcome.childExecutions} child execution(s), ` +
        `${outcome.historyEvents} history events in the parent and at most ${outcome.maxChildHistoryEvents} in a child, ` +
        `${local.aws.calls.calls.length} AWS API calls`,
    );
    console.log("Report:");
    console.log(JSON.stringify(outcome.output, null, 2));
    console.log(`Every instance clean afterwards: ${await fleet.allClean()}`);
  } finally {
    await stop();
  }
}
