import * as events from "aws-cdk-lib/aws-events";
import * as targets from "aws-cdk-lib/aws-events-targets";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import * as ssm from "aws-cdk-lib/aws-ssm";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { EVENT_TYPES } from "./event-types";
import { LEVER } from "./safety-lever-states";

export interface SafetyLeverProps {
  /** The function that stops the running experiments and cleans up after them. */
  readonly stopExperiments: lambda.IFunction;
  /** Where events go that could not be delivered to the function. */
  readonly deadLetterQueue: sqs.IQueue;
}

/**
 * A switch for the whole fault: a String parameter, `released` when deployed. Setting it to
 * `engaged` stops every running experiment, with cleanup, and makes new ones fail before anything
 * is sent, until it is set back to `released`. Parameter Store sends each change of a parameter
 * to EventBridge ("Parameter Store Change", source aws.ssm:
 * https://docs.aws.amazon.com/systems-manager/latest/userguide/monitoring-systems-manager-event-examples.html);
 * the event does not carry the value, so the stop function reads it.
 */
export class SafetyLever extends Construct {
  public readonly parameter: ssm.StringParameter;
  public readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: SafetyLeverProps) {
    super(scope, id);
    this.parameter = new ssm.StringParameter(this, "Parameter", {
      description: `EC2 HTTP reset peer's safety lever: ${LEVER.engaged} stops every running experiment and refuses new ones; ${LEVER.released} lets them run`,
      stringValue: LEVER.released,
      allowedPattern: `^(${LEVER.engaged}|${LEVER.released})$`,
    });
    this.rule = new events.Rule(this, "Rule", {
      description: "EC2 HTTP reset peer: stops the running experiments when the safety lever is engaged",
      eventPattern: {
        source: ["aws.ssm"],
        detailType: [EVENT_TYPES.parameterChange],
        detail: { name: [this.parameter.parameterName], operation: ["Create", "Update"] },
      },
      targets: [
        new targets.LambdaFunction(props.stopExperiments, { deadLetterQueue: props.deadLetterQueue }),
      ],
    });
  }
}
