/**
 * The package (item 10): what a user downloads and deploys, and what it adds to their synthesis.
 * Packs the library as `npm pack` does (building it), weighs the tarball and each handler bundle,
 * and times `cdk synth` of fresh `cdk init` apps with the README's quick start beside the same
 * apps with nothing in them. Needs no root; reaches only the npm registry, to install the apps.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { FLOOR, initApp, pack, ROOT, sh, synth, useQuickStart } from "../test/package/apps";
import { loadAverage, machine } from "./machine";
import { markdownTable } from "./markdown";
import { progress, type PartResult } from "./parts";
import { formatSpread, spread } from "./statistics";

const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;

interface AppTimes {
  readonly label: string;
  readonly empty: number[];
  readonly withFault: number[];
}

/** Milliseconds of each `cdk synth` of the app, `runs` times. */
function synthTimes(app: string, runs: number): number[] {
  return Array.from({ length: runs }, () => {
    rmSync(join(app, "cdk.out"), { recursive: true, force: true });
    const start = performance.now();
    synth(app);
    return performance.now() - start;
  });
}

function measureApp(
  work: string,
  language: "typescript" | "javascript",
  versions: { awsCdkLib: string; constructs: string },
  tarball: string,
  runs: number,
): AppTimes {
  const app = join(work, language);
  mkdirSync(app);
  initApp(app, { language, ...versions, tarball });
  const empty = synthTimes(app, runs);
  useQuickStart(app, language);
  const withFault = synthTimes(app, runs);
  const lib = JSON.parse(readFileSync(join(app, "node_modules", "aws-cdk-lib", "package.json"), "utf8"));
  return {
    label: `${language === "typescript" ? "TypeScript" : "JavaScript"}, aws-cdk-lib ${lib.version}`,
    empty,
    withFault,
  };
}

export async function runPackage(runs: number): Promise<PartResult> {
  const started = Date.now();
  const loadAtStart = loadAverage();
  const work = mkdtempSync(join(tmpdir(), "hrp-bench-package-"));
  try {
    progress("packing", started);
    const packed = pack(work);
    const bundles = readdirSync(join(ROOT, "assets", "handlers")).map((handler) => {
      const code = readFileSync(join(ROOT, "assets", "handlers", handler, "index.js"));
      return [handler, kib(code.length), kib(gzipSync(code).length)];
    });
    progress("TypeScript app on the floor", started);
    const tsApp = measureApp(work, "typescript", FLOOR, packed.tarball, runs);
    progress("JavaScript app on the newest aws-cdk-lib", started);
    const jsApp = measureApp(
      work,
      "javascript",
      { awsCdkLib: "latest", constructs: "latest" },
      packed.tarball,
      runs,
    );
    const seconds = (values: number[]) =>
      formatSpread(spread(values.map((ms) => ms / 1000)), (n) => n.toFixed(1));
    const section = `Built and packed as \`npm pack\` does, then installed from the tarball into fresh \`cdk init\` apps
(\`test/package/apps.ts\`, as the package test does). Synthesis times are of the app's own \`cdk synth --quiet\`, ${runs}
runs each, first with the app as \`cdk init\` made it (one empty stack), then with the README's quick start (the fault,
an alarm, a role, a schedule, and \`HttpResetPeerTarget\` in a second stack): the difference is what the fault adds.

${markdownTable(
  ["Package", ""],
  [
    ["tarball (`npm pack`)", kib(packed.size)],
    ["unpacked", kib(packed.unpackedSize)],
    ["files", String(packed.entryCount)],
  ],
)}

${markdownTable(["Handler bundle", "index.js", "gzip"], bundles)}

${markdownTable(
  ["`cdk synth`, s: median (min–max)", "the app as `cdk init` made it", "with the README's quick start"],
  [tsApp, jsApp].map((a) => [a.label, seconds(a.empty), seconds(a.withFault)]),
)}`;
    return {
      date: new Date().toISOString().slice(0, 10),
      seconds: Math.round((Date.now() - started) / 1000),
      runs,
      machine: machine(),
      software: `npm ${sh("npm", ["--version"]).trim()}`,
      load: `${loadAtStart} at the start, ${loadAverage()} at the end`,
      section,
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
