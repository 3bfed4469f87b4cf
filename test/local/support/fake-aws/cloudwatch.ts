/** CloudWatch DescribeAlarms by name, and a way to flip an alarm's state as its metric would. */
import { CloudWatchServiceException, type DescribeAlarmsCommandInput } from "@aws-sdk/client-cloudwatch";
import { validationError, type ServiceExceptionClass } from "./errors";

type AlarmState = "OK" | "ALARM" | "INSUFFICIENT_DATA";

interface Alarm {
  readonly name: string;
  readonly type: "MetricAlarm" | "CompositeAlarm";
  state: AlarmState;
  reason: string;
  updatedAt: Date;
}

/** What CloudWatch tells EventBridge when an alarm's state changes. */
export interface AlarmStateChange {
  readonly alarmName: string;
  readonly alarmArn: string;
  readonly state: AlarmState;
  readonly previousState: AlarmState;
  readonly reason: string;
  readonly at: Date;
}

export const alarmArn = (name: string): string => `arn:aws:cloudwatch:eu-west-1:111111111111:alarm:${name}`;

export class FakeCloudWatch {
  private readonly alarms = new Map<string, Alarm>();
  private readonly listeners: ((change: AlarmStateChange) => void)[] = [];

  /** Calls `listener` on every change of an alarm's state, as CloudWatch sends it to EventBridge. */
  onStateChange(listener: (change: AlarmStateChange) => void): void {
    this.listeners.push(listener);
  }

  addAlarm(name: string, type: Alarm["type"] = "MetricAlarm", state: AlarmState = "OK"): void {
    this.alarms.set(name, { name, type, state, reason: "created", updatedAt: new Date() });
  }

  setAlarmState(name: string, state: AlarmState, reason = "Threshold Crossed"): void {
    const alarm = this.alarms.get(name);
    if (!alarm) throw new Error(`no alarm ${name}`);
    const previousState = alarm.state;
    Object.assign(alarm, { state, reason, updatedAt: new Date() });
    if (previousState === state) return;
    const change = {
      alarmName: name,
      alarmArn: alarmArn(name),
      state,
      previousState,
      reason,
      at: alarm.updatedAt,
    };
    for (const listener of this.listeners) listener(change);
  }

  DescribeAlarms(input: DescribeAlarmsCommandInput) {
    if ((input.AlarmNames?.length ?? 0) > 100) {
      throw validationError(
        CloudWatchServiceException as unknown as ServiceExceptionClass,
        "Value at 'alarmNames' failed to satisfy constraint: Member must have length less than or equal to 100",
      );
    }
    const types = input.AlarmTypes?.length ? input.AlarmTypes : ["MetricAlarm"];
    const picked = [...this.alarms.values()].filter(
      (a) =>
        (!input.AlarmNames?.length || input.AlarmNames.includes(a.name)) &&
        types.includes(a.type) &&
        (!input.StateValue || input.StateValue === a.state),
    );
    const shape = (a: Alarm) => ({
      AlarmName: a.name,
      AlarmArn: alarmArn(a.name),
      StateValue: a.state,
      StateReason: a.reason,
      StateUpdatedTimestamp: a.updatedAt,
    });
    return {
      MetricAlarms: picked.filter((a) => a.type === "MetricAlarm").map(shape),
      CompositeAlarms: picked.filter((a) => a.type === "CompositeAlarm").map(shape),
    };
  }
}
