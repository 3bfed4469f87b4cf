import { Duration, Token } from "aws-cdk-lib";
import type * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import type { IConstruct } from "constructs";
import { sameAccountAndRegion } from "./home";
import { refusal } from "./probe";
import type { AlarmProbeSpec } from "./probe-spec";
import { renderChecks, type SampledProbeOptions } from "./sampling";

/** What an alarm is expected to do while the fault runs. */
export enum AlarmExpectation {
  /** OK when the experiment starts (the steady state), and never in ALARM until it is judged. */
  STAYS_OK = "StaysOk",
  /**
   * In ALARM within `within` of the fault's start: the alarm sees the fault. The time it took is
   * measured; an alarm that never fires is a blind spot, and fails the probe.
   */
  FIRES = "Fires",
}

/**
 * An alarm, and what it must do. With stopOnFailure it is also checked every interval while the
 * fault runs: a STAYS_OK alarm in ALARM, or a FIRES alarm not yet in ALARM once `within` has
 * passed, stops the fault.
 */
export interface AlarmProbe extends SampledProbeOptions {
  /** A CloudWatch alarm, metric or composite, in this account and region. */
  readonly alarm: cloudwatch.IAlarm;
  /** What it must do. */
  readonly expect: AlarmExpectation;
  /**
   * With FIRES, how long after the fault's start it may take to go to ALARM: from 10 seconds to
   * 1 hour. The experiment waits after the fault until this has passed.
   * @default Duration.minutes(5)
   */
  readonly within?: Duration;
}

const WITHIN = { min: 10, max: 3600 };

export function renderAlarmProbe(scope: IConstruct, probe: AlarmProbe, weight: number): AlarmProbeSpec {
  const refuse = refusal(scope, "alarm", probe.name);
  const within = (probe.within ?? Duration.minutes(5)).toSeconds();
  if (!Token.isUnresolved(within) && (within < WITHIN.min || within > WITHIN.max)) {
    refuse(`within must be from 10 seconds to 1 hour; got ${within} s`);
  }
  if (!Object.values(AlarmExpectation).includes(probe.expect)) {
    refuse(`expect must be an AlarmExpectation; got ${JSON.stringify(probe.expect)}`);
  }
  // The functions look the alarm up by name where the fault is deployed: one elsewhere is not it.
  if (!sameAccountAndRegion(scope, probe.alarm.alarmArn)) {
    refuse(
      `its alarm ${probe.alarm.alarmArn} is in another account or region; the probe reads CloudWatch where the fault is deployed`,
    );
  }
  const sampling = renderChecks(refuse, probe, true);
  return {
    kind: "Alarm",
    name: probe.name,
    weight,
    alarmName: probe.alarm.alarmName,
    expect: probe.expect,
    withinSeconds: within,
    ...(sampling ? { sampling } : {}),
  };
}
