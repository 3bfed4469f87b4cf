/**
 * CloudWatch DescribeAlarms by name, a way to flip an alarm's state as its metric would, and
 * PutMetricData keeping what it was given.
 */
import {
  CloudWatchServiceException,
  type DescribeAlarmsCommandInput,
  type MetricDatum,
  type PutMetricDataCommandInput,
} from "@aws-sdk/client-cloudwatch";
import { serviceError, validationError, type ServiceExceptionClass } from "./errors";

const Exception = CloudWatchServiceException as unknown as ServiceExceptionClass;

/**
 * PutMetricData's limits (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricData.html):
 * 1,000 metrics a request, timestamps from two weeks before to two hours after the call, and no
 * namespace beginning with "AWS/".
 */
const MAX_METRIC_DATA = 1000;
const PAST_MS = 14 * 24 * 3600_000;
const FUTURE_MS = 2 * 3600_000;

/** A datum as CloudWatch stored it, with its namespace. */
export interface StoredDatum extends MetricDatum {
  readonly Namespace: string;
}

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
  /** Every datum PutMetricData took, in order. */
  readonly metricData: StoredDatum[] = [];
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

  PutMetricData(input: PutMetricDataCommandInput) {
    const data = input.MetricData ?? [];
    if (!input.Namespace || input.Namespace.startsWith("AWS/")) {
      throw serviceError(
        Exception,
        "InvalidParameterValue",
        `The value ${input.Namespace} for parameter Namespace is not valid.`,
      );
    }
    if (data.length > MAX_METRIC_DATA) {
      throw validationError(
        Exception,
        "Value at 'metricData' failed to satisfy constraint: Member must have length less than or equal to 1000",
      );
    }
    const now = Date.now();
    for (const datum of data) {
      const at = datum.Timestamp ? new Date(datum.Timestamp).getTime() : now;
      if (at < now - PAST_MS || at > now + FUTURE_MS) {
        throw serviceError(
          Exception,
          "InvalidParameterValue",
          `The parameter MetricData.member.Timestamp must specify a time no more than two weeks in the past and no more than two hours in the future.`,
        );
      }
    }
    this.metricData.push(...data.map((datum) => ({ ...datum, Namespace: input.Namespace! })));
    return {};
  }
}
