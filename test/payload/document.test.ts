/** The document as a whole: what SSM requires of it, what the agent does with it, and shellcheck. */
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readdirSync } from "node:fs";
import { PARTS_DIR, programBundle, programFiles, programParts } from "../../scripts/program-parts";
import { renderDocument } from "../../scripts/render-document";
import { MAX_DURATION_SECONDS } from "../../lib/tunables";
import { documentText, downloadStepsOf, loadDocument, scriptOf, scriptStepOf } from "./support/document";

const doc = loadDocument();
const script = scriptOf(doc);
const SOURCES = join(__dirname, "..", "..", "ssm-documents", "src");
const SSM_DOCUMENT_LIMIT = 64 * 1024;

test("the committed document and program parts are rendered from the current sources (run `npm run render-document`)", () => {
  expect(documentText()).toBe(renderDocument());
  const parts = programParts();
  expect(readdirSync(PARTS_DIR).sort()).toEqual(parts.map((p) => `${p.name}.json`).sort());
  for (const part of parts)
    expect(readFileSync(join(PARTS_DIR, `${part.name}.json`), "utf8")).toBe(part.text);
});

test("is a Linux-only Command document: a download step for each program part, then the script", () => {
  expect(doc.schemaVersion).toBe("2.2");
  const parts = programParts();
  expect(doc.mainSteps.map((step) => step.action)).toEqual([
    ...parts.map(() => "aws:downloadContent"),
    "aws:runShellScript",
  ]);
  for (const step of doc.mainSteps)
    expect(step.precondition).toEqual({ StringEquals: ["platformType", "Linux"] });
  expect(downloadStepsOf(doc).map((step) => step.inputs)).toEqual(
    parts.map((part, i) => ({
      sourceType: "SSMDocument",
      sourceInfo: { name: `${part.name}:1` },
      destinationPath: `http-reset-peer/program-${i + 1}.json`,
    })),
  );
});

test("each program part is an inert Command document whose lines after the first are the program's, byte for byte", () => {
  const parts = programParts();
  expect(parts.length).toBeGreaterThan(1);
  const lines = parts.flatMap((part) => {
    const [step] = part.content.mainSteps;
    expect(step.inputs.runCommand[0]).toBe("exit 0");
    return step.inputs.runCommand.slice(1);
  });
  expect(Buffer.from(lines.map((line) => line + "\n").join(""))).toEqual(programBundle());
});

test("every parameter is passed as an environment variable and constrained", () => {
  for (const [name, spec] of Object.entries(doc.parameters)) {
    expect([name, spec.type, spec.interpolationType]).toEqual([name, "String", "ENV_VAR"]);
    expect(Boolean(spec.allowedPattern) !== Boolean(spec.allowedValues)).toBe(true);
  }
});

test("the step's timeout covers the longest fault and stays within what SSM accepts", () => {
  const timeout = scriptStepOf(doc).inputs.timeoutSeconds!;
  expect(timeout).toBeGreaterThan(MAX_DURATION_SECONDS);
  expect(timeout).toBeLessThanOrEqual(172800);
});

test("the program can grow to 200 KB of source, comments kept: its parts each fit SSM's 64 KiB, and the bootstrap takes them", () => {
  // The program as it is, and a module of its own lines over and over, up to 200 KB in all.
  const files = programFiles();
  const lines = files.flatMap((f) => f.content.toString("utf8").split("\n"));
  const grown: string[] = [];
  let size = files.reduce((n, f) => n + f.content.length, 0);
  for (let i = 0; size < 200 * 1024; i++) {
    grown.push(lines[i % lines.length]);
    size += Buffer.byteLength(lines[i % lines.length]) + 1;
  }
  const bundle = programBundle([
    ...files,
    { path: "http_reset_peer/grown.py", content: Buffer.from(grown.join("\n") + "\n") },
  ]);
  expect(bundle.length).toBeGreaterThan(200 * 1024);
  const parts = programParts(bundle);
  for (const part of parts) expect(Buffer.byteLength(part.text)).toBeLessThan(SSM_DOCUMENT_LIMIT);
  const dir = mkdtempSync(join(tmpdir(), "hrp-grown-"));
  try {
    const paths = parts.map((part, i) => {
      const path = join(dir, `program-${i + 1}.json`);
      writeFileSync(path, JSON.stringify(part.content));
      return path;
    });
    const sha256 = createHash("sha256").update(bundle).digest("hex");
    const check = spawnSync(
      "python3",
      ["-I", "-S", "-", "http-reset-peer", "check", "Inject", sha256, ...paths],
      {
        input: readFileSync(join(SOURCES, "bootstrap.py")),
      },
    );
    expect([check.status, check.stdout.toString()]).toEqual([0, ""]);
    console.log(`a program of ${bundle.length} bytes travels in ${parts.length} parts`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the document and each part fit SSM's 64 KiB, as committed and as CloudFormation passes them on", () => {
  expect(Buffer.byteLength(documentText())).toBeLessThan(SSM_DOCUMENT_LIMIT);
  expect(Buffer.byteLength(JSON.stringify(doc))).toBeLessThan(SSM_DOCUMENT_LIMIT);
  for (const part of programParts()) {
    expect(Buffer.byteLength(part.text)).toBeLessThan(SSM_DOCUMENT_LIMIT);
    expect(Buffer.byteLength(JSON.stringify(part.content))).toBeLessThan(SSM_DOCUMENT_LIMIT);
  }
});

test("the agent substitutes nothing in the script but the documented fallbacks", () => {
  const outside = script
    .split("\n")
    .filter((l) => l.includes("{{") && !/^if \[ -z "\$\{SSM_\w+\+x\}" \]/.test(l));
  expect(outside).toEqual([]);
});

test("never exits with a code the agent gives a meaning (168, 169, 194)", () => {
  const code = [script, ...programFiles().map((file) => file.content.toString("utf8"))].join("\n");
  const codes = [...code.matchAll(/\b(?:fail|exit)\s+(\d+)|EXIT_\w+ = (\d+)/g)].map((m) =>
    Number(m[1] ?? m[2]),
  );
  expect(codes.length).toBeGreaterThan(3);
  expect(codes.filter((c) => [168, 169, 194].includes(c))).toEqual([]);
});

const shellcheck = (() => {
  try {
    execFileSync("shellcheck", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();
if (!shellcheck && process.env.CI)
  throw new Error("shellcheck is not installed (bash scripts/test.sh installs it)");
(shellcheck ? test : test.skip)("shellcheck passes on the script as POSIX sh", () => {
  if (!shellcheck) console.warn("SKIPPED shellcheck: not installed");
  const dir = mkdtempSync(join(tmpdir(), "hrp-shellcheck-"));
  try {
    writeFileSync(join(dir, "_script.sh"), script);
    execFileSync("shellcheck", ["--shell=sh", "--severity=style", join(dir, "_script.sh")]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the bootstrap the script carries is ssm-documents/src/bootstrap.py, byte for byte", () => {
  const carried = /<<'BOOTSTRAP_PY'\n([\s\S]*?)\nBOOTSTRAP_PY\n/.exec(script)![1];
  expect(carried + "\n").toBe(readFileSync(join(SOURCES, "bootstrap.py"), "utf8"));
});

test("the bootstrap and every file of the program parse as Python 3.6, the oldest the document supports", () => {
  const sources = [
    readFileSync(join(SOURCES, "bootstrap.py"), "utf8"),
    ...programFiles().map((f) => f.content.toString()),
  ];
  execFileSync(
    "python3",
    [
      "-c",
      "import ast, json, sys\nfor source in json.load(sys.stdin): ast.parse(source, feature_version=(3, 6))",
    ],
    { input: JSON.stringify(sources) },
  );
});
