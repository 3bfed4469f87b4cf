/** Steps the payload tests share. */
import { within } from "./exec";
import { World } from "./world";

/** Resolves once the fault's rules are in on the server host. */
export async function armed(world: World): Promise<void> {
  const took = await within(10000, async () => (await world.faultTraces()).rules.length > 0);
  if (took === undefined) throw new Error("the fault never put its rules in");
}

/** Milliseconds until the server host holds no rule and no process of the fault, or undefined. */
export const restoredWithin = (world: World, ms: number) => within(ms, () => world.isClean(), 20);

/** The pid of one of the fault's detached processes on the server host. */
export async function faultPid(world: World, role: "inject" | "proxy" | "warden"): Promise<number> {
  const line = (await world.faultTraces()).processes.find((p) => p.includes(`reset_peer.py ${role}`));
  if (!line) throw new Error(`no ${role} process found`);
  return Number(line.split(" ")[0]);
}

/** A fresh world per test, destroyed after it even when the test fails. */
export function useWorld(): () => World {
  let world: World | undefined;
  beforeEach(async () => {
    world = await World.create();
  });
  afterEach(async () => {
    await world?.destroy();
    world = undefined;
  });
  return () => world!;
}
