/** Finds the commands an experiment sent, from SSM's own record rather than from any task's output. */
import { setTimeout as sleep } from "node:timers/promises";
import { ListCommandsCommand, type Command, type CommandFilter, type SSMClient } from "@aws-sdk/client-ssm";
import type { CommandRef } from "../contract";
import { documentName } from "../input/environment";
import { collectPages } from "../aws/pages";

export interface ExperimentCommand extends CommandRef {
  readonly action: string;
  /** Undefined when SSM does not list the command yet. */
  readonly status?: string;
  /** When it was sent; undefined when SSM does not list it yet. */
  readonly requestedAt?: Date;
}

const asExperimentCommand = (c: Command): ExperimentCommand => ({
  commandId: c.CommandId ?? "",
  instanceIds: c.InstanceIds ?? [],
  // A command sent without Action runs the document's default, Inject.
  action: c.Parameters?.Action?.[0] ?? "Inject",
  status: c.Status,
  requestedAt: c.RequestedDateTime,
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
  // Known once each: a command may be both in a task's output and recorded.
  const unlisted = [...new Map(known.map((k) => [k.commandId, k])).values()]
    .filter((k) => !ours.some((c) => c.commandId === k.commandId))
    .map((k) => ({ ...k, action: "Inject" }));
  return [...ours, ...unlisted];
}

/** How long to wait for SSM to list a command that was sent, and how often to look meanwhile. */
const LISTING = { waitMs: 30_000, stepMs: 1_000 };

/**
 * The experiment's commands once SSM lists every known one (what each did is read from SSM's list
 * next), or as found when LISTING.waitMs has passed.
 */
export async function listedCommands(
  ssm: SSMClient,
  experimentId: string,
  known: readonly CommandRef[],
  invokedAfter?: Date,
): Promise<ExperimentCommand[]> {
  const deadline = Date.now() + LISTING.waitMs;
  for (;;) {
    const commands = await experimentCommands(ssm, experimentId, known, invokedAfter);
    if (commands.every((c) => c.status !== undefined) || Date.now() >= deadline) return commands;
    await sleep(LISTING.stepMs);
  }
}
