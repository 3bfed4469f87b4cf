/**
 * Checks the steady state before anything is injected: the hypothesis's Before probes, against
 * CloudWatch, the load balancer, the HTTP probes' URLs and the instances' commands. What they
 * found is recorded for the report's verdict; the state machine injects only when every one passed.
 */
import { cloudWatchClient } from "../aws/aws-clients";
import type { SteadyState, SteadyStateEvent } from "../contract";
import { commandSampler } from "../hypothesis/command-sampler";
import { experimentInstances } from "../hypothesis/experiment-instances";
import { takeHttpSamples } from "../hypothesis/http-probe-function";
import { checkSteadyState, steadyStateOf } from "../hypothesis/steady-state";
import { sampleTargetHealth } from "../hypothesis/target-health-sample";
import { recordedHypothesis, recordSteadyState } from "../records/records";
import { logger, task } from "../telemetry";

export const handler = task(
  "check-steady-state",
  async ({ plan }: SteadyStateEvent): Promise<SteadyState> => {
    logger.appendKeys({ experimentId: plan.experimentId, region: plan.region });
    const hypothesis = await recordedHypothesis(plan.records);
    const readers = {
      cloudwatch: cloudWatchClient(),
      takeHttp: takeHttpSamples,
      takeTargetHealth: async (probe: Parameters<typeof sampleTargetHealth>[0]) =>
        sampleTargetHealth(probe, await experimentInstances(plan)),
      takeCommand: commandSampler(plan),
    };
    const results = hypothesis ? await checkSteadyState(readers, hypothesis, plan) : [];
    await recordSteadyState(plan.records, results);
    const steadyState = steadyStateOf(results);
    logger.info("steady state", { ...steadyState, results });
    return steadyState;
  },
);
