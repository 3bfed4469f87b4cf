/**
 * Undoing an experiment: why it stops recorded, its commands still in flight cancelled,
 * Action=Cleanup sent to every instance that may hold the fault. Every step is harmless the second
 * time, so the in-flow cleanup, the abort rule's, the stop on an alarm and a send-command task
 * that finds the experiment stopping may all run for one experiment.
 *
 * Its commands are found three ways: those the caller knows, those SSM lists (a moment after
 * SendCommand returns), and those each send-command task recorded in the records bucket. A task
 * records its commands and then looks for a recorded cause; an undo records the cause and then
 * reads the commands. S3 gives strong read-after-write consistency to reads and to listings
 * alike (https://docs.aws.amazon.com/AmazonS3/latest/userguide/Welcome.html#ConsistencyModel), so
 * of two that race, one sees the other's record: no command escapes both.
 */
import { CancelCommandCommand, type SSMClient } from "@aws-sdk/client-ssm";
import { checkAccess } from "../aws/access-policy";
import { accessFor, faultClients, type FaultAccess } from "../aws/aws-clients";
import { chunk } from "../aws/chunks";
import type {
  CleanupResult,
  CommandRef,
  ExecutionStatusChangeEvent,
  InFlowCleanupEvent,
  StopCause,
} from "../contract";
import { homeRegion } from "../input/environment";
import { CredentialsError, InvalidInputError } from "../errors";
import { experimentCommands, type ExperimentCommand } from "../ssm-commands/experiment-commands";
import { experimentIdFor } from "../input/experiment-id";
import { readInput } from "../input/input";
import { executionStop } from "./execution-stop";
import { recordedCommands, recordsPrefix, recordStop } from "../records/records";
import { sendDocument } from "../ssm-commands/send-document";
import { logger } from "../telemetry";
import { STOP_ERRORS } from "../../lib/stop-errors";

/** Execution statuses after which the fault may remain on an instance. */
const ABNORMAL_ENDS = new Set(["ABORTED", "TIMED_OUT", "FAILED"]);

/**
 * The errors an execution fails with on its verdict alone: the gate after the report, which only a
 * fault that ran its course (or never ran) reaches. There is nothing to undo, and the report is
 * written.
 */
const VERDICT_ERRORS = new Set<string>([STOP_ERRORS.hypothesisRejected, STOP_ERRORS.hypothesisInconclusive]);

const IN_FLIGHT = new Set(["Pending", "InProgress"]);

export const NOTHING: CleanupResult = { cancelled: [], cleanupCommands: [] };

/** An experiment to undo: who acts, the commands already known, and since when to look. */
export interface Experiment {
  readonly access: FaultAccess;
  readonly known: readonly CommandRef[];
  readonly since?: Date;
  /** The experiment's records prefix, and why it stops; absent when it never started. */
  readonly stopping?: { readonly records: string; readonly cause: StopCause };
  /** The only instances to undo (a child execution's batch); all of the experiment's when absent. */
  readonly only?: ReadonlySet<string>;
}

export const fromStateMachine = ({ plan, commands, stop, instanceIds }: InFlowCleanupEvent): Experiment => ({
  access: accessFor(plan),
  known: commands,
  since: new Date(plan.startedAt),
  stopping: { records: plan.records, cause: stop },
  only: instanceIds && new Set(instanceIds),
});

/** Who acted for an execution, read from its input as resolve-targets read it. */
function executionAccess({ detail }: ExecutionStatusChangeEvent): FaultAccess {
  const values = readInput(JSON.parse(detail.input ?? "{}"));
  const access = {
    experimentId: experimentIdFor(detail.name),
    region: values.REGION || homeRegion(),
    assumeRoleArn: values.ASSUME_ROLE_ARN,
    authenticationSecret: values.AWS_AUTHENTICATION_SECRET,
  };
  checkAccess(access);
  return access;
}

export function fromExecution(event: ExecutionStatusChangeEvent): Experiment | undefined {
  if (!ABNORMAL_ENDS.has(event.detail.status)) return undefined;
  if (VERDICT_ERRORS.has(event.detail.error ?? "")) {
    logger.info("the execution failed on its verdict, after the fault ended and was reported", {
      error: event.detail.error,
    });
    return undefined;
  }
  let access;
  try {
    access = executionAccess(event);
  } catch (error) {
    // resolve-targets refused such an input, or such credentials, with the same checks before
    // anything was sent: there is nothing to undo, and nothing for the dead-letter queue.
    if (
      error instanceof SyntaxError ||
      error instanceof InvalidInputError ||
      error instanceof CredentialsError
    ) {
      logger.info("the execution was refused before anything was sent", { reason: error.message });
      return undefined;
    }
    throw error;
  }
  const { startDate } = event.detail;
  if (startDate === undefined) return { access, known: [] };
  // As resolve-targets named the prefix, from the same instant.
  const records = recordsPrefix(access.experimentId, new Date(startDate).toISOString());
  return {
    access,
    known: [],
    since: new Date(startDate),
    stopping: { records, cause: executionStop(event.detail) },
  };
}

async function cancelInFlight(ssm: SSMClient, injections: ExperimentCommand[]): Promise<string[]> {
  const cancelled: string[] = [];
  for (const command of injections.filter((c) => c.status === undefined || IN_FLIGHT.has(c.status))) {
    for (const group of chunk(command.instanceIds)) {
      await ssm.send(new CancelCommandCommand({ CommandId: command.commandId, InstanceIds: group }));
    }
    cancelled.push(command.commandId);
  }
  return cancelled;
}

/** Instances whose injection may not have put them back: all but those of commands that succeeded. */
const mayHoldFault = (injections: ExperimentCommand[]): string[] => [
  ...new Set(injections.filter((c) => c.status !== "Success").flatMap((c) => c.instanceIds)),
];

/** Undoes one experiment; returns what it cancelled and sent. */
export async function undo(experiment: Experiment): Promise<CleanupResult> {
  const { access, stopping } = experiment;
  // The cause is recorded before anything is cancelled: other child executions that see their
  // commands cancelled fail too, and their causes must not come first. And before the recorded
  // commands are read: see above.
  const stop = stopping && (await recordStop(stopping.records, stopping.cause));
  const recorded = stopping ? await recordedCommands(stopping.records) : [];
  const { ssm } = await faultClients(access);
  const found = await experimentCommands(
    ssm,
    access.experimentId,
    [...experiment.known, ...recorded],
    experiment.since,
  );
  const { only } = experiment;
  const ours = (id: string) => !only || only.has(id);
  const injections = found.filter((c) => c.action === "Inject" && c.instanceIds.some(ours));
  return {
    cancelled: await cancelInFlight(ssm, injections),
    cleanupCommands: (
      await sendDocument(ssm, mayHoldFault(injections).filter(ours), "Cleanup", {
        ExperimentId: [access.experimentId],
      })
    ).map((c) => ({ commandId: c.commandId, instances: c.instanceIds.length })),
    ...(stop ? { stop } : {}),
  };
}
