/**
 * The package as users get it: packed, installed from the tarball into fresh CDK apps (TypeScript
 * on the oldest aws-cdk-lib the library supports, JavaScript on the newest release), used exactly as
 * the README shows, and synthesized with no esbuild in the app and no Docker to be found.
 */
import { TASK_HANDLERS } from "../../lib/task-functions";
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
import { HANDLER_NODE_MAJORS } from "../../lib/handler-runtime";
import { programParts } from "../../scripts/program-parts";
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
  /^ssm-documents\/program\/[A-Za-z0-9-]+\.json$/,
  /^dist\/lib\/([a-z-]+\/)?[a-z-]+\.(js|d\.ts)$/,
  /^assets\/http-reset-peer\.json$/,
  /^assets\/program\/[A-Za-z0-9-]+\.json$/,
  /^assets\/handlers\/[a-z-]+\/index\.js(\.LEGAL\.txt)?$/,
];

/** cdk-nag 3 on the app the cdk-nag checks run on (fixtures/nag-app.js, shared with test/construct/nag.test.ts). */
const NAG_CHECK = join(__dirname, "fixtures", "nag-check.js");

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
  expect(paths.filter((p) => p.endsWith("/index.js") && p.startsWith("assets/handlers/"))).toHaveLength(
    TASK_HANDLERS.length,
  );
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
      // The fault's document, its program's parts, and the command probes' document.
      "AWS::SSM::Document": 2 + programParts().length,
      "AWS::StepFunctions::StateMachine": 1,
      // One per handler: six task functions, and the hypothesis's steady-state check, sampler and
      // HTTP probes' function.
      "AWS::Lambda::Function": TASK_HANDLERS.length,
      "AWS::Scheduler::Schedule": 1,
      // The abort cleanup, the stop on an alarm (the quick start has one), the safety lever.
      "AWS::Events::Rule": 3,
      "AWS::SSM::Parameter": 1,
      "AWS::S3::Bucket": 1,
      "AWS::CloudWatch::Dashboard": 1,
    }),
    GameDayTarget: expect.objectContaining({
      // The fault's document and its program's parts.
      "AWS::SSM::Document": 1 + programParts().length,
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
  expect(functionAssets).toHaveLength(TASK_HANDLERS.length);
  for (const dir of functionAssets)
    expect(bundles.has(readFileSync(join(app, "cdk.out", dir, "index.js"), "utf8"))).toBe(true);
}

test("a TypeScript app on the aws-cdk-lib floor: the TypeScript snippets of the README and docs/ type-check, and the quick start synthesizes", () => {
  const app = join(work, "ts-app");
  mkdirSync(app);
  initApp(app, { language: "typescript", awsCdkLib: FLOOR.awsCdkLib, constructs: FLOOR.constructs, tarball });
  expect(
    JSON.parse(readFileSync(join(app, "node_modules", "aws-cdk-lib", "package.json"), "utf8")).version,
  ).toBe(FLOOR.awsCdkLib);
  const quickStart = useQuickStart(app, "typescript");
  rmSync(join(app, "lib"), { recursive: true });
  rmSync(join(app, "test"), { recursive: true, force: true });
  // Every other snippet, the README's and docs/'s, is a fragment: it is checked in a block after the quick start, with its names in scope.
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

/**
 * The newest releases on the registry move under us. Each of these tests checks one thing they
 * could change, and when it fails it says what changed upstream and what to do here; the app is
 * made once, so a failure of one leaves the others to run.
 */
describe("a JavaScript app on the newest aws-cdk-lib", () => {
  let app: string;
  let synthOutput: string;
  beforeAll(() => {
    app = join(work, "js-app");
    mkdirSync(app);
    initApp(app, { language: "javascript", awsCdkLib: "latest", constructs: "latest", tarball });
    useQuickStart(app, "javascript");
    synthOutput = synth(app);
  });

  test("synthesizes the quick start", () => {
    expect(existsSync(join(app, "node_modules", "esbuild"))).toBe(false);
    expectSynthesizedAsTheReadmeSays(app, synthOutput, []);
  });

  test("gives the functions the newest Node.js runtime that aws-cdk-lib offers", () => {
    const version = sh(process.execPath, ["-p", 'require("aws-cdk-lib/package.json").version'], {
      cwd: app,
    }).trim();
    const newest = sh(
      process.execPath,
      [
        "-p",
        `require("aws-cdk-lib/aws-lambda").Runtime.ALL.map((r) => /^nodejs(\\d+)\\.x$/.exec(r.name)).filter(Boolean).map((m) => Number(m[1])).sort((a, b) => b - a)[0]`,
      ],
      { cwd: app },
    ).trim();
    const template = JSON.parse(readFileSync(join(app, "cdk.out", "GameDay.template.json"), "utf8"));
    const runtimes = new Set(
      (Object.values(template.Resources) as { Type: string; Properties: { Runtime?: string } }[])
        .filter((r) => r.Type === "AWS::Lambda::Function")
        .map((r) => r.Properties.Runtime),
    );
    const running = [...runtimes].join(", ");
    if (runtimes.size === 1 && runtimes.has(`nodejs${newest}.x`)) return;
    if (HANDLER_NODE_MAJORS.includes(Number(newest))) {
      throw new Error(
        `aws-cdk-lib ${version} offers nodejs${newest}.x, which the handler bundles are tested on, yet the functions run ${running}: ` +
          "the default choice in lib/handler-runtime.ts is wrong.",
      );
    }
    throw new Error(
      `Upstream: aws-cdk-lib ${version}, the registry's newest, offers nodejs${newest}.x, and the functions run ${running}. ` +
        `The handler bundles are tested on Node.js ${HANDLER_NODE_MAJORS.join(" and ")} only, so the fault keeps them there and acknowledges ` +
        "cdk-nag's AwsSolutions-L1 and Serverless-LambdaLatestVersion with that reason. To do: add " +
        `${newest} to HANDLER_NODE_MAJORS in lib/handler-runtime.ts and its release to RELEASES in test/package/runtimes.test.ts, ` +
        "run that test, and say so in the runtime section of docs/architecture.md and the `runtime` prop's documentation.",
    );
  });

  test("cdk-nag 3's AwsSolutions and Serverless packs find nothing unacknowledged", () => {
    // cdk-nag 3 is a validation plugin, which needs aws-cdk-lib 2.257 or newer.
    sh("npm", ["install", "--no-audit", "--no-fund", "cdk-nag@3"], { cwd: app });
    const { awsCdkLib, cdkNag, findings, error } = JSON.parse(
      sh(process.execPath, [NAG_CHECK], { cwd: app }).trim().split("\n").pop()!,
    ) as NagCheck;
    if (findings.length) {
      const listed = findings.map(
        (f) => `  ${f.rule} (${f.severity}): ${f.description}\n    on ${f.constructs.join("\n    on ")}`,
      );
      throw new Error(
        `Upstream: cdk-nag ${cdkNag} on aws-cdk-lib ${awsCdkLib}, the registry's newest, reports ${findings.length} ` +
          `finding(s) that the constructs neither fix nor acknowledge:\n${listed.join("\n")}\n` +
          "To do: fix each where the resource is made, or acknowledge it there with `acknowledge` (lib/nag.ts) and a " +
          "reason a security reviewer would accept; test/construct/nag.test.ts runs the same app with cdk-nag 2.",
      );
    }
    expect(error).toBeNull();
  });
});

/** What test/package/fixtures/nag-check.js prints. */
interface NagCheck {
  readonly awsCdkLib: string;
  readonly cdkNag: string;
  readonly findings: { rule: string; severity: string; description: string; constructs: string[] }[];
  readonly error: string | null;
}
