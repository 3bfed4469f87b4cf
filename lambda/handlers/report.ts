/**
 * Reports the experiment when it ends (lambda/report/experiment-report.ts): the state machine's
 * last task, and the one after its cleanup of a failed experiment.
 */
import type { ReportEvent, ReportSummary } from "../contract";
import { reportExperiment } from "../report/experiment-report";
import { logger, task } from "../telemetry";

export const handler = task("report", async (event: ReportEvent): Promise<ReportSummary> => {
  logger.appendKeys({ experimentId: event.plan.experimentId, region: event.plan.region });
  return reportExperiment(event);
});
