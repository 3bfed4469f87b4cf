/**
 * The program reaches each instance through the document's download steps: its agent calls
 * GetDocument for every part, retrying a throttled call three times. Where the agent still could
 * not fetch the program, nothing ran and nothing changed on the instance: the fault is sent to it
 * again, up to MAX_DELIVERIES in all, and only then does the experiment fail, naming the fetch.
 */
import "./support/environment";
import { SimulatedAgent } from "./support/agents/simulated";
import { localFault, type LocalFault } from "./support/local-fault";
import { describeOutcome, reportOf } from "./support/scenario";
import { waitFor } from "../payload/support/exec";
import { MAX_DELIVERIES } from "../../lambda/handlers/check-progress";

const INPUT = { EC2_INSTANCE_TAG: "app:web", INSTANCE_AFFECTED_PERC: 100, TOTAL_CHAOS_DURATION: 5 };
const FAST = { waitMs: 5 };
const onlyGetDocument = (service: string, operation: string) =>
  `${service}:${operation}` === "SSM:GetDocument";

function fleetOf(count: number): { local: LocalFault; agent: SimulatedAgent; ids: string[] } {
  const local = localFault({ timing: { visibilityMs: 20, deliveryMs: 5, msPerTimeoutSecond: 10 } });
  const agent = new SimulatedAgent({ msPerSecond: 2, resetsPerSecond: 1 });
  const ids = local.aws.fleet.addMany(count, { tags: { app: "web" }, agent }).map((i) => i.id);
  return { local, agent, ids };
}

/** The Inject commands sent, in order. */
function injects(local: LocalFault) {
  return local.aws.ssm.commands.filter((c) => c.parameters.Action?.[0] === "Inject");
}

/** The injections whose script had the whole program: those that ran the fault. */
function injected(local: LocalFault, agent: SimulatedAgent) {
  const steps = (commandId: string, instanceId: string) =>
    local.aws.ssm.commands.find((c) => c.commandId === commandId)?.invocations.get(instanceId)?.downloadSteps;
  return agent.runs.filter(
    (r) =>
      r.parameters.Action === "Inject" &&
      steps(r.commandId, r.instanceId)?.every((step) => step.status === "Success"),
  );
}

/** The command failed on every instance, a download step before its script. */
const fetchFailed = (command: ReturnType<typeof injects>[number] | undefined) =>
  !!command &&
  [...command.invocations.values()].every(
    (i) => i.status === "Failed" && i.downloadSteps?.some((step) => step.status === "Failed"),
  );

test("an agent that could not fetch the program is sent the fault again, which then runs once", async () => {
  const { local, agent, ids } = fleetOf(3);
  try {
    local.aws.calls.throttle(1, onlyGetDocument);
    const execution = local.stateMachine.start(INPUT, FAST);
    await waitFor("the first delivery's fetches to fail", () => fetchFailed(injects(local)[0]));
    local.aws.calls.throttle(0);
    const outcome = await execution.done;
    expect(describeOutcome(outcome)).toBe("SUCCEEDED");
    // Each instance is sent the fault again as soon as its own fetch has failed: twice in all.
    for (const id of ids) expect(injects(local).filter((c) => c.instanceIds.includes(id))).toHaveLength(2);
    // The failed delivery ran nothing: each instance ran the program once, from the second.
    expect(
      injected(local, agent)
        .map((r) => r.instanceId)
        .sort(),
    ).toEqual([...ids].sort());
    expect(reportOf(outcome).totals).toMatchObject({ instances: 3, succeeded: 3, failed: 0 });
    // The report reads each instance's latest command, not the delivery that never ran.
    const latest = (id: string) =>
      [...injects(local)].reverse().find((c) => c.instanceIds.includes(id))!.commandId;
    expect(Object.fromEntries(reportOf(outcome).instances.map((r) => [r.instanceId, r.commandId]))).toEqual(
      Object.fromEntries(ids.map((id) => [id, latest(id)])),
    );
  } finally {
    await local.dispose();
  }
}, 60_000);

test(`where the program never arrives, the fault goes ${MAX_DELIVERIES} times, then the experiment fails naming the fetch`, async () => {
  const { local, agent, ids } = fleetOf(1);
  try {
    local.aws.calls.throttle(1, onlyGetDocument);
    const outcome = await local.stateMachine.start(INPUT, FAST).done;
    expect(outcome.error).toBe("FaultCommandFailed");
    expect(outcome.cause).toContain("was not fetched");
    expect(injects(local)).toHaveLength(MAX_DELIVERIES);
    for (const command of injects(local)) expect(command.instanceIds).toEqual(ids);
    expect(injects(local).every(fetchFailed)).toBe(true);
    expect(injected(local, agent)).toHaveLength(0);
  } finally {
    await local.dispose();
  }
}, 60_000);
