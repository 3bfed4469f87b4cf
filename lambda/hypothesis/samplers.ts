/**
 * How the sampled probes are taken for one experiment, by the steady-state check and the sampling
 * loop alike: HTTP probes by their function, target health and alarm and metric checks where the
 * fault is deployed, commands with the experiment's SSM client on its instances. The probe document
 * is deployed where the fault is: an experiment acting in another account or region has no such
 * document there, and its command samples are not taken (judged as none: the probe is Inconclusive).
 */
import type {
  CheckedProbeSpec,
  CommandProbeSpec,
  HttpProbeSpec,
  TargetHealthProbeSpec,
} from "../../lib/hypothesis/probe-spec";
import { accessFor, cloudWatchClient, faultClients } from "../aws/aws-clients";
import type { CheckSample, CommandSample, HttpSample, Plan, TargetHealthSample } from "../contract";
import { homeRegion } from "../input/environment";
import { takeCheck } from "./checks";
import { sampleCommand } from "./command-sample";
import { experimentInstances } from "./experiment-instances";
import { takeHttpSamples } from "./http-probe-function";
import { sampleTargetHealth } from "./target-health-sample";

/** What takes each kind of sampled probe. */
export interface Samplers {
  readonly takeHttp: (probes: HttpProbeSpec[]) => Promise<HttpSample[]>;
  readonly takeTargetHealth: (probe: TargetHealthProbeSpec) => Promise<TargetHealthSample>;
  readonly takeCommand: (probe: CommandProbeSpec) => Promise<CommandSample>;
  /** An alarm or metric probe's check while the fault runs, since `faultStart`. */
  readonly takeCheck: (probe: CheckedProbeSpec, faultStart: Date) => Promise<CheckSample>;
}

/** Whether the experiment acts where the fault is deployed, with the fault's own role. */
const actsAtHome = (plan: Plan): boolean =>
  !plan.assumeRoleArn && !plan.authenticationSecret && plan.region === homeRegion();

async function takeCommand(plan: Plan, probe: CommandProbeSpec, at: Date): Promise<CommandSample> {
  if (!actsAtHome(plan)) {
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
  const instanceIds = await experimentInstances(plan);
  return sampleCommand(ssm, probe, { experimentId: plan.experimentId, instanceIds }, at);
}

/** The samplers of one experiment, each sample stamped `at`. */
export const experimentSamplers = (plan: Plan, at = new Date()): Samplers => ({
  takeHttp: takeHttpSamples,
  takeTargetHealth: async (probe) => sampleTargetHealth(probe, await experimentInstances(plan), at),
  takeCommand: (probe) => takeCommand(plan, probe, at),
  takeCheck: (probe, faultStart) => takeCheck(cloudWatchClient(), probe, faultStart, at),
});
