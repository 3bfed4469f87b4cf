/** The stop-condition alarms the fault was deployed with. */
import { DescribeAlarmsCommand } from "@aws-sdk/client-cloudwatch";
import { cloudWatchClient } from "../aws/aws-clients";
import { chunk } from "../aws/chunks";
import { stopConditionAlarms } from "../input/environment";
import { StopConditionAlarmError } from "../errors";
import { collectPages } from "../aws/pages";
import { logger } from "../telemetry";

/** DescribeAlarms takes at most this many names per call. */
const MAX_ALARM_NAMES = 100;

/** The first stop-condition alarm in ALARM, if any. */
export async function firingAlarm(): Promise<string | undefined> {
  const names = stopConditionAlarms();
  if (!names.length) return undefined;
  const cloudwatch = cloudWatchClient();
  const alarms: { AlarmName?: string; StateValue?: string }[] = [];
  for (const group of chunk(names, MAX_ALARM_NAMES)) {
    alarms.push(
      ...(await collectPages(
        (NextToken) =>
          cloudwatch.send(
            // Without AlarmTypes, composite alarms would not be returned.
            new DescribeAlarmsCommand({
              AlarmNames: group,
              AlarmTypes: ["MetricAlarm", "CompositeAlarm"],
              NextToken,
            }),
          ),
        (page) => [...(page.MetricAlarms ?? []), ...(page.CompositeAlarms ?? [])],
      )),
    );
  }
  const missing = names.filter((n) => !alarms.some((a) => a.AlarmName === n));
  // A missing alarm can never stop the fault: say so loudly, but do not fail a run over it.
  if (missing.length) logger.warn("stop-condition alarms not found", { missing });
  return alarms.find((a) => a.StateValue === "ALARM")?.AlarmName;
}

/** Refuses an experiment while a stop-condition alarm is in ALARM. */
export async function refuseWhileAlarm(): Promise<void> {
  const alarm = await firingAlarm();
  if (alarm) {
    throw new StopConditionAlarmError(
      `The stop-condition alarm ${alarm} is in ALARM: the fault does not start while one is. Start it once the alarm is OK`,
    );
  }
}
