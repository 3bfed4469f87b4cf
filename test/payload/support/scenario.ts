/** Steps the payload tests share. */
import { waitFor, within } from "./exec";
import { World } from "./world";

/**
 * Resolves once the fault's rules are in on the server host: its jumps, which carry the
 * experiment in a comment, not just its chains, which it makes first and which change nothing.
 */
export const armed = (world: World): Promise<void> =>
  waitFor("the fault to put its rules in", async () =>
    (await world.faultTraces()).rules.some((rule) => rule.includes("--comment")),
  );

/**
 * Waits until no process of the fault is left on the server host, then checks that no rule is
 * left either: whatever survives a kill takes the rules out before it ends. How fast is measured
 * by the benchmarks (`restoredWithin`).
 */
export async function expectRestored(world: World): Promise<void> {
  const running = async () => (await world.faultTraces()).processes.length > 0;
  await waitFor("the fault's processes to end", async () => !(await running()), 20);
  expect(await world.faultTraces()).toEqual({ rules: [], processes: [] });
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
