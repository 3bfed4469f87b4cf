/**
 * Files the constructs ship beside them: the SSM document and the task handlers, each bundled once
 * when the package is built (`npm run build`, `scripts/build-assets.ts`). They live at the package
 * root, above `lib/` in the repository and above `dist/lib/` once compiled, so they are found by
 * walking up to the nearest package.json.
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";

function packageRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, "package.json"))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`No package.json above ${__dirname}: the package is incomplete`);
    dir = parent;
  }
  return dir;
}

/** The absolute path of a file the package ships, failing with its name when it is missing. */
export function packageFile(...segments: string[]): string {
  const path = join(packageRoot(), ...segments);
  if (!existsSync(path)) {
    throw new Error(`The package lacks ${segments.join("/")}: build it with \`npm run build\``);
  }
  return path;
}

/** Where the bundle of one task handler is: a folder holding `index.js`. */
export const handlerAsset = (handler: string): string => packageFile("assets", "handlers", handler);

/** The SSM document's content as JSON, converted from `ssm-documents/http-reset-peer.yaml`. */
export const documentAsset = (): string => packageFile("assets", "http-reset-peer.json");

/** A part of the program the document fetches, as JSON, from `ssm-documents/program/<name>.json`. */
export const programPartAsset = (name: string): string => packageFile("assets", "program", `${name}.json`);
