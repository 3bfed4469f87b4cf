/** Finds the commands an experiment sent, from SSM's own record rather than from any task's output. */
import { ListCommandsCommand, type Command, type CommandFilter, type SSMClient } from "@aws-sdk/client-ssm";
import type { CommandRef } from "./contract";
import { documentName } from "./environment";
import { collectPages } from "./pages";

export interface ExperimentCommand extends CommandRef {
  readonly action: string;
  /** Undefined when SSM does not list the command yet. */
  readonly status?: string;
}

const asExperimentCommand = (c: Command): ExperimentCommand => ({
  commandId: c.CommandId ?? "",
  instanceIds: c.InstanceIds ?? [],
  // A command sent without Action runs the document's default, Inject.
  action: c.Parameters?.Action?.[0] ?? "Inject",
  status: c.Status,
});

/** The filters of the fault's document's commands (or invocations), since `invokedAfter` if given. */
export function documentFilters(invokedAfter?: Date): CommandFilter[] {
  const filters: CommandFilter[] = [{ key: "DocumentName", value: documentName() }];
  if (invokedAfter) {
    // Whole seconds, as the filter documents them; rounding down keeps commands of the same second.
    filters.push({ key: "InvokedAfter", value: invokedAfter.toISOString().replace(/\.[0-9]+Z$/, "Z") });
  }
  return filters;
}

/**
 * Every command of the document whose ExperimentId parameter is the experiment's, plus the known
 * ones SSM does not list yet (a command is listed a moment after SendCommand returns).
 */
export async function experimentCommands(
  ssm: SSMClient,
  experimentId: string,
  known: readonly CommandRef[],
  invokedAfter?: Date,
): Promise<ExperimentCommand[]> {
  const filters = documentFilters(invokedAfter);
  const listed = await collectPages(
    (NextToken) => ssm.send(new ListCommandsCommand({ Filters: filters, MaxResults: 50, NextToken })),
    (page) => page.Commands,
  );
  const ours = listed
    .filter((c) => c.Parameters?.ExperimentId?.[0] === experimentId)
    .map(asExperimentCommand);
  const unlisted = known
    .filter((k) => !ours.some((c) => c.commandId === k.commandId))
    .map((k) => ({ ...k, action: "Inject" }));
  return [...ours, ...unlisted];
}
