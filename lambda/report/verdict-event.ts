/**
 * Puts each verdict on the account's default event bus, where the fault is deployed, for rules
 * that gate a pipeline, page someone or keep a history: the result, the score, each probe's outcome
 * and where the report is.
 */
import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { VERDICT_EVENT } from "../../lib/event-types";
import type { Report } from "../contract";
import { homeClient } from "../aws/sdk-config";
import type { WrittenReport } from "../records/records";

export async function putVerdictEvent(report: Report, written: WrittenReport): Promise<void> {
  const verdict = report.verdict;
  if (!verdict) return;
  const detail = {
    experimentId: report.experimentId,
    startedAt: report.startedAt,
    dryRun: report.dryRun,
    result: verdict.result,
    score: verdict.score,
    summary: verdict.summary,
    steadyStateHeld: verdict.steadyStateHeld,
    probes: verdict.probes.map((p) => ({ name: p.name, kind: p.kind, outcome: p.outcome, reason: p.reason })),
    reportObject: written.reportObject,
    reportPage: written.reportPage,
  };
  const answer = await homeClient(EventBridgeClient).send(
    new PutEventsCommand({
      Entries: [
        {
          Source: VERDICT_EVENT.source,
          DetailType: VERDICT_EVENT.detailType,
          Detail: JSON.stringify(detail),
        },
      ],
    }),
  );
  // PutEvents answers 200 with a failed entry rather than throwing (FailedEntryCount).
  if (answer.FailedEntryCount) {
    const entry = answer.Entries?.[0];
    throw new Error(`EventBridge refused the verdict event: ${entry?.ErrorCode} ${entry?.ErrorMessage}`);
  }
}
