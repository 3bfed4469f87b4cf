/** Steps the payload tests share. */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
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

/** A process's pid as seen inside its own pid namespace, which the server host has. */
function innerPid(pid: number): number | undefined {
  try {
    return Number(/^NSpid:\s.*?(\d+)$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]);
  } catch {
    return undefined; // gone meanwhile
  }
}

/**
 * The pid of one of the fault's live processes on the server host. The proxy and the warden are
 * forks of the command, with its command line: each is named by the pid file it writes, which
 * holds its pid inside the host's pid namespace.
 */
export async function faultPid(world: World, role: "inject" | "proxy" | "warden"): Promise<number> {
  const live = (await world.faultTraces()).processes.map((line) => Number(line.split(" ")[0]));
  const experiments = join(world.stateDir, "experiments");
  const forks = (name: string) =>
    (existsSync(experiments) ? readdirSync(experiments) : [])
      .map((experiment) => join(experiments, experiment, `${name}.pid`))
      .filter((file) => existsSync(file))
      .map((file) => Number(readFileSync(file, "utf8").split(" ")[0]));
  const named = role === "inject" ? [...forks("proxy"), ...forks("warden")] : forks(role);
  const pid = live.find(
    (p) => innerPid(p) !== undefined && named.includes(innerPid(p)!) !== (role === "inject"),
  );
  if (pid === undefined) throw new Error(`no ${role} process found`);
  return pid;
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
