/**
 * A local fault over simulated instances tagged app:web, with SSM's delays shortened and each
 * second of fault lasting 2 ms: the experiments that are about the control plane, not the
 * instance program.
 */
import { localFault, type LocalFault, type LocalFaultProps } from "./local-fault";
import { SimulatedAgent, type SimulatedAgentOptions } from "./agents/simulated";

/** Every tagged instance, for five seconds of fault. */
export const SIMULATED_INPUT = {
  EC2_INSTANCE_TAG: "app:web",
  INSTANCE_AFFECTED_PERC: 100,
  TOTAL_CHAOS_DURATION: 5,
};

/** Every Wait state, 5 ms. */
export const FAST = { waitMs: 5 };

export function simulatedFleet(
  count: number,
  { props, agent: agentOptions = {} }: { props?: LocalFaultProps; agent?: SimulatedAgentOptions } = {},
): { local: LocalFault; agent: SimulatedAgent; ids: string[] } {
  const local = localFault({ props, timing: { visibilityMs: 20, deliveryMs: 5, msPerTimeoutSecond: 10 } });
  const agent = new SimulatedAgent({ msPerSecond: 2, resetsPerSecond: 1, ...agentOptions });
  const ids = local.aws.fleet.addMany(count, { tags: { app: "web" }, agent }).map((i) => i.id);
  return { local, agent, ids };
}
