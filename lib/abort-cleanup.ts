import * as events from "aws-cdk-lib/aws-events";
import * as targets from "aws-cdk-lib/aws-events-targets";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import type * as sfn from "aws-cdk-lib/aws-stepfunctions";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { EVENT_TYPES } from "./event-types";

/** Execution statuses after which the fault may still be on an instance. */
export const ABNORMAL_STATUSES = ["ABORTED", "TIMED_OUT", "FAILED"] as const;

export interface AbortCleanupProps {
  readonly stateMachine: sfn.IStateMachine;
  /** The cleanup function, which takes the raw event and finds the experiment's commands itself. */
  readonly cleanup: lambda.IFunction;
  /** Where events go that could not be delivered to the cleanup function. */
  readonly deadLetterQueue: sqs.IQueue;
}

/**
 * Cleans up after executions that end abnormally. StopExecution runs no Catch, and a timeout ends
 * an execution wherever it is, so only an event from outside the execution can undo the fault
 * then. Failed executions are included although their Catch has usually cleaned up already:
 * cleanup is idempotent, and failures no Catch sees (a runtime error) are covered too.
 */
export class AbortCleanup extends Construct {
  public readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: AbortCleanupProps) {
    super(scope, id);
    this.rule = new events.Rule(this, "Rule", {
      description: "EC2 HTTP reset peer: cleans up after an execution is aborted, times out or fails",
      eventPattern: {
        source: ["aws.states"],
        detailType: [EVENT_TYPES.executionStatusChange],
        detail: {
          status: [...ABNORMAL_STATUSES],
          stateMachineArn: [props.stateMachine.stateMachineArn],
        },
      },
      targets: [new targets.LambdaFunction(props.cleanup, { deadLetterQueue: props.deadLetterQueue })],
    });
  }
}
