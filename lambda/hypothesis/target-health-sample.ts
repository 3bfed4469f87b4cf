/**
 * A target-health probe's sample: DescribeTargetHealth on its group, the states of the experiment's
 * instances among its targets kept. A group that cannot be read is a sample with an error, not a
 * failed task: the report says which samples are missing.
 */
import {
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import type { TargetHealthProbeSpec } from "../../lib/hypothesis/probe-spec";
import type { TargetHealthSample } from "../contract";
import { homeClient } from "../aws/sdk-config";
import { messageOf } from "./outcomes";

export async function sampleTargetHealth(
  probe: TargetHealthProbeSpec,
  instanceIds: ReadonlySet<string>,
  at = new Date(),
): Promise<TargetHealthSample> {
  const sample = { probe: probe.name, kind: "TargetHealth" as const, at: at.toISOString() };
  let error = "";
  for (let attempt = 0; attempt <= probe.sampling.retries; attempt++) {
    try {
      const answer = await homeClient(ElasticLoadBalancingV2Client).send(
        new DescribeTargetHealthCommand({ TargetGroupArn: probe.targetGroupArn }),
        { abortSignal: AbortSignal.timeout(probe.sampling.timeoutSeconds * 1000) },
      );
      const states: Record<string, string> = {};
      for (const { Target, TargetHealth } of answer.TargetHealthDescriptions ?? []) {
        if (Target?.Id && instanceIds.has(Target.Id)) states[Target.Id] = TargetHealth?.State ?? "unknown";
      }
      return { ...sample, states };
    } catch (caught) {
      error = messageOf(caught);
    }
  }
  return { ...sample, states: {}, error };
}
