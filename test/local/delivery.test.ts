/**
 * The program reaches each instance through the document's download steps: its agent calls
 * GetDocument for every part, retrying a throttled call three times. Where the agent still could
 * not fetch the program, nothing ran and nothing changed on the instance: the fault is sent to it
 * again, up to MAX_DELIVERIES in all, and only then does the experiment fail, naming the fetch.
 */
import "./support/environment";
import { SimulatedAgent } from "./support/agents/simulated";
import { fetchFailed, type CommandRecord } from "./support/fake-aws/ssm-commands";
import type { LocalFault } from "./support/local-fault";
import { FAST, SIMULATED_INPUT, simulatedFleet } from "./support/simulated-fleet";
import { describeOutcome, reportOf } from "./support/scenario";
import { waitFor } from "../payload/support/exec";
import { MAX_DELIVERIES } from "../../lambda/handlers/check-progress";

const onlyGetDocument = (service: string, operation: string) =>
  `${service}:${operation}` === "SSM:GetDocument";

const injects = (local: LocalFault) => local.aws.ssm.commandsOf("Inject");

/** The injections whose script had the whole program: those that ran the fault. */
function injected(local: LocalFault, agent: SimulatedAgent) {
  const invocation = (commandId: string, instanceId: string) =>
    local.aws.ssm.commands.find((c) => c.commandId === commandId)?.invocations.get(instanceId);
  return agent.runs.filter((r) => {
    const ran = invocation(r.commandId, r.instanceId);
    return r.parameters.Action === "Inject" && ran?.downloadSteps && !fetchFailed(ran);
  });
}

/** The command failed on every instance, a download step before its script. */
const failedEverywhere = (command: CommandRecord | undefined) =>
  !!command && [...command.invocations.values()].every((i) => i.status === "Failed" && fetchFailed(i));

test("an agent that could not fetch the program is sent the fault again, which then runs once", async () => {
  const { local, agent, ids } = simulatedFleet(3);
  try {
    local.aws.calls.throttle(1, onlyGetDocument);
    const execution = local.stateMachine.start(SIMULATED_INPUT, FAST);
    await waitFor("the first delivery's fetches to fail", () => failedEverywhere(injects(local)[0]));
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
  const { local, agent, ids } = simulatedFleet(1);
  try {
    local.aws.calls.throttle(1, onlyGetDocument);
    const outcome = await local.stateMachine.start(SIMULATED_INPUT, FAST).done;
    expect(outcome.error).toBe("FaultCommandFailed");
    expect(outcome.cause).toContain("was not fetched");
    expect(injects(local)).toHaveLength(MAX_DELIVERIES);
    for (const command of injects(local)) expect(command.instanceIds).toEqual(ids);
    expect(injects(local).every(failedEverywhere)).toBe(true);
    expect(injected(local, agent)).toHaveLength(0);
  } finally {
    await local.dispose();
  }
}, 60_000);
