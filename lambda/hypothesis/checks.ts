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
import { messageOf } from "./outcomes";

export async function takeCheck(
  cloudwatch: CloudWatchClient,
  probe: CheckedProbeSpec,
  faultStart: Date,
  at = new Date(),
): Promise<CheckSample> {
  const sample = { probe: probe.name, kind: probe.kind, at: at.toISOString() };
  let why = "";
  for (let attempt = 0; attempt <= probe.sampling.retries; attempt++) {
    try {
      if (probe.kind === "Metric") {
        const { window } = await judgeMetricWindow(cloudwatch, probe, "During", { from: faultStart, to: at });
        // Inconclusive (no datapoint yet, or CloudWatch not answering) is no reason to stop.
        return { ...sample, passed: window.outcome !== "Failed", why: window.reason };
      }
      const state = (await alarmStateNow(cloudwatch, probe.alarmName)) ?? "unknown";
      const failed = probe.expect === "StaysOk" && state === "ALARM";
      return {
        ...sample,
        passed: !failed,
        state,
        ...(failed ? { why: `${probe.alarmName} is in ALARM` } : {}),
      };
    } catch (error) {
      why = messageOf(error);
    }
  }
  return { ...sample, passed: true, why: `not read: ${why}` };
}
