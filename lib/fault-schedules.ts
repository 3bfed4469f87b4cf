import * as scheduler from "aws-cdk-lib/aws-scheduler";
import * as schedulerTargets from "aws-cdk-lib/aws-scheduler-targets";
import type * as sfn from "aws-cdk-lib/aws-stepfunctions";
import { Construct } from "constructs";
import { HttpResetPeerValidationError } from "./errors";
import type { FaultTunables } from "./fault-tunables";
import { checkedTunables, tunableInput } from "./tunable-input";

/** One schedule that starts the fault with a fixed input. */
export interface FaultSchedule {
  /** When to start, for example `ScheduleExpression.cron({ weekDay: "TUE", hour: "10", minute: "0" })`. */
  readonly expression: scheduler.ScheduleExpression;
  /** The execution input; tunables left out take the construct's defaults. */
  readonly input: FaultTunables;
  /**
   * What the schedule is for.
   * @default - none
   */
  readonly description?: string;
}

export interface FaultSchedulesProps {
  readonly stateMachine: sfn.IStateMachine;
  readonly schedules: readonly FaultSchedule[];
  /** The construct's tunable defaults, under each schedule's input. */
  readonly defaults: FaultTunables;
  /** Whether the schedules start executions once deployed. */
  readonly enabled: boolean;
}

/** Checks an input as resolve-targets will, so that a schedule that could never run fails synthesis. */
function checkInput(scope: Construct, what: string, defaults: FaultTunables, input: FaultTunables): void {
  const values = checkedTunables(scope, what, defaults, input);
  if (!values.EC2_INSTANCE_ID === !values.EC2_INSTANCE_TAG) {
    throw new HttpResetPeerValidationError(
      scope,
      `${what}: set exactly one of ec2InstanceId (EC2_INSTANCE_ID) and ec2InstanceTag (EC2_INSTANCE_TAG)`,
    );
  }
}

/** EventBridge Scheduler schedules that start the state machine. */
export class FaultSchedules extends Construct {
  public readonly schedules: scheduler.ISchedule[];

  constructor(scope: Construct, id: string, props: FaultSchedulesProps) {
    super(scope, id);
    this.schedules = props.schedules.map((schedule, index) => {
      checkInput(this, `schedules[${index}].input`, props.defaults, schedule.input);
      return new scheduler.Schedule(this, `Schedule${index}`, {
        schedule: schedule.expression,
        description: schedule.description,
        enabled: props.enabled,
        target: new schedulerTargets.StepFunctionsStartExecution(props.stateMachine, {
          // Keyed as the console takes it: the state machine reads the same input however it starts.
          input: scheduler.ScheduleTargetInput.fromObject(tunableInput(schedule.input).input),
          // A retried start would inject the fault a second time.
          retryAttempts: 0,
        }),
      });
    });
  }
}
