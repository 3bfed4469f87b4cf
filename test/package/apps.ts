/**
 * Fresh CDK apps, made the way `cdk init` makes them, with the packed library installed from its
 * tarball: what a user of the package gets.
 */
import { execFileSync, type ExecFileSyncOptions } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import { readmeSnippets } from "./readme-snippets";

export const ROOT = join(__dirname, "..", "..");
const CDK = join(ROOT, "node_modules", ".bin", "cdk");

const { peerDependencies } = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
/** The oldest releases the peer ranges allow, which the library's own tests run on. */
export const FLOOR = {
  awsCdkLib: peerDependencies["aws-cdk-lib"].replace(/^\^/, "") as string,
  constructs: peerDependencies.constructs.replace(/^\^/, "") as string,
};

/** Runs a command, failing with what it printed. */
export function sh(command: string, args: string[], options: ExecFileSyncOptions = {}): string {
  try {
    return execFileSync(command, args, {
      encoding: "utf8",
      stdio: "pipe",
      maxBuffer: 64 << 20,
      ...options,
    }) as string;
  } catch (e) {
    const { stdout, stderr } = e as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(" ")} failed:\n${stdout ?? ""}\n${stderr ?? ""}`, { cause: e });
  }
}

/** An environment where Docker cannot be found or reached, so that any bundling would fail. */
export const WITHOUT_DOCKER: NodeJS.ProcessEnv = {
  ...process.env,
  CDK_DOCKER: "/nonexistent/docker",
  DOCKER_HOST: "unix:///nonexistent/docker.sock",
};

export interface AppOptions {
  readonly language: "typescript" | "javascript";
  /** The aws-cdk-lib the app depends on (a version or a dist-tag). */
  readonly awsCdkLib: string;
  readonly constructs: string;
  /** The packed library. */
  readonly tarball: string;
}

/**
 * `cdk init app` in `dir`, then the library and the given aws-cdk-lib installed. Only what the app
 * needs to synthesize is kept: its unit-test tooling (jest, swc) is left out.
 */
export function initApp(dir: string, options: AppOptions): void {
  sh(CDK, ["init", "app", "--language", options.language, "--generate-only"], { cwd: dir });
  const manifestPath = join(dir, "package.json");
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
  for (const name of Object.keys(manifest.devDependencies ?? {})) {
    if (/^(jest|ts-jest|@swc\/.*)$/.test(name)) delete manifest.devDependencies[name];
  }
  manifest.dependencies = {
    ...manifest.dependencies,
    "aws-cdk-lib": options.awsCdkLib,
    constructs: options.constructs,
    "ec2-http-reset-peer": `file:${options.tarball}`,
  };
  writeFileSync(manifestPath, JSON.stringify(manifest, null, 2));
  sh("npm", ["install", "--no-audit", "--no-fund"], { cwd: dir, env: WITHOUT_DOCKER });
}

/** What `npm pack` made, as its JSON report gives it. */
export interface Packed {
  /** The tarball's path. */
  readonly tarball: string;
  readonly size: number;
  readonly unpackedSize: number;
  readonly entryCount: number;
  readonly files: { readonly path: string }[];
}

/** `npm pack` into `dir`: prepack builds everything the package ships from the sources first. */
export function pack(dir: string): Packed {
  const out = sh("npm", ["pack", "--json", "--pack-destination", dir], { cwd: ROOT });
  // The build's own output comes first; npm's report is the JSON array at the end.
  const [report] = JSON.parse(out.slice(out.search(/^\[$/m)));
  return { ...report, tarball: join(dir, report.filename) };
}

/** Makes the README's TypeScript quick start the app's program: as it is, or transpiled for a JavaScript app. */
export function useQuickStart(dir: string, language: AppOptions["language"]): string {
  const [quickStart] = readmeSnippets("ts");
  const code =
    language === "typescript"
      ? quickStart.code
      : ts.transpileModule(quickStart.code, {
          compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
        }).outputText;
  writeFileSync(join(dir, "bin", readdirSync(join(dir, "bin"))[0]), code);
  return quickStart.code;
}

/** The app's own CLI: `cdk synth`, as its README says to run it. */
export const synth = (dir: string): string =>
  sh(join(dir, "node_modules", ".bin", "cdk"), ["synth", "--quiet"], { cwd: dir, env: WITHOUT_DOCKER });
