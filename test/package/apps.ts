/**
 * Fresh CDK apps, made the way `cdk init` makes them, with the packed library installed from its
 * tarball: what a user of the package gets.
 */
import { execFileSync, type ExecFileSyncOptions } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const ROOT = join(__dirname, "..", "..");
const CDK = join(ROOT, "node_modules", ".bin", "cdk");

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

/** The app's own CLI: `cdk synth`, as its README says to run it. */
export const synth = (dir: string): string =>
  sh(join(dir, "node_modules", ".bin", "cdk"), ["synth", "--quiet"], { cwd: dir, env: WITHOUT_DOCKER });
