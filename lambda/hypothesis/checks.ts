/**
 * An alarm or metric probe's check while the fault runs, for stopOnFailure: a metric's values since
 * the fault's start held to its threshold, an alarm's state now. A read that fails (after the
 * probe's retries) is a check that held: only what CloudWatch shows stops the fault, never its
 * silence. The verdict judges these probes afterwards all the same.
 */
import type { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import type { CheckedProbeSpec } from "../../lib/hypothesis/probe-spec";
import type { CheckSample } from "../contract";
import { alarmStateNow } from "./alarm-probe";
import { judgeMetricWindow } from "./metric-probe";
import { attempted } from "./attempts";
import { messageOf } from "./outcomes";

export async function takeCheck(
  cloudwatch: CloudWatchClient,
  probe: CheckedProbeSpec,
  faultStart: Date,
  at = new Date(),
): Promise<CheckSample> {
  const sample = { probe: probe.name, kind: probe.kind, at: at.toISOString() };
  const { result } = await attempted(
    probe.sampling.retries,
    async (): Promise<{ readonly check: CheckSample; readonly read: boolean }> => {
      try {
        if (probe.kind === "Metric") {
          const { window } = await judgeMetricWindow(cloudwatch, probe, "During", {
            from: faultStart,
            to: at,
          });
          // Inconclusive (no datapoint yet, or CloudWatch not answering) is no reason to stop.
          return {
            check: { ...sample, passed: window.outcome !== "Failed", why: window.reason },
            read: true,
          };
        }
        const state = (await alarmStateNow(cloudwatch, probe.alarmName)) ?? "unknown";
        const failed = probe.expect === "StaysOk" && state === "ALARM";
        const why = failed ? { why: `${probe.alarmName} is in ALARM` } : {};
        return { check: { ...sample, passed: !failed, state, ...why }, read: true };
      } catch (error) {
        return { check: { ...sample, passed: true, why: `not read: ${messageOf(error)}` }, read: false };
      }
    },
    (r) => r.read,
  );
  return result.check;
}
