/**
 * Step Functions' ListExecutions, DescribeExecution and StopExecution, over the executions the
 * local runner started: what the stop function reads and does.
 */
import { SFNServiceException } from "@aws-sdk/client-sfn";
import { serviceError, type ServiceExceptionClass } from "./errors";

/** What the fake needs of an execution: the local runner's LocalExecution has it. */
export interface StepFunctionsExecution {
  readonly arn: string;
  readonly name: string;
  readonly stateMachineArn: string;
  readonly input: unknown;
  readonly startDate: number;
  /** RUNNING, or how it ended. */
  status(): string;
  /** StopExecution: ends it ABORTED with this error and cause. */
  stop(error?: string, cause?: string): void;
}

/** ListExecutions returns at most this many a page (its maxResults' default and limit). */
const PAGE = 100;

export class FakeStepFunctions {
  private readonly executions: StepFunctionsExecution[] = [];

  add(execution: StepFunctionsExecution): void {
    this.executions.push(execution);
  }

  private find(executionArn: string): StepFunctionsExecution {
    const execution = this.executions.find((e) => e.arn === executionArn);
    if (!execution) {
      throw serviceError(
        SFNServiceException as unknown as ServiceExceptionClass,
        "ExecutionDoesNotExist",
        `Execution Does Not Exist: '${executionArn}'`,
      );
    }
    return execution;
  }

  ListExecutions(input: { stateMachineArn: string; statusFilter?: string; nextToken?: string }) {
    const matching = this.executions.filter(
      (e) =>
        e.stateMachineArn === input.stateMachineArn &&
        (!input.statusFilter || e.status() === input.statusFilter),
    );
    const from = Number(input.nextToken ?? 0);
    const page = matching.slice(from, from + PAGE);
    return {
      executions: page.map((e) => ({
        executionArn: e.arn,
        stateMachineArn: e.stateMachineArn,
        name: e.name,
        status: e.status(),
        startDate: new Date(e.startDate),
      })),
      nextToken: from + PAGE < matching.length ? String(from + PAGE) : undefined,
    };
  }

  DescribeExecution(input: { executionArn: string }) {
    const e = this.find(input.executionArn);
    return {
      executionArn: e.arn,
      stateMachineArn: e.stateMachineArn,
      name: e.name,
      status: e.status(),
      startDate: new Date(e.startDate),
      input: JSON.stringify(e.input),
    };
  }

  StopExecution(input: { executionArn: string; error?: string; cause?: string }) {
    const e = this.find(input.executionArn);
    if (e.status() === "RUNNING") e.stop(input.error, input.cause);
    return { stopDate: new Date() };
  }
}
