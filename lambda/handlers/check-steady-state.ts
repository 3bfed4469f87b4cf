/**
 * Checks the steady state before anything is injected: the hypothesis's Before probes, against
 * CloudWatch, the load balancer, the HTTP probes' URLs and the instances' commands. What they
 * found is recorded for the report's verdict; the state machine injects only when every one passed.
 */
import { cloudWatchClient } from "../aws/aws-clients";
import type { SteadyState, SteadyStateEvent } from "../contract";
import { experimentSamplers } from "../hypothesis/samplers";
import { checkSteadyState, steadyStateOf } from "../hypothesis/steady-state";
import { recordedHypothesis, recordSteadyState } from "../records/records";
import { logger, task } from "../telemetry";

export const handler = task(
  "check-steady-state",
  async ({ plan }: SteadyStateEvent): Promise<SteadyState> => {
    logger.appendKeys({ experimentId: plan.experimentId, region: plan.region });
    const hypothesis = await recordedHypothesis(plan.records);
    const readers = { cloudwatch: cloudWatchClient(), ...experimentSamplers(plan) };
    const results = hypothesis ? await checkSteadyState(readers, hypothesis, plan) : [];
    await recordSteadyState(plan.records, results);
    const steadyState = steadyStateOf(results);
    logger.info("steady state", { ...steadyState, results });
    return steadyState;
  },
);
