/**
 * Files the constructs ship beside them: the SSM document and the Lambda handlers' sources. They
 * live at the package root, which is one level above `lib/` in the repository and two above
 * `dist/lib/` once compiled, so it is found by walking up to the nearest package.json.
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
  if (!existsSync(path)) throw new Error(`The package lacks ${segments.join("/")}`);
  return path;
}
