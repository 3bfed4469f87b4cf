/** Reading what a command did on each instance. */
import { ListCommandInvocationsCommand, type CommandInvocation, type SSMClient } from "@aws-sdk/client-ssm";
import { SCRIPT_STEP } from "../../lib/document-names";
import { documentFilters } from "./experiment-commands";
import { collectPages } from "../aws/pages";

/** Right after SendCommand, SSM may not know a command's invocations yet: they are still pending. */
const notYetListed = (error: unknown): boolean =>
  error instanceof Error && error.name === "InvocationDoesNotExist";

/** Every invocation of a command SSM lists so far, with the start of each one's output. */
export async function commandInvocations(ssm: SSMClient, commandId: string): Promise<CommandInvocation[]> {
  try {
    return await collectPages(
      (NextToken) =>
        ssm.send(
          new ListCommandInvocationsCommand({
            CommandId: commandId,
            Details: true,
            MaxResults: 50,
            NextToken,
          }),
        ),
      (page) => page.CommandInvocations,
    );
  } catch (error) {
    if (notYetListed(error)) return [];
    throw error;
  }
}

/**
 * Every invocation of the fault's document since `invokedAfter`, whatever its command, with the
 * start of each one's output: 50 a page, so a serial run's thousands of one-instance commands are
 * read in pages rather than in a call each.
 */
export function documentInvocations(ssm: SSMClient, invokedAfter: Date): Promise<CommandInvocation[]> {
  return collectPages(
    (NextToken) =>
      ssm.send(
        new ListCommandInvocationsCommand({
          Filters: documentFilters(invokedAfter),
          Details: true,
          MaxResults: 50,
          NextToken,
        }),
      ),
    (page) => page.CommandInvocations,
  );
}

/**
 * The start of the script's output, as ListCommandInvocations gives it (the first 2,500 characters):
 * the document's download steps come before it, each a plugin of its own.
 */
export const invocationOutput = (invocation: CommandInvocation): string | undefined =>
  invocation.CommandPlugins?.find((plugin) => plugin.Name === SCRIPT_STEP)?.Output;

/** A download step failed: the agent fetched not all of the program, and the script ran none of it. */
export const fetchFailed = (invocation: CommandInvocation): boolean =>
  invocation.Status === "Failed" &&
  (invocation.CommandPlugins ?? []).some(
    (plugin) => plugin.Name !== SCRIPT_STEP && plugin.Status === "Failed",
  );
