/**
 * Alarm probes: an alarm's state when the experiment starts (DescribeAlarms), and its changes since
 * (DescribeAlarmHistory, kept by CloudWatch for 30 days), from which the time it took to see the
 * fault is measured.
 */
import {
  DescribeAlarmHistoryCommand,
  DescribeAlarmsCommand,
  type CloudWatchClient,
} from "@aws-sdk/client-cloudwatch";
import type { AlarmProbeSpec } from "../../lib/hypothesis/probe-spec";
import type { ProbeResult } from "../contract";
import { messageOf } from "./outcomes";
import { phaseOf } from "./phases";
import type { Window } from "./windows";

type AlarmStateName = "OK" | "ALARM" | "INSUFFICIENT_DATA";

/** One change of the alarm's state. */
export interface Transition {
  readonly at: Date;
  readonly from: AlarmStateName;
  readonly to: AlarmStateName;
}

/** The probe's result, its name, kind, phase and weight filled in. */
const result = (
  probe: AlarmProbeSpec,
  outcome: ProbeResult["outcome"],
  reason: string,
  evidence: Record<string, unknown> = {},
): ProbeResult => ({
  name: probe.name,
  kind: "Alarm",
  phase: phaseOf(probe),
  weight: probe.weight,
  outcome,
  reason,
  evidence: { alarmName: probe.alarmName, ...evidence },
});

/** The alarm's state now, or undefined when there is no such alarm. */
export async function alarmStateNow(
  cloudwatch: CloudWatchClient,
  name: string,
): Promise<AlarmStateName | undefined> {
  const found = await cloudwatch.send(
    new DescribeAlarmsCommand({ AlarmNames: [name], AlarmTypes: ["MetricAlarm", "CompositeAlarm"] }),
  );
  const alarm = [...(found.MetricAlarms ?? []), ...(found.CompositeAlarms ?? [])][0];
  return alarm?.StateValue as AlarmStateName | undefined;
}

/** Before anything is injected: an alarm that must stay OK must be OK now. */
export async function alarmSteadyState(
  cloudwatch: CloudWatchClient,
  probe: AlarmProbeSpec,
): Promise<ProbeResult> {
  try {
    const state = await alarmStateNow(cloudwatch, probe.alarmName);
    if (state === undefined) return result(probe, "Inconclusive", `there is no alarm ${probe.alarmName}`);
    if (state === "OK") return result(probe, "Passed", "OK before the experiment", { stateBefore: state });
    return result(
      probe,
      state === "ALARM" ? "Failed" : "Inconclusive",
      `${state} before the experiment: the steady state is not there`,
      { stateBefore: state },
    );
  } catch (error) {
    return result(probe, "Inconclusive", `CloudWatch could not be read: ${messageOf(error)}`);
  }
}

/** The alarm's changes of state in the window, oldest first. */
async function transitions(
  cloudwatch: CloudWatchClient,
  name: string,
  window: Window,
): Promise<Transition[]> {
  const found: Transition[] = [];
  let token: string | undefined;
  do {
    const page = await cloudwatch.send(
      new DescribeAlarmHistoryCommand({
        AlarmName: name,
        HistoryItemType: "StateUpdate",
        StartDate: window.from,
        EndDate: window.to,
        ScanBy: "TimestampAscending",
        NextToken: token,
      }),
    );
    for (const item of page.AlarmHistoryItems ?? []) {
      const data = JSON.parse(item.HistoryData ?? "{}") as {
        oldState?: { stateValue?: AlarmStateName };
        newState?: { stateValue?: AlarmStateName };
      };
      if (item.Timestamp && data.oldState?.stateValue && data.newState?.stateValue) {
        found.push({
          at: new Date(item.Timestamp),
          from: data.oldState.stateValue,
          to: data.newState.stateValue,
        });
      }
    }
    token = page.NextToken;
  } while (token);
  return found;
}

const seconds = (from: Date, to: Date): number => Math.round((to.getTime() - from.getTime()) / 100) / 10;

/**
 * After the fault: an alarm that must stay OK was OK before and never went to ALARM since the
 * experiment started; one that must fire went to ALARM within its time of the fault's start.
 */
export async function judgeAlarm(
  cloudwatch: CloudWatchClient,
  probe: AlarmProbeSpec,
  { experiment, fault, before }: { experiment: Window; fault: Window; before?: ProbeResult },
): Promise<ProbeResult> {
  try {
    if (probe.expect === "StaysOk") {
      if (before && before.outcome !== "Passed") return before;
      const fired = (await transitions(cloudwatch, probe.alarmName, experiment)).find(
        (t) => t.to === "ALARM",
      );
      return fired
        ? result(
            probe,
            "Failed",
            `went to ALARM ${seconds(fault.from, fired.at)} s after the fault's start`,
            {
              alarmAt: fired.at.toISOString(),
              secondsAfterFaultStart: seconds(fault.from, fired.at),
            },
          )
        : result(probe, "Passed", "stayed OK throughout");
    }
    const deadline = new Date(fault.from.getTime() + probe.withinSeconds * 1000);
    // A day back, to know the alarm's state when the fault started.
    const since = new Date(fault.from.getTime() - 24 * 3600_000);
    const changes = await transitions(cloudwatch, probe.alarmName, { from: since, to: deadline });
    const earlier = changes.filter((t) => t.at < fault.from).at(-1);
    const fired = changes.find((t) => t.at >= fault.from && t.to === "ALARM");
    if (fired) {
      const detect = seconds(fault.from, fired.at);
      return result(
        probe,
        "Passed",
        `went to ALARM ${detect} s after the fault's start (within ${probe.withinSeconds} s)`,
        {
          alarmAt: fired.at.toISOString(),
          timeToDetectSeconds: detect,
        },
      );
    }
    if (earlier?.to === "ALARM") {
      return result(
        probe,
        "Inconclusive",
        "was in ALARM already when the fault started: it cannot tell whether it saw the fault",
      );
    }
    return result(
      probe,
      "Failed",
      `never went to ALARM within ${probe.withinSeconds} s of the fault's start: a blind spot`,
      { blindSpot: true },
    );
  } catch (error) {
    return result(probe, "Inconclusive", `CloudWatch could not be read: ${messageOf(error)}`);
  }
}
