import type * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as events from "aws-cdk-lib/aws-events";
import * as targets from "aws-cdk-lib/aws-events-targets";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { EVENT_TYPES } from "./event-types";

export interface AlarmStopProps {
  /** The stop-condition alarms: exactly these, and only when one goes to ALARM. */
  readonly alarms: cloudwatch.IAlarm[];
  /** The function that stops the running executions and cleans up after them. */
  readonly stopExperiments: lambda.IFunction;
  /** Where events go that could not be delivered to the function. */
  readonly deadLetterQueue: sqs.IQueue;
}

/**
 * Stops the fault within seconds of a stop-condition alarm going to ALARM, rather than at the
 * state machine's next progress check. CloudWatch sends every alarm's state changes to
 * EventBridge ("CloudWatch Alarm State Change", source aws.cloudwatch:
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-and-eventbridge.html).
 */
export class AlarmStop extends Construct {
  public readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: AlarmStopProps) {
    super(scope, id);
    this.rule = new events.Rule(this, "Rule", {
      description:
        "EC2 HTTP reset peer: stops the running experiments when a stop-condition alarm goes to ALARM",
      eventPattern: {
        source: ["aws.cloudwatch"],
        detailType: [EVENT_TYPES.alarmStateChange],
        resources: props.alarms.map((alarm) => alarm.alarmArn),
        detail: { state: { value: ["ALARM"] } },
      },
      targets: [
        new targets.LambdaFunction(props.stopExperiments, { deadLetterQueue: props.deadLetterQueue }),
      ],
    });
  }
}
