/**
 * `npm run bench`: every benchmark, then BENCHMARKS.md. `npm run bench -- payload` or
 * `npm run bench -- forwarding`, `npm run bench -- control-plane`, `npm run bench -- package` or `npm run bench -- stop` runs one part; the file keeps the
 * other parts' last figures.
 * BENCH_RUNS sets the number of runs of each figure (default 5). BENCH_BASELINE names a git revision
 * whose document `npm run bench -- baseline` measures beside the current one.
 */
import { runControlPlane } from "./control-plane/part";
import { runForwarding } from "./forwarding-part";
import { runPackage } from "./package-part";
import { PARTS, saveResult, type Part, type PartResult } from "./parts";
import { runPayload } from "./payload-part";
import { writeReport } from "./report";
import { runStop } from "./stop-part";
import { runBaseline } from "./baseline-part";

const RUNNERS: Record<Part, (runs: number) => Promise<PartResult>> = {
  payload: runPayload,
  forwarding: runForwarding,
  "control-plane": runControlPlane,
  package: runPackage,
  stop: runStop,
  baseline: runBaseline,
};

async function main(): Promise<void> {
  const runs = Number(process.env.BENCH_RUNS ?? 5);
  if (!Number.isInteger(runs) || runs < 1) throw new Error("BENCH_RUNS must be a positive integer");
  const asked = process.argv.slice(2);
  const unknown = asked.filter((a) => !(PARTS as readonly string[]).includes(a));
  if (unknown.length)
    throw new Error(`unknown part ${unknown.join(", ")}: the parts are ${PARTS.join(", ")}`);
  // The baseline part compares with an earlier commit: it runs when one is named.
  const parts = asked.length
    ? (asked as Part[])
    : PARTS.filter((part) => part !== "baseline" || process.env.BENCH_BASELINE);
  for (const part of parts) {
    console.log(`bench: ${part}`);
    await saveResult(part, await RUNNERS[part](runs));
  }
  await writeReport();
  console.log(`bench: wrote BENCHMARKS.md (${parts.join(", ")} measured now)`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : e);
  process.exit(1);
});
