/**
 * An HTTP probe's sample: one exchange, tried again up to the probe's `retries` while it fails, the
 * last attempt's answer kept as the evidence.
 */
import type { HttpProbeSpec } from "../../lib/hypothesis/probe-spec";
import type { HttpSample } from "../contract";
import { attempted } from "./attempts";
import { checkExchange, exchange } from "./http-exchange";

export async function sampleHttp(probe: HttpProbeSpec, at = new Date()): Promise<HttpSample> {
  const timeoutMs = probe.sampling.timeoutSeconds * 1000;
  const { result, attempts } = await attempted(
    probe.sampling.retries,
    async () => {
      const answer = await exchange(probe.request, probe.expect, timeoutMs);
      return { answer, ...checkExchange(answer, probe.expect) };
    },
    (r) => r.passed,
  );
  const { answer, passed, why } = result;
  return {
    probe: probe.name,
    kind: "Http",
    at: at.toISOString(),
    passed,
    ...(why === undefined ? {} : { why }),
    ...(answer.status === undefined ? {} : { status: answer.status }),
    ...(answer.error === undefined ? {} : { error: answer.error }),
    latencyMs: answer.latencyMs,
    attempts,
  };
}
