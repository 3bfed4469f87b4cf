/**
 * The handler bundles on each Node.js the functions may get (lib/handler-runtime.ts), run by that
 * Node.js itself: the official Linux build, installed from the npm registry's node-linux-<arch>
 * packages, which hold the binary in the package (no install script, no download of their own).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HANDLER_NODE_MAJORS } from "../../lib/handler-runtime";
import { TASK_HANDLERS } from "../../lib/task-functions";
import { ROOT, sh } from "./apps";

/**
 * The release of each tested major, pinned so that a run tests what the last one did. A major
 * added to HANDLER_NODE_MAJORS needs its release here: the test below says so.
 */
const RELEASES: Record<number, string> = { 24: "24.22.3", 26: "26.12.1" };

const ARCHES: Record<string, string> = { x64: "x64", arm64: "arm64" };
const arch = process.platform === "linux" ? ARCHES[process.arch] : undefined;

jest.setTimeout(5 * 60_000);

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), "hrp-runtimes-"));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

test("every Node.js major the bundles are built for has a pinned release to test them on", () => {
  expect(Object.keys(RELEASES).map(Number)).toEqual([...HANDLER_NODE_MAJORS]);
});

/**
 * What each Node.js runs: it loads every bundle (its whole module graph: the SDK clients,
 * Powertools, Middy) and calls the target resolution with an input it must refuse, which goes
 * through every middleware and ends in the contract's named error before any AWS call.
 */
const PROBE = `
  const handlers = ${JSON.stringify(TASK_HANDLERS)};
  const loaded = handlers.map((h) => [h, typeof require(${JSON.stringify(join(ROOT, "assets", "handlers"))} + "/" + h + "/index.js").handler]);
  const { handler } = require(${JSON.stringify(join(ROOT, "assets", "handlers", "resolve-targets", "index.js"))});
  const context = { functionName: "probe", awsRequestId: "1", getRemainingTimeInMillis: () => 60000 };
  handler({ input: { TARGET_SERVICE_PORT: "http" }, executionName: "probe" }, context).then(
    () => console.log(JSON.stringify({ loaded, refused: null })),
    (e) => console.log(JSON.stringify({ version: process.version, loaded, refused: e.name + ": " + e.message })),
  );`;

const tested = arch ? test.each(HANDLER_NODE_MAJORS.map((major) => [major])) : test.skip.each([[0]]);
if (!arch)
  console.warn(
    `SKIPPED: no official Node.js build for ${process.platform}/${process.arch} to run the bundles on`,
  );

tested("Node.js %i loads every handler bundle and runs one through its middleware", (major) => {
  const alias = `node${major}`;
  sh("npm", [
    "install",
    "--no-save",
    "--no-audit",
    "--no-fund",
    "--prefix",
    scratch,
    `${alias}@npm:node-linux-${arch}@${RELEASES[major]}`,
  ]);
  const node = join(scratch, "node_modules", alias, "bin", "node");
  const out = execFileSync(node, ["-e", PROBE], {
    encoding: "utf8",
    // The handler logs the refusal to stderr, as Lambda would: not this test's output.
    stdio: ["ignore", "pipe", "pipe"],
    env: { PATH: process.env.PATH, POWERTOOLS_SERVICE_NAME: "http-reset-peer", AWS_REGION: "eu-west-1" },
  });
  const result = JSON.parse(out.trim().split("\n").pop()!);
  expect(result.version).toBe(`v${RELEASES[major]}`);
  expect(result.loaded).toEqual(TASK_HANDLERS.map((h) => [h, "function"]));
  expect(result.refused).toMatch(/^InvalidInputError: The execution input is invalid: TARGET_SERVICE_PORT/);
});
