/** Sends the fault's document to instances, in as many commands as the 50-ID limit requires. */
import { SendCommandCommand, type SSMClient } from "@aws-sdk/client-ssm";
import { chunk } from "../aws/chunks";
import type { CommandRef } from "../contract";
import { documentName } from "../input/environment";

/**
 * How long SSM may take to deliver a command before giving up on it. Targets were checked online
 * just before, so a command not started by then would only shift the fault's window.
 */
const DELIVERY_TIMEOUT_SECONDS = 120;

export async function sendDocument(
  ssm: SSMClient,
  instanceIds: readonly string[],
  action: "Inject" | "Cleanup",
  parameters: Record<string, string[]> & { ExperimentId: string[] },
): Promise<CommandRef[]> {
  const commands: CommandRef[] = [];
  for (const group of chunk(instanceIds)) {
    const { Command } = await ssm.send(
      new SendCommandCommand({
        DocumentName: documentName(),
        InstanceIds: group,
        Parameters: { ...parameters, Action: [action] },
        // At most 100 characters; names the run in the console's command history.
        Comment: `http-reset-peer ${action} ${parameters.ExperimentId[0]}`.slice(0, 100),
        TimeoutSeconds: DELIVERY_TIMEOUT_SECONDS,
        // Every instance at once, and one failing instance does not hold back the others: the
        // tasks notice failures themselves and clean up.
        MaxConcurrency: "100%",
        MaxErrors: "100%",
      }),
    );
    commands.push({ commandId: Command?.CommandId ?? "", instanceIds: group });
  }
  return commands;
}
