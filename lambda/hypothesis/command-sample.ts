/**
 * A command probe's sample: the fault's probe document sent to up to 50 of the experiment's
 * instances (one SendCommand), its invocations read until each has ended or the probe's timeout
 * has passed, then judged: every invocation Success (exit 0), each output matching outputMatches
 * and not outputDoesNotMatch. A failed sample is tried again up to the probe's retries; a command
 * still running at the timeout is cancelled and counts as failed.
 */
import {
  CancelCommandCommand,
  SendCommandCommand,
  type CommandInvocation,
  type SSMClient,
} from "@aws-sdk/client-ssm";
import type { CommandProbeSpec } from "../../lib/hypothesis/probe-spec";
import { PROBE_PARAMETER } from "../../lib/hypothesis/probe-script";
import type { CommandSample } from "../contract";
import { probeDocument } from "../input/environment";
import { commandInvocations } from "../ssm-commands/invocations";
import { attempted } from "./attempts";
import { messageOf } from "./outcomes";

/** The most instances one sample runs on: one SendCommand's worth. */
export const MAX_COMMAND_INSTANCES = 50;

/** How often the invocations are read while the command runs. */
const POLL_MS = 1000;

/** SSM's statuses an invocation ends with. */
const ENDED = new Set(["Success", "Failed", "Cancelled", "TimedOut", "Cancelling"]);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Why one instance's invocation did not pass, or undefined when it did. */
function notPassing(probe: CommandProbeSpec, invocation: CommandInvocation): string | undefined {
  // The document's one step: its script.
  const plugin = invocation.CommandPlugins?.at(-1);
  const output = plugin?.Output ?? "";
  if (invocation.Status !== "Success") return `${invocation.Status} (exit ${plugin?.ResponseCode ?? "?"})`;
  if (probe.outputMatches !== undefined && !new RegExp(probe.outputMatches).test(output))
    return `output did not match /${probe.outputMatches}/`;
  if (probe.outputDoesNotMatch !== undefined && new RegExp(probe.outputDoesNotMatch).test(output))
    return `output matched /${probe.outputDoesNotMatch}/`;
  return undefined;
}

/** One attempt: send, read until every invocation ended or the timeout, judge. */
async function attempt(
  ssm: SSMClient,
  probe: CommandProbeSpec,
  instanceIds: readonly string[],
  experimentId: string,
): Promise<Omit<CommandSample, "probe" | "kind" | "at" | "attempts">> {
  const { Command } = await ssm.send(
    new SendCommandCommand({
      DocumentName: probeDocument(),
      InstanceIds: [...instanceIds],
      Parameters: { [PROBE_PARAMETER]: [probe.name] },
      Comment: `http-reset-peer probe ${probe.name} ${experimentId}`.slice(0, 100),
      // SSM's least delivery timeout; the probe's own timeout is kept below by cancelling.
      TimeoutSeconds: 30,
      MaxConcurrency: "100%",
      MaxErrors: "100%",
    }),
  );
  const commandId = Command?.CommandId ?? "";
  const deadline = Date.now() + probe.sampling.timeoutSeconds * 1000;
  let invocations: CommandInvocation[];
  for (;;) {
    invocations = await commandInvocations(ssm, commandId);
    const ended = invocations.filter((i) => ENDED.has(i.Status ?? ""));
    if (ended.length === instanceIds.length || Date.now() >= deadline) break;
    await sleep(Math.min(POLL_MS, Math.max(0, deadline - Date.now())));
  }
  const why = new Map<string, string>();
  for (const id of instanceIds) {
    const invocation = invocations.find((i) => i.InstanceId === id);
    const reason =
      !invocation || !ENDED.has(invocation.Status ?? "") ? "Timeout" : notPassing(probe, invocation);
    if (reason) why.set(id, reason);
  }
  if ([...why.values()].includes("Timeout")) {
    await ssm.send(new CancelCommandCommand({ CommandId: commandId })).catch(() => undefined);
  }
  const [first] = why.keys();
  const firstOutput = invocations.find((i) => i.InstanceId === first)?.CommandPlugins?.at(-1)?.Output;
  return {
    passed: why.size === 0,
    instances: instanceIds.length,
    notPassed: [...why.keys()].slice(0, 5),
    ...(first === undefined ? {} : { why: `${first}: ${why.get(first)}` }),
    ...(first !== undefined && firstOutput ? { output: firstOutput.slice(0, 200) } : {}),
  };
}

export async function sampleCommand(
  ssm: SSMClient,
  probe: CommandProbeSpec,
  experiment: { readonly experimentId: string; readonly instanceIds: ReadonlySet<string> },
  at = new Date(),
): Promise<CommandSample> {
  const sample = { probe: probe.name, kind: "Command" as const, at: at.toISOString() };
  const instanceIds = [...experiment.instanceIds].sort().slice(0, MAX_COMMAND_INSTANCES);
  if (!instanceIds.length) {
    return {
      ...sample,
      passed: false,
      why: "the experiment has no instance",
      instances: 0,
      notPassed: [],
      attempts: 0,
    };
  }
  const { result, attempts } = await attempted(
    probe.sampling.retries,
    async (): Promise<Omit<CommandSample, "probe" | "kind" | "at" | "attempts">> => {
      try {
        return await attempt(ssm, probe, instanceIds, experiment.experimentId);
      } catch (error) {
        return { passed: false, unread: messageOf(error), instances: instanceIds.length, notPassed: [] };
      }
    },
    (r) => r.passed,
  );
  return { ...sample, ...result, attempts };
}
