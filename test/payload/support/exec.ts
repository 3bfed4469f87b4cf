import { execFile } from "node:child_process";

export interface Completed {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to completion and never throws on a non-zero exit: callers assert on the code. */
export function run(argv: readonly string[], options: { input?: string; timeoutMs?: number } = {}) {
  return new Promise<Completed>((resolve) => {
    const child = execFile(
      argv[0],
      argv.slice(1),
      { timeout: options.timeoutMs ?? 20000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** Like `run`, but a non-zero exit is an error naming the command and what it printed. */
export async function must(argv: readonly string[], options: { input?: string } = {}): Promise<string> {
  const r = await run(argv, options);
  if (r.code !== 0) throw new Error(`${argv.join(" ")} exited ${r.code}: ${r.stderr || r.stdout}`);
  return r.stdout;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until the check passes or the time is up; returns how long it took, or undefined. */
export async function within(ms: number, check: () => Promise<boolean>, stepMs = 25) {
  const start = Date.now();
  for (;;) {
    if (await check()) return Date.now() - start;
    if (Date.now() - start > ms) return undefined;
    await sleep(stepMs);
  }
}

/** How long a test waits for an event before it fails: generous, since the machine may be busy. */
export const SAFETY_TIMEOUT_MS = 45_000;

/**
 * Waits for an event: polls until the check passes. Time bounds belong to the benchmarks; this
 * fails only when the event never comes, naming it.
 */
export async function waitFor(event: string, check: () => Promise<boolean> | boolean, stepMs = 25) {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > SAFETY_TIMEOUT_MS)
      throw new Error(`waited ${SAFETY_TIMEOUT_MS} ms for ${event}`);
    await sleep(stepMs);
  }
}
