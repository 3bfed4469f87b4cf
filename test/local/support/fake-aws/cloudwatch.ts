/**
 * CloudWatch DescribeAlarms by name, a way to flip an alarm's state as its metric would, with the
 * history DescribeAlarmHistory reads, and PutMetricData keeping what it was given for
 * GetMetricData to read, beside what AWS services publish of their own.
 */
import {
  CloudWatchServiceException,
  type DescribeAlarmHistoryCommandInput,
  type DescribeAlarmsCommandInput,
  type GetMetricDataCommandInput,
  type MetricDatum,
  type PutMetricDataCommandInput,
} from "@aws-sdk/client-cloudwatch";
import { AlarmHistory, type AlarmState, type AlarmType } from "./alarm-history";
import { serviceError, validationError, type ServiceExceptionClass } from "./errors";
import { getMetricData, publishedData, type StoredDatum } from "./metric-data";

const Exception = CloudWatchServiceException as unknown as ServiceExceptionClass;

/**
 * PutMetricData's limits (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricData.html):
 * 1,000 metrics a request, timestamps from two weeks before to two hours after the call, and no
 * namespace beginning with "AWS/".
 */
const MAX_METRIC_DATA = 1000;
const PAST_MS = 14 * 24 * 3600_000;
const FUTURE_MS = 2 * 3600_000;

interface Alarm {
  readonly name: string;
  readonly type: AlarmType;
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
  /** Every datum PutMetricData took and `record` stored, in order. */
  readonly metricData: StoredDatum[] = [];
  private readonly history = new AlarmHistory();
  private readonly listeners: ((change: AlarmStateChange) => void)[] = [];

  /** Calls `listener` on every change of an alarm's state, as CloudWatch sends it to EventBridge. */
  onStateChange(listener: (change: AlarmStateChange) => void): void {
    this.listeners.push(listener);
  }

  addAlarm(name: string, type: Alarm["type"] = "MetricAlarm", state: AlarmState = "OK"): void {
    this.alarms.set(name, { name, type, state, reason: "created", updatedAt: new Date() });
  }

  /** Sets an alarm's state `at` a time, now unless told; a change of state goes in its history. */
  setAlarmState(name: string, state: AlarmState, reason = "Threshold Crossed", at = new Date()): void {
    const alarm = this.alarms.get(name);
    if (!alarm) throw new Error(`no alarm ${name}`);
    const previous = { state: alarm.state, reason: alarm.reason };
    Object.assign(alarm, { state, reason, updatedAt: at });
    if (previous.state === state) return;
    this.history.record({
      alarmName: name,
      alarmType: alarm.type,
      at,
      from: previous,
      to: { state, reason },
    });
    const change = {
      alarmName: name,
      alarmArn: alarmArn(name),
      state,
      previousState: previous.state,
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

  /**
   * Stores `points` of a metric as an AWS service publishes them, in its own "AWS/" namespace too,
   * which PutMetricData refuses.
   */
  record(
    namespace: string,
    metricName: string,
    dimensions: Record<string, string>,
    points: { at: Date; value: number }[],
  ): void {
    this.metricData.push(...publishedData(namespace, metricName, dimensions, points));
  }

  /** https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DescribeAlarmHistory.html */
  DescribeAlarmHistory(input: DescribeAlarmHistoryCommandInput) {
    return this.history.describe(input);
  }

  /** https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html */
  GetMetricData(input: GetMetricDataCommandInput) {
    return getMetricData(this.metricData, input);
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
    const timeOf = (datum: MetricDatum) => (datum.Timestamp ? new Date(datum.Timestamp).getTime() : now);
    for (const datum of data) {
      const at = timeOf(datum);
      if (at < now - PAST_MS || at > now + FUTURE_MS) {
        throw serviceError(
          Exception,
          "InvalidParameterValue",
          `The parameter MetricData.member.Timestamp must specify a time no more than two weeks in the past and no more than two hours in the future.`,
        );
      }
    }
    // A datum put without a time is stored at the time CloudWatch received it.
    this.metricData.push(
      ...data.map((datum) => ({ ...datum, Namespace: input.Namespace!, Timestamp: new Date(timeOf(datum)) })),
    );
    return {};
  }
}
