/**
 * One round of the sampling loop beside the fault (lambda/hypothesis/sampler.ts): takes the samples
 * due, records them with the experiment, and says when the next round is, whether the loop is over,
 * and whether a probe stops the fault. A probe that cannot be sampled gives a failed sample, never a
 * failed task.
 */
import type { SampleProbesEvent, SamplingState } from "../contract";
import { sampleRound } from "../hypothesis/sampler";
import { experimentSamplers } from "../hypothesis/samplers";
import { recordedFaultEnd, recordedHypothesis, recordSamples } from "../records/records";
import { logger, task } from "../telemetry";

export const handler = task(
  "sample-probes",
  async ({ plan, sampling }: SampleProbesEvent): Promise<SamplingState> => {
    logger.appendKeys({ experimentId: plan.experimentId, region: plan.region });
    const now = new Date();
    const [hypothesis, faultEnd] = await Promise.all([
      recordedHypothesis(plan.records),
      recordedFaultEnd(plan.records),
    ]);
    if (!hypothesis) return { ...sampling, round: sampling.round + 1, done: true, waitSeconds: 1 };
    const { state, samples } = await sampleRound({
      now,
      plan,
      hypothesis,
      state: sampling,
      faultEnd,
      ...experimentSamplers(plan, now),
    });
    await recordSamples(plan.records, now, samples);
    logger.info("sampled", { round: state.round, done: state.done, stop: state.stop, samples });
    return state;
  },
);
