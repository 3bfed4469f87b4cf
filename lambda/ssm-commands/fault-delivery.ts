/**
 * Sending the fault to instances, from send-command and again from check-progress: the commands
 * are recorded before anything else, and when the experiment is found stopping by then, they are
 * undone at once (the stop's own cleanup may have looked before they were recorded).
 */
import type { SSMClient } from "@aws-sdk/client-ssm";
import type { CommandRef, Plan } from "../contract";
import { recordCommands, recordedStop } from "../records/records";
import { fromStateMachine, undo } from "../stopping/undo";
import { logger } from "../telemetry";
import { sendDocument } from "./send-document";

/**
 * Sends Inject to `instanceIds`, its `attempt`-th delivery to them, and records the commands;
 * returns them.
 */
export async function deliverFault(
  ssm: SSMClient,
  plan: Plan,
  instanceIds: string[],
  attempt = 1,
): Promise<CommandRef[]> {
  const sent = await sendDocument(ssm, instanceIds, "Inject", {
    ...plan.documentParameters,
    ExperimentId: [plan.experimentId],
  });
  const commands = attempt > 1 ? sent.map((c) => ({ ...c, attempt })) : sent;
  await recordCommands(plan.records, commands);
  const stop = await recordedStop(plan.records);
  if (stop) {
    // As a child's own cleanup undoes its batch; the cause recorded first stays.
    const undone = await undo(fromStateMachine({ plan, commands, stop, instanceIds }));
    logger.info("the experiment was stopping: its commands undone", { ...undone });
  }
  return commands;
}
