/**
 * The fault's own executions, read and stopped with the function's own role, where the fault is
 * deployed.
 */
import {
  DescribeExecutionCommand,
  ListExecutionsCommand,
  SFNClient,
  StopExecutionCommand,
} from "@aws-sdk/client-sfn";
import type { ExecutionStatusChangeEvent } from "../contract";
import { stateMachineArn } from "../input/environment";
import { collectPages } from "../aws/pages";
import { homeClient } from "../aws/sdk-config";

const stepFunctions = (): SFNClient => homeClient(SFNClient);

/** The ARNs of the state machine's running executions (a Map Run's children are not among them). */
export async function runningExecutions(client = stepFunctions()): Promise<string[]> {
  const executions = await collectPages(
    async (nextToken) => {
      const page = await client.send(
        new ListExecutionsCommand({ stateMachineArn: stateMachineArn(), statusFilter: "RUNNING", nextToken }),
      );
      return { ...page, NextToken: page.nextToken }; // Step Functions spells it nextToken
    },
    (page) => page.executions,
  );
  return executions.map((e) => e.executionArn ?? "");
}

/**
 * Stops an execution, and its Map Run's children with it, then returns what the abort rule's
 * event would carry of it.
 */
export async function stopExecution(
  executionArn: string,
  error: string,
  cause: string,
  client = stepFunctions(),
): Promise<ExecutionStatusChangeEvent["detail"]> {
  await client.send(new StopExecutionCommand({ executionArn, error, cause }));
  const execution = await client.send(new DescribeExecutionCommand({ executionArn }));
  return {
    status: execution.status ?? "ABORTED",
    name: execution.name ?? "",
    input: execution.input ?? null,
    startDate: execution.startDate?.getTime(),
    error,
    cause,
  };
}
