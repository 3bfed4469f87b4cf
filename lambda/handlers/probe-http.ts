/**
 * Sends the HTTP probes' requests, each probe at once, and returns their samples. It runs where the
 * hypothesis put it (in the user's VPC, when the URLs are private) and calls no AWS API; the
 * sampler and the steady-state check invoke it with probes they read from the experiment's records,
 * which hold the hypothesis the state machine was deployed with.
 */
import type { ProbeHttpEvent, ProbeHttpResult } from "../contract";
import { sampleHttp } from "../hypothesis/http-sample";
import { logger, task } from "../telemetry";

export const handler = task("probe-http", async ({ probes }: ProbeHttpEvent): Promise<ProbeHttpResult> => {
  const samples = await Promise.all(probes.map((probe) => sampleHttp(probe)));
  logger.info("HTTP samples", { samples });
  return { samples };
});
