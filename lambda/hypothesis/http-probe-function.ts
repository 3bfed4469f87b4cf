/**
 * Asks the HTTP probes' function for samples: a function of its own, so that only it need run in
 * the user's VPC, where AWS's APIs may be out of reach.
 */
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import type { HttpProbeSpec } from "../../lib/hypothesis/probe-spec";
import type { HttpSample, ProbeHttpEvent, ProbeHttpResult } from "../contract";
import { homeClient } from "../aws/sdk-config";
import { httpProbeFunction } from "../input/environment";

export async function takeHttpSamples(probes: readonly HttpProbeSpec[]): Promise<HttpSample[]> {
  if (!probes.length) return [];
  const event: ProbeHttpEvent = { probes: [...probes] };
  const answer = await homeClient(LambdaClient).send(
    new InvokeCommand({ FunctionName: httpProbeFunction(), Payload: JSON.stringify(event) }),
  );
  const payload = new TextDecoder().decode(answer.Payload);
  if (answer.FunctionError) throw new Error(`the HTTP probes' function failed: ${payload}`);
  return (JSON.parse(payload) as ProbeHttpResult).samples;
}
