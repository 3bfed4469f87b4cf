/**
 * Builds what the constructs load at synthesis, once, when the package is built: each task handler
 * bundled with its dependencies (the AWS SDK clients and Powertools included, so that the functions
 * run the versions the handlers were tested with) into `assets/handlers/<name>/index.js`, and the
 * SSM document and its program's parts as JSON (`assets/http-reset-peer.json`, `assets/program/`). A consumer's synthesis then bundles nothing: no esbuild, no Docker, no
 * lockfile. The output depends only on the sources and the locked dependencies, so the same
 * package always gives the same asset hashes.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildSync } from "esbuild";
import { parse } from "yaml";
import { BUNDLE_TARGET } from "../lib/handler-runtime";
import { TASK_HANDLERS } from "../lib/task-functions";
import { PARTS_DIR } from "./program-parts";
import { DOCUMENT_PATH } from "./render-document";

const ROOT = join(__dirname, "..");
const ASSETS = join(ROOT, "assets");

export function buildAssets(): void {
  rmSync(ASSETS, { recursive: true, force: true });
  for (const handler of TASK_HANDLERS) {
    buildSync({
      entryPoints: [join(ROOT, "lambda", "handlers", `${handler}.ts`)],
      outfile: join(ASSETS, "handlers", handler, "index.js"),
      bundle: true,
      platform: "node",
      // The oldest Node.js the functions may run (lib/handler-runtime.ts), so that the bundles run on each.
      target: BUNDLE_TARGET,
      format: "cjs",
      minify: true,
      // Minified, yet a stack trace still names each function (see docs/architecture.md: "Handler bundles").
      keepNames: true,
      sourcemap: false,
      // The licence notices of what is bundled, beside the bundle.
      legalComments: "external",
      logLevel: "warning",
    });
  }
  mkdirSync(join(ASSETS, "program"), { recursive: true });
  const document = parse(readFileSync(DOCUMENT_PATH, "utf8"));
  writeFileSync(join(ASSETS, "http-reset-peer.json"), JSON.stringify(document));
  for (const file of readdirSync(PARTS_DIR)) {
    writeFileSync(
      join(ASSETS, "program", file),
      JSON.stringify(JSON.parse(readFileSync(join(PARTS_DIR, file), "utf8"))),
    );
  }
}

if (require.main === module) buildAssets();
