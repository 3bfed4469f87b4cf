/**
 * How the sampler and the steady-state check take a command probe's sample for an experiment: with
 * the experiment's SSM client, on its instances. The probe document is deployed where the fault is:
 * an experiment acting in another account or region has no such document there, and its samples
 * are not taken (judged as none, so the probe is Inconclusive).
 */
import type { CommandProbeSpec } from "../../lib/hypothesis/probe-spec";
import { accessFor, faultClients } from "../aws/aws-clients";
import type { CommandSample, Plan } from "../contract";
import { homeRegion } from "../input/environment";
import { sampleCommand } from "./command-sample";
import { experimentInstances } from "./experiment-instances";

export const commandSampler =
  (plan: Plan, at = new Date()) =>
  async (probe: CommandProbeSpec): Promise<CommandSample> => {
    if (plan.assumeRoleArn || plan.authenticationSecret || plan.region !== homeRegion()) {
      return {
        probe: probe.name,
        kind: "Command",
        at: at.toISOString(),
        passed: false,
        instances: 0,
        notPassed: [],
        attempts: 0,
        unread: "the experiment acts in another account or region, where the probe document is not deployed",
      };
    }
    const { ssm } = await faultClients(accessFor(plan));
    return sampleCommand(
      ssm,
      probe,
      { experimentId: plan.experimentId, instanceIds: await experimentInstances(plan) },
      at,
    );
  };
