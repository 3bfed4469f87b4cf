import { Token, type Duration } from "aws-cdk-lib";
import type * as elbv2 from "aws-cdk-lib/aws-elasticloadbalancingv2";
import type { IConstruct } from "constructs";
import { sameAccountAndRegion } from "./home";
import { refusal } from "./probe";
import type { TargetHealthProbeSpec } from "./probe-spec";
import { renderSampling, type SampledProbeOptions } from "./sampling";

/**
 * The load balancer's view: the health of the experiment's instances in a target group (the first
 * hundred by ID, in a larger experiment), sampled with DescribeTargetHealth over the experiment.
 * Each instance of the experiment registered in the group must be healthy before the fault (the
 * steady state), and then, as asked, taken out within some time of its fault's start and healthy
 * again within some time of its fault's end. The times measured are the evidence.
 */
export interface TargetHealthProbe extends SampledProbeOptions {
  /** A target group of instance targets, in this account and region. */
  readonly targetGroup: elbv2.ITargetGroup;
  /**
   * Each instance is no longer healthy within this time of its fault's start: from 10 seconds to
   * 1 hour.
   * @default - not bounded
   */
  readonly takenOutWithin?: Duration;
  /**
   * Each instance is healthy again within this time of its fault's end: from 10 seconds to 1 hour.
   * The experiment goes on sampling until it has passed.
   * @default - not bounded
   */
  readonly healthyAgainWithin?: Duration;
}

function within(
  refuse: (why: string) => never,
  name: string,
  value: Duration | undefined,
): number | undefined {
  const seconds = value?.toSeconds();
  if (seconds !== undefined && (Token.isUnresolved(seconds) || seconds < 10 || seconds > 3600))
    refuse(`${name} must be from 10 seconds to 1 hour; got ${seconds} s`);
  return seconds;
}

export function renderTargetHealthProbe(
  scope: IConstruct,
  probe: TargetHealthProbe,
  weight: number,
): TargetHealthProbeSpec {
  const refuse = refusal(scope, "target health", probe.name);
  const arn = probe.targetGroup.targetGroupArn;
  if (!sameAccountAndRegion(scope, arn)) {
    refuse(
      `its target group ${arn} is in another account or region; the probe reads it where the fault is deployed`,
    );
  }
  const takenOut = within(refuse, "takenOutWithin", probe.takenOutWithin);
  const healthyAgain = within(refuse, "healthyAgainWithin", probe.healthyAgainWithin);
  const sampling = renderSampling(refuse, probe);
  if (takenOut === undefined && healthyAgain === undefined)
    refuse("give takenOutWithin, healthyAgainWithin, or both");
  for (const [name, seconds] of [
    ["takenOutWithin", takenOut],
    ["healthyAgainWithin", healthyAgain],
  ] as const) {
    if (seconds !== undefined && seconds < sampling.intervalSeconds)
      refuse(`${name} (${seconds} s) must be at least the interval (${sampling.intervalSeconds} s)`);
  }
  return {
    kind: "TargetHealth",
    name: probe.name,
    weight,
    targetGroupArn: arn,
    ...(takenOut === undefined ? {} : { takenOutWithinSeconds: takenOut }),
    ...(healthyAgain === undefined ? {} : { healthyAgainWithinSeconds: healthyAgain }),
    sampling,
  };
}
