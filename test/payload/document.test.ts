/** The document as a whole: what SSM requires of it, what the agent does with it, and shellcheck. */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { renderDocument } from "../../scripts/render-document";
import { MAX_DURATION_SECONDS } from "../../lib/tunables";
import { documentText, loadDocument, scriptOf } from "./support/document";

const doc = loadDocument();
const script = scriptOf(doc);

test("the committed document is rendered from the current sources (run `npm run render-document`)", () => {
  expect(documentText()).toBe(renderDocument());
});

test("is a Linux-only Command document of one runShellScript step", () => {
  expect(doc.schemaVersion).toBe("2.2");
  expect(doc.mainSteps).toHaveLength(1);
  expect(doc.mainSteps[0]).toMatchObject({
    action: "aws:runShellScript",
    precondition: { StringEquals: ["platformType", "Linux"] },
  });
});

test("every parameter is passed as an environment variable and constrained", () => {
  for (const [name, spec] of Object.entries(doc.parameters)) {
    expect([name, spec.type, spec.interpolationType]).toEqual([name, "String", "ENV_VAR"]);
    expect(Boolean(spec.allowedPattern) !== Boolean(spec.allowedValues)).toBe(true);
  }
});

test("the step's timeout covers the longest fault and stays within what SSM accepts", () => {
  const timeout = doc.mainSteps[0].inputs.timeoutSeconds;
  expect(timeout).toBeGreaterThan(MAX_DURATION_SECONDS);
  expect(timeout).toBeLessThanOrEqual(172800);
});

test("fits the SSM document size limit of 64 KiB", () => {
  expect(Buffer.byteLength(documentText())).toBeLessThan(64 * 1024);
});

test("the agent substitutes nothing in the script but the documented fallbacks", () => {
  const outside = script
    .split("\n")
    .filter((l) => l.includes("{{") && !/^if \[ -z "\$\{SSM_\w+\+x\}" \]/.test(l));
  expect(outside).toEqual([]);
});

test("never exits with a code the agent gives a meaning (168, 169, 194)", () => {
  const codes = [...script.matchAll(/\b(?:fail|exit)\s+(\d+)|EXIT_\w+ = (\d+)/g)].map((m) =>
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

const embedded = /<<'RESET_PEER_PY'.*\n([\s\S]*?)\nRESET_PEER_PY\n/.exec(script)![1];

test("the embedded Python parses as Python 3.6, the oldest the document supports", () => {
  execFileSync("python3", ["-c", "import ast, sys; ast.parse(sys.stdin.read(), feature_version=(3, 6))"], {
    input: embedded,
  });
});

test("the embedded Python is the program of ssm-documents/src, less its docstrings and comments", () => {
  // Both parsed by Python, the source's docstrings taken out of its tree: the trees must be equal.
  const program = String.raw`
import ast, json, sys
source, embedded = json.load(sys.stdin)
tree = ast.parse(source)
for node in ast.walk(tree):
    body = getattr(node, "body", None)
    if isinstance(body, list) and body and isinstance(body[0], ast.Expr) \
            and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
        del body[0]
print(ast.dump(tree) == ast.dump(ast.parse(embedded)))
`;
  const source = readFileSync(join(__dirname, "..", "..", "ssm-documents", "src", "reset_peer.py"), "utf8");
  const same = execFileSync("python3", ["-c", program], { input: JSON.stringify([source, embedded]) });
  expect(same.toString().trim()).toBe("True");
});
