/**
 * The benchmarks come in parts, each run on its own or all together. Each part's last result is
 * kept in bench/results/, so that BENCHMARKS.md always holds every part, whichever ran last.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { format } from "prettier";
import type { Machine } from "./machine";

export const PARTS = ["payload", "forwarding", "control-plane", "package", "stop", "baseline"] as const;
export type Part = (typeof PARTS)[number];

export interface PartResult {
  /** The day the part finished (UTC). */
  readonly date: string;
  readonly seconds: number;
  readonly runs: number;
  readonly machine: Machine;
  /** The software it measured with, beside Node. */
  readonly software: string;
  /** The 1-minute load average at its start and end. */
  readonly load: string;
  /** Its section of BENCHMARKS.md, in Markdown. */
  readonly section: string;
}

const RESULTS = join(__dirname, "results");
const fileOf = (part: Part) => join(RESULTS, `${part}.json`);

export async function saveResult(part: Part, result: PartResult): Promise<void> {
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(fileOf(part), await format(JSON.stringify(result), { parser: "json" }));
}

export function loadResult(part: Part): PartResult | undefined {
  return existsSync(fileOf(part))
    ? (JSON.parse(readFileSync(fileOf(part), "utf8")) as PartResult)
    : undefined;
}

/** A progress line: what is done, and when since `started`. */
export function progress(what: string, started: number): void {
  console.log(`bench: ${what} done at ${Math.round((Date.now() - started) / 1000)} s`);
}
