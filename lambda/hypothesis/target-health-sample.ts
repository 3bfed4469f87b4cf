/**
 * A target-health probe's sample: DescribeTargetHealth on its group, the states of the experiment's
 * instances among its targets kept, at most MAX_FOLLOWED of them. A group that cannot be read is a
 * sample with an error, not a failed task: the report says which samples are missing.
 */
import {
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import type { TargetHealthProbeSpec } from "../../lib/hypothesis/probe-spec";
import type { TargetHealthSample } from "../contract";
import { homeClient } from "../aws/sdk-config";
import { attempted } from "./attempts";
import { messageOf } from "./outcomes";

/**
 * The most instances a probe follows: the first by ID among the experiment's in the group. Each
 * round's record, the report's reading of every round and the verdict in the execution's output
 * (256 KiB) stay bounded however large the fleet; a hundred instances show the load balancer's
 * behaviour as well as ten thousand.
 */
export const MAX_FOLLOWED = 100;

export async function sampleTargetHealth(
  probe: TargetHealthProbeSpec,
  instanceIds: ReadonlySet<string>,
  at = new Date(),
): Promise<TargetHealthSample> {
  const { result } = await attempted(
    probe.sampling.retries,
    async (): Promise<Pick<TargetHealthSample, "states" | "error">> => {
      try {
        const answer = await homeClient(ElasticLoadBalancingV2Client).send(
          new DescribeTargetHealthCommand({ TargetGroupArn: probe.targetGroupArn }),
          { abortSignal: AbortSignal.timeout(probe.sampling.timeoutSeconds * 1000) },
        );
        const found = (answer.TargetHealthDescriptions ?? [])
          .filter(({ Target }) => Target?.Id && instanceIds.has(Target.Id))
          .map(
            ({ Target, TargetHealth }) => [Target?.Id as string, TargetHealth?.State ?? "unknown"] as const,
          )
          .sort(([a], [b]) => a.localeCompare(b))
          .slice(0, MAX_FOLLOWED);
        return { states: Object.fromEntries(found) };
      } catch (caught) {
        return { states: {}, error: messageOf(caught) };
      }
    },
    (r) => r.error === undefined,
  );
  return { probe: probe.name, kind: "TargetHealth", at: at.toISOString(), ...result };
}
