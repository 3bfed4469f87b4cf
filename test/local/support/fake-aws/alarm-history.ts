/**
 * The history CloudWatch keeps of its alarms, read by DescribeAlarmHistory
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DescribeAlarmHistory.html).
 * The fake keeps state updates only: it configures no alarm and runs no action, so the other
 * types of item never happen in it.
 */
import {
  CloudWatchServiceException,
  InvalidNextToken,
  type AlarmHistoryItem,
  type DescribeAlarmHistoryCommandInput,
} from "@aws-sdk/client-cloudwatch";
import { serviceError, type ServiceExceptionClass } from "./errors";
import { page } from "./pages";

export type AlarmState = "OK" | "ALARM" | "INSUFFICIENT_DATA";
export type AlarmType = "MetricAlarm" | "CompositeAlarm";

/** An alarm's state with the reason CloudWatch gave for it. */
export interface StateWithReason {
  readonly state: AlarmState;
  readonly reason: string;
}

/** One change of an alarm's state. */
export interface StateUpdate {
  readonly alarmName: string;
  readonly alarmType: AlarmType;
  readonly at: Date;
  readonly from: StateWithReason;
  readonly to: StateWithReason;
}

/** MaxRecords: 100 by default, and at most. */
const MAX_RECORDS = 100;

const asHistoryData = ({ state, reason }: StateWithReason) => ({ stateValue: state, stateReason: reason });

export class AlarmHistory {
  /** In the order they were recorded, which a change placed in the past does not follow. */
  private readonly items: AlarmHistoryItem[] = [];

  record({ alarmName, alarmType, at, from, to }: StateUpdate): void {
    this.items.push({
      AlarmName: alarmName,
      AlarmType: alarmType,
      Timestamp: new Date(at),
      HistoryItemType: "StateUpdate",
      HistorySummary: `Alarm updated from ${from.state} to ${to.state}`,
      // The JSON document AWS writes for a state update, without its stateReasonData.
      HistoryData: JSON.stringify({
        version: "1.0",
        oldState: asHistoryData(from),
        newState: asHistoryData(to),
      }),
    });
  }

  describe(input: DescribeAlarmHistoryCommandInput) {
    const maxRecords = input.MaxRecords ?? MAX_RECORDS;
    if (maxRecords < 1 || maxRecords > MAX_RECORDS) {
      throw serviceError(
        CloudWatchServiceException as unknown as ServiceExceptionClass,
        "ValidationError",
        `1 validation error detected: Value '${maxRecords}' at 'maxRecords' failed to satisfy constraint: Member must have value between 1 and ${MAX_RECORDS}`,
      );
    }
    const { items, nextToken } = page(this.picked(input), maxRecords, input.NextToken, () =>
      serviceError(
        InvalidNextToken as unknown as ServiceExceptionClass,
        "InvalidNextToken",
        "The service returned an invalid next token.",
      ),
    );
    return { AlarmHistoryItems: items, NextToken: nextToken };
  }

  /** The items the filters keep, in the order ScanBy asks for: newest first unless it says otherwise. */
  private picked(input: DescribeAlarmHistoryCommandInput): AlarmHistoryItem[] {
    // As DescribeAlarms, only metric alarms unless AlarmTypes names others.
    const types: string[] = input.AlarmTypes?.length ? input.AlarmTypes : ["MetricAlarm"];
    const from = input.StartDate ? new Date(input.StartDate).getTime() : -Infinity;
    const to = input.EndDate ? new Date(input.EndDate).getTime() : Infinity;
    const picked = this.items
      .filter((item) => {
        const at = item.Timestamp!.getTime();
        return (
          (!input.AlarmName || input.AlarmName === item.AlarmName) &&
          types.includes(item.AlarmType!) &&
          (!input.HistoryItemType || input.HistoryItemType === item.HistoryItemType) &&
          at >= from &&
          at <= to
        );
      })
      .sort((a, b) => a.Timestamp!.getTime() - b.Timestamp!.getTime());
    return input.ScanBy === "TimestampAscending" ? picked : picked.reverse();
  }
}
