/** Injects the fault into one batch of targets. */
import { clientsForPlan } from "../aws-clients";
import type { SendCommandEvent, SentCommands } from "../contract";
import { sendDocument } from "../send-document";
import { logger, metrics, MetricUnit, task } from "../telemetry";

export const handler = task(
  "send-command",
  async ({ plan, instanceIds }: SendCommandEvent): Promise<SentCommands> => {
    logger.appendKeys({ experimentId: plan.experimentId, region: plan.region });
    const { ssm } = await clientsForPlan(plan);
    const commands = await sendDocument(ssm, instanceIds, "Inject", {
      ...plan.documentParameters,
      ExperimentId: [plan.experimentId],
    });
    metrics.addMetric("InstancesInjected", MetricUnit.Count, instanceIds.length);
    logger.info("fault sent", { commands });
    return { commands };
  },
);
