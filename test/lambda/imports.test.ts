/**
 * The modules each handler's bundle is built from: every module it imports, at any depth, in
 * `lambda/` or in `lib/`. None may import aws-cdk-lib or constructs, which would add megabytes to
 * every bundle: what the constructs and the handlers share lives in `lib/` modules that import
 * nothing of the kind.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import * as ts from "typescript";
import { TASK_HANDLERS } from "../../lib/task-functions";

const ROOT = join(__dirname, "..", "..");

/** The module a relative import names, as TypeScript finds it. */
function resolveModule(from: string, specifier: string): string {
  const base = resolve(dirname(from), specifier);
  const found = [`${base}.ts`, join(base, "index.ts")].find((file) => existsSync(file));
  if (!found) throw new Error(`${relative(ROOT, from)} imports ${specifier}, which is not there`);
  return found;
}

/** Every module a handler takes in, each with the packages it imports. */
function modulesOf(handler: string): Map<string, string[]> {
  const modules = new Map<string, string[]>();
  const pending = [join(ROOT, "lambda", "handlers", `${handler}.ts`)];
  for (let file = pending.pop(); file; file = pending.pop()) {
    if (modules.has(file)) continue;
    const from = file;
    const specifiers = ts.preProcessFile(readFileSync(from, "utf8")).importedFiles.map((i) => i.fileName);
    const local = specifiers.filter((s) => s.startsWith("."));
    modules.set(
      from,
      specifiers.filter((s) => !local.includes(s)),
    );
    pending.push(...local.map((s) => resolveModule(from, s)));
  }
  return modules;
}

test.each(TASK_HANDLERS)("the %s handler takes in neither aws-cdk-lib nor constructs", (handler) => {
  const offending = [...modulesOf(handler)].flatMap(([file, packages]) =>
    packages
      .filter((p) => p === "constructs" || p === "aws-cdk-lib" || p.startsWith("aws-cdk-lib/"))
      .map((p) => `${relative(ROOT, file)} imports ${p}`),
  );
  expect(offending).toEqual([]);
});
