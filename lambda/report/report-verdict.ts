/**
 * The verdict a report carries when the fault was deployed with a hypothesis: judged against the
 * hypothesis, the steady state and the samples recorded with the experiment.
 */
import { cloudWatchClient } from "../aws/aws-clients";
import type { Plan, Report, Verdict } from "../contract";
import { judgeHypothesis } from "../hypothesis/judge";
import { recordedHypothesis, recordedSamples, recordedSteadyState } from "../records/records";

export async function reportVerdict(plan: Plan, report: Report): Promise<Verdict | undefined> {
  const [hypothesis, steadyState, samples] = await Promise.all([
    recordedHypothesis(plan.records),
    recordedSteadyState(plan.records),
    recordedSamples(plan.records),
  ]);
  if (!hypothesis) return undefined;
  return judgeHypothesis(cloudWatchClient(), {
    hypothesis,
    steadyState,
    samples,
    plan,
    instances: report.instances,
    clients: report.totals.clients,
    now: new Date(report.reportedAt),
  });
}
