/**
 * The experiment's instances, read once per warm function and experiment from the targets recorded
 * with it: the target-health probes judge those alone among a group's targets.
 */
import type { Plan } from "../contract";
import { readTargets, targetsKey } from "../records/records";

const known = new Map<string, Promise<ReadonlySet<string>>>();

export function experimentInstances(plan: Plan): Promise<ReadonlySet<string>> {
  let instances = known.get(plan.records);
  if (!instances) {
    instances = readTargets(targetsKey(plan.records)).then((ids) => new Set(ids));
    // One experiment at a time, in practice: keep the last few only.
    if (known.size > 8) known.clear();
    known.set(plan.records, instances);
    instances.catch(() => known.delete(plan.records));
  }
  return instances;
}
