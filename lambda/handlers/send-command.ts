/**
 * Injects the fault into one batch of targets, and records the commands it sent. When it finds
 * the experiment stopping by then, it undoes them itself: the stop's own cleanup may have looked
 * before they were recorded. (Step Functions documents no way for StopExecution to end a Lambda
 * invocation under way, so this task is taken to run to its end whenever the execution stops.)
 */
import { clientsForPlan } from "../aws/aws-clients";
import type { SendCommandEvent, SentCommands } from "../contract";
import { recordCommands, recordedStop } from "../records/records";
import { sendDocument } from "../ssm-commands/send-document";
import { logger, metrics, MetricUnit, task } from "../telemetry";
import { fromStateMachine, undo } from "../stopping/undo";

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
    await recordCommands(plan.records, commands);
    const stop = await recordedStop(plan.records);
    if (stop) {
      // As a child's own cleanup undoes its batch; the cause recorded first stays.
      const undone = await undo(fromStateMachine({ plan, commands, stop, instanceIds }));
      logger.info("the experiment was stopping: its commands undone", { ...undone });
    }
    return { commands };
  },
);
