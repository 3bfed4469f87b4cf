/**
 * The first task: reads and checks the execution input, picks the targets and checks that each
 * can take the fault. Everything that can be refused is refused here, before anything is sent.
 */
import type { Instance } from "@aws-sdk/client-ec2";
import { faultClients } from "../aws/aws-clients";
import type { ResolvedTargets, ResolveTargetsEvent } from "../contract";
import { homeRegion, optInTag } from "../input/environment";
import { TargetNotOptedInError } from "../errors";
import { experimentIdFor } from "../input/experiment-id";
import { readInput } from "../input/input";
import { checkTargetCount, planRun } from "../input/plan";
import { checkReadiness } from "../targets/readiness";
import { recordHypothesis, writeTargets } from "../records/records";
import type { HypothesisSpec } from "../../lib/hypothesis/probe-spec";
import { refuseWhileEngaged } from "../stopping/safety-lever";
import { sample } from "../targets/sample";
import { refuseWhileAlarm } from "../stopping/stop-conditions";
import { instancesById, runningInstancesByTag } from "../targets/select-instances";
import { carriesTag, formatTag, parseTag } from "../targets/tags";
import { logger, metrics, MetricUnit, task } from "../telemetry";

function refuseNotOptedIn(candidates: Instance[]): void {
  const tag = optInTag();
  if (!tag) return;
  const refused = candidates.filter((i) => !carriesTag(i.Tags, tag)).map((i) => i.InstanceId);
  if (refused.length) {
    throw new TargetNotOptedInError(
      `This fault only targets instances tagged ${formatTag(tag)}, and these are not: ${refused.join(", ")}. ` +
        "Tag them to opt them in, or choose other targets",
    );
  }
}

export const handler = task(
  "resolve-targets",
  async (event: ResolveTargetsEvent): Promise<ResolvedTargets> => {
    const values = readInput(event.input ?? {});
    const experimentId = experimentIdFor(event.executionName);
    const region = values.REGION || homeRegion();
    logger.appendKeys({ experimentId, region });
    const { ec2, ssm } = await faultClients({
      region,
      assumeRoleArn: values.ASSUME_ROLE_ARN,
      authenticationSecret: values.AWS_AUTHENTICATION_SECRET,
      experimentId,
    });
    await refuseWhileEngaged();
    await refuseWhileAlarm();

    const ids = [...new Set(values.EC2_INSTANCE_ID.split(",").filter(Boolean))];
    const candidates = ids.length
      ? await instancesById(ec2, ids, region)
      : await runningInstancesByTag(ec2, parseTag(values.EC2_INSTANCE_TAG), region);
    // Checked over every candidate, not only the sample: a selector that reaches instances which
    // have not opted in is refused every time, not by the luck of the draw.
    refuseNotOptedIn(candidates);
    const targets = ids.length ? candidates : sample(candidates, Number(values.INSTANCE_AFFECTED_PERC));
    checkTargetCount(targets.length);
    await checkReadiness(ssm, targets, region);

    const hypothesis = event.hypothesis ? (JSON.parse(event.hypothesis) as HypothesisSpec) : undefined;
    const plan = planRun(
      values,
      { experimentId, region, startedAt: event.startTime },
      targets.length,
      hypothesis,
    );
    const targetIds = targets.map((t) => t.InstanceId ?? "");
    const [key] = await Promise.all([
      writeTargets(plan, targetIds),
      hypothesis && recordHypothesis(plan.records, hypothesis),
    ]);
    metrics.addMetric("InstancesTargeted", MetricUnit.Count, targetIds.length);
    logger.info("targets resolved", {
      targets: targetIds.length,
      object: key,
      sequence: plan.sequence,
      dryRun: plan.dryRun,
    });
    return { plan, targets: { key, count: targetIds.length } };
  },
);
