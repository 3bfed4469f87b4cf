/**
 * The package as users get it: packed, installed from the tarball into fresh CDK apps (TypeScript
 * on the oldest aws-cdk-lib the library supports, JavaScript on the newest release), used exactly as
 * the README shows, and synthesized with no esbuild in the app and no Docker to be found.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FLOOR, initApp, pack, ROOT, sh, synth, useQuickStart, type Packed } from "./apps";
import { readmeSnippets } from "./readme-snippets";

/** What the tarball may hold, and nothing else. */
const SHIPPED = [
  /^package\.json$/,
  /^README\.md$/,
  /^LICENSE$/,
  /^API\.md$/,
  /^\.jsii$/,
  /^ssm-documents\/http-reset-peer\.yaml$/,
  /^dist\/lib\/[a-z-]+\.(js|d\.ts)$/,
  /^assets\/http-reset-peer\.json$/,
  /^assets\/handlers\/[a-z-]+\/index\.js(\.LEGAL\.txt)?$/,
];

/** The app the cdk-nag checks run on, shared with test/construct/nag.test.ts. */
const NAG_APP = join(__dirname, "fixtures", "nag-app.js");

jest.setTimeout(15 * 60_000);

let work: string;
let tarball: string;
let packed: Packed;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "hrp-consumer-"));
  packed = pack(work);
  tarball = packed.tarball;
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

test("the tarball ships the build, the handler bundles, the document, README, LICENSE and API.md, and nothing else", () => {
  const paths = packed.files.map((f) => f.path);
  expect(paths.filter((p) => !SHIPPED.some((pattern) => pattern.test(p)))).toEqual([]);
  for (const required of [
    "dist/lib/index.js",
    "dist/lib/index.d.ts",
    ".jsii",
    "API.md",
    "LICENSE",
    "README.md",
  ])
    expect(paths).toContain(required);
  expect(paths.filter((p) => p.endsWith("/index.js") && p.startsWith("assets/handlers/"))).toHaveLength(6);
  console.log(`package: ${packed.size} bytes packed, ${packed.unpackedSize} unpacked, ${paths.length} files`);
});

/** Resources of every stack the app synthesized, by type. */
function resourcesOf(app: string): Record<string, Record<string, number>> {
  const out = join(app, "cdk.out");
  const stacks = readdirSync(out).filter((f) => f.endsWith(".template.json"));
  return Object.fromEntries(
    stacks.map((file) => {
      const template = JSON.parse(readFileSync(join(out, file), "utf8"));
      const counts: Record<string, number> = {};
      for (const r of Object.values(template.Resources) as { Type: string }[])
        counts[r.Type] = (counts[r.Type] ?? 0) + 1;
      return [file.replace(".template.json", ""), counts];
    }),
  );
}

/** Every copy of aws-cdk-lib the app's node_modules holds. */
const cdkLibCopies = (app: string): string[] =>
  sh("find", [
    join(app, "node_modules"),
    "-path",
    "*/aws-cdk-lib/package.json",
    "-not",
    "-path",
    "*/aws-cdk-lib/*/*",
  ])
    .split("\n")
    .filter(Boolean);

/** The packages in the app that depend on esbuild. */
function esbuildDependents(app: string): string[] {
  const lock = JSON.parse(readFileSync(join(app, "node_modules", ".package-lock.json"), "utf8"));
  return Object.entries(lock.packages as Record<string, Record<string, Record<string, string>>>)
    .filter(
      ([, p]) => p.dependencies?.esbuild ?? p.optionalDependencies?.esbuild ?? p.peerDependencies?.esbuild,
    )
    .map(([path]) => path);
}

/**
 * @param esbuildFor what the app itself holds esbuild for: `cdk init`'s TypeScript app runs
 * through tsx, which brings one; the library never does.
 */
function expectSynthesizedAsTheReadmeSays(app: string, output: string, esbuildFor: string[]): void {
  expect(resourcesOf(app)).toEqual({
    GameDay: expect.objectContaining({
      "AWS::SSM::Document": 1,
      "AWS::StepFunctions::StateMachine": 1,
      "AWS::Lambda::Function": 6,
      "AWS::Scheduler::Schedule": 1,
      // The abort cleanup, the stop on an alarm (the quick start has one), the safety lever.
      "AWS::Events::Rule": 3,
      "AWS::SSM::Parameter": 1,
      "AWS::S3::Bucket": 1,
      "AWS::CloudWatch::Dashboard": 1,
    }),
    GameDayTarget: expect.objectContaining({
      "AWS::SSM::Document": 1,
      "AWS::IAM::Role": 1,
      "AWS::IAM::Policy": 1,
    }),
  });
  const template = readFileSync(join(app, "cdk.out", "GameDay.template.json"), "utf8");
  // grantStartExecution: the game-day role may start the state machine.
  expect(template).toContain("states:StartExecution");
  expect(cdkLibCopies(app)).toEqual([join(app, "node_modules", "aws-cdk-lib", "package.json")]);
  // Nothing was bundled: the library brings no esbuild (nor anything else), the output shows no
  // bundling step, and each function's asset is the package's prebuilt bundle, byte for byte.
  const library = JSON.parse(
    readFileSync(join(app, "node_modules", "ec2-http-reset-peer", "package.json"), "utf8"),
  );
  expect(library.dependencies ?? {}).toEqual({});
  expect(esbuildDependents(app)).toEqual(esbuildFor);
  expect(output).not.toMatch(/Bundling asset/);
  const bundles = new Set(
    readdirSync(join(ROOT, "assets", "handlers")).map((h) =>
      readFileSync(join(ROOT, "assets", "handlers", h, "index.js"), "utf8"),
    ),
  );
  const functionAssets = readdirSync(join(app, "cdk.out")).filter((d) =>
    existsSync(join(app, "cdk.out", d, "index.js")),
  );
  expect(functionAssets).toHaveLength(6);
  for (const dir of functionAssets)
    expect(bundles.has(readFileSync(join(app, "cdk.out", dir, "index.js"), "utf8"))).toBe(true);
}

test("a TypeScript app on the aws-cdk-lib floor: the README's snippets type-check, and its quick start synthesizes", () => {
  const app = join(work, "ts-app");
  mkdirSync(app);
  initApp(app, { language: "typescript", awsCdkLib: FLOOR.awsCdkLib, constructs: FLOOR.constructs, tarball });
  expect(
    JSON.parse(readFileSync(join(app, "node_modules", "aws-cdk-lib", "package.json"), "utf8")).version,
  ).toBe(FLOOR.awsCdkLib);
  const quickStart = useQuickStart(app, "typescript");
  rmSync(join(app, "lib"), { recursive: true });
  rmSync(join(app, "test"), { recursive: true, force: true });
  // Every other snippet is a fragment: it is checked in a block after the quick start, with its names in scope.
  const fragments = readmeSnippets("ts")
    .slice(1)
    .map((snippet, n) => {
      const file = join(app, "bin", `snippet-${n}.ts`);
      writeFileSync(file, `${quickStart}\n{\n${snippet.code}\n}\n`);
      return file;
    });
  sh(join(app, "node_modules", ".bin", "tsc"), ["--noEmit", "-p", app]);
  for (const file of fragments) rmSync(file);
  expectSynthesizedAsTheReadmeSays(app, synth(app), ["node_modules/tsx"]);
});

test("a JavaScript app on the newest aws-cdk-lib: the quick start synthesizes, and cdk-nag 3 finds nothing unacknowledged", () => {
  const app = join(work, "js-app");
  mkdirSync(app);
  initApp(app, { language: "javascript", awsCdkLib: "latest", constructs: "latest", tarball });
  useQuickStart(app, "javascript");
  expect(existsSync(join(app, "node_modules", "esbuild"))).toBe(false);
  expectSynthesizedAsTheReadmeSays(app, synth(app), []);

  // cdk-nag 3 (a validation plugin, which needs aws-cdk-lib 2.257 or newer) finds nothing unacknowledged.
  sh("npm", ["install", "--no-audit", "--no-fund", "cdk-nag@3"], { cwd: app });
  const check = `
    const cdk = require("aws-cdk-lib");
    const { AwsSolutionsChecks, ServerlessChecks } = require("cdk-nag");
    const { app } = require(${JSON.stringify(NAG_APP)})({ cdk, library: require("ec2-http-reset-peer") });
    cdk.Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
    app.synth();`;
  sh(process.execPath, ["-e", check], { cwd: app });
});
