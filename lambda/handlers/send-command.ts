/**
 * Injects the fault into one batch of targets, and records the commands it sent. When it finds
 * the experiment stopping by then, it undoes them itself (lambda/ssm-commands/fault-delivery.ts).
 * (Step Functions documents no way for StopExecution to end a Lambda invocation under way, so this
 * task is taken to run to its end whenever the execution stops.)
 */
import { clientsForPlan } from "../aws/aws-clients";
import type { SendCommandEvent, SentCommands } from "../contract";
import { deliverFault } from "../ssm-commands/fault-delivery";
import { logger, metrics, MetricUnit, task } from "../telemetry";

export const handler = task(
  "send-command",
  async ({ plan, instanceIds }: SendCommandEvent): Promise<SentCommands> => {
    logger.appendKeys({ experimentId: plan.experimentId, region: plan.region });
    const { ssm } = await clientsForPlan(plan);
    const commands = await deliverFault(ssm, plan, instanceIds);
    metrics.addMetric("InstancesInjected", MetricUnit.Count, instanceIds.length);
    logger.info("fault sent", { commands });
    return { commands };
  },
);
