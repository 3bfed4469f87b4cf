/**
 * Renders `ssm-documents/http-reset-peer.yaml` from the payload's sources and the tunables.
 * The rendered file is committed, so that the document can be used on its own; a test checks it
 * is up to date. Run `npm run render-document` after changing anything under `ssm-documents/src`.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Document, Scalar } from "yaml";
import { DOCUMENT_ONLY_PARAMETERS, MAX_DURATION_SECONDS, TUNABLES } from "../lib/tunables";

export const DOCUMENT_PATH = join(__dirname, "..", "ssm-documents", "http-reset-peer.yaml");
const SOURCES = join(__dirname, "..", "ssm-documents", "src");

/** Room, beyond the longest fault, for installing dependencies and restoring the instance. */
export const STEP_TIMEOUT_MARGIN_SECONDS = 900;

interface DocumentParameter {
  readonly name: string;
  readonly description: string;
  readonly default: string;
  readonly pattern: string;
  readonly maxLength?: number;
  readonly values?: readonly string[];
}

/**
 * The pattern the payload's shell checks a parameter with: the document's, where a parameter with
 * a `maxLength` has its long bounded repetitions (`{1,512}`) opened (`{1,}`), its length being
 * checked apart.
 */
export const shellPattern = (p: DocumentParameter): string =>
  p.maxLength === undefined ? p.pattern : p.pattern.replace(/\{([0-9]+),[0-9]{3,}\}/g, "{$1,}");

/** The document's parameters, in the order the document lists them. */
export const DOCUMENT_PARAMETERS: readonly DocumentParameter[] = [
  { name: "Action", ...DOCUMENT_ONLY_PARAMETERS.Action },
  ...[
    TUNABLES.TARGET_SERVICE_PORT,
    TUNABLES.NETWORK_INTERFACE,
    TUNABLES.TOTAL_CHAOS_DURATION,
    TUNABLES.RESET_PERCENTAGE,
    TUNABLES.RESET_AT,
    TUNABLES.RESET_AFTER_BYTES,
    TUNABLES.RESET_METHODS,
    TUNABLES.RESET_PATHS,
    TUNABLES.INSTALL_DEPENDENCIES,
    TUNABLES.PROXY,
  ].map((t) => ({ name: t.documentParameter, ...t })),
  { name: "ExperimentId", ...DOCUMENT_ONLY_PARAMETERS.ExperimentId },
];

/**
 * The program's code as Python reads it, with the lines that continue an open bracket joined to
 * the line that opened it, and without comments. Strings are kept whole: a quote opens one, the
 * same quote not escaped ends it (the program has no triple-quoted strings but its docstrings).
 */
function joinedLines(code: string): string {
  let out = "";
  let depth = 0;
  for (let i = 0; i < code.length; i++) {
    const c = code[i];
    if (c === "'" || c === '"') {
      let end = i + 1;
      while (code[end] !== c) end += code[end] === "\\" ? 2 : 1;
      out += code.slice(i, end + 1);
      i = end;
    } else if (c === "#") {
      while (code[i + 1] !== "\n") i++;
    } else if (c === "\n" && depth > 0) {
      while (code[i + 1] === " ") i++;
      out += "([{".includes(out[out.length - 1]) || ")]}".includes(code[i + 1]) ? "" : " ";
    } else {
      depth += "([{".includes(c) ? 1 : ")]}".includes(c) ? -1 : 0;
      out += c;
    }
  }
  return out;
}

/**
 * The program as the document embeds it: without its docstrings and comments, which are read in
 * `ssm-documents/src` and would take a third of SSM's 64 KiB, with each statement on one line, and
 * with a space for each level of indentation (Python asks only that a block's lines agree). A test
 * checks that what is left parses to the same program.
 */
export function compactProgram(source: string): string {
  const code = joinedLines(source.replace(/^[ \t]*"""[\s\S]*?"""[ \t]*\n/gm, ""))
    .replace(/[ \t]+$/gm, "")
    .replace(/^\n/gm, "")
    .replace(/^ +/gm, (spaces) => " ".repeat(Math.ceil(spaces.length / 4)));
  return `# EC2 HTTP reset peer: ssm-documents/src/reset_peer.py, read there with its documentation.\n${code}`;
}

/**
 * The script as the document carries it: without the full-line comments past its header, which
 * are read in `ssm-documents/src`, and with a space for each level of indentation; shellcheck's
 * directives stay.
 */
function compactScript(source: string): string {
  const lines = source.split("\n");
  const body = lines.findIndex((line) => !line.startsWith("#"));
  const kept = lines
    .slice(body)
    .filter((line) => !/^\s*#(?! shellcheck )/.test(line))
    .map((line) => line.replace(/^ +/, (spaces) => " ".repeat(Math.ceil(spaces.length / 2))));
  return [...lines.slice(0, body), ...kept].join("\n");
}

function script(): string {
  const source = (name: string) => readFileSync(join(SOURCES, name), "utf8").trimEnd();
  const fallbacks = DOCUMENT_PARAMETERS.map(
    (p) => `if [ -z "\${SSM_${p.name}+x}" ]; then export SSM_${p.name}="{{ ${p.name} }}"; fi`,
  );
  const checks = DOCUMENT_PARAMETERS.map(
    (p) => `  ${p.name} "$SSM_${p.name}" '${shellPattern(p)}' '${p.maxLength ?? ""}'`,
  );
  return compactScript(source("payload.sh"))
    .replace("@PARAMETER_FALLBACKS@", () => fallbacks.join("\n"))
    .replace("@PARAMETER_CHECKS@", () => ["check_parameters \\", checks.join(" \\\n")].join("\n"))
    .replace("@RESET_PEER_PY@", () => compactProgram(source("reset_peer.py")));
}

export function renderDocument(): string {
  const parameters = Object.fromEntries(
    DOCUMENT_PARAMETERS.map((p) => [
      p.name,
      {
        type: "String",
        description: p.description,
        default: p.default,
        ...(p.values ? { allowedValues: p.values } : { allowedPattern: p.pattern }),
        interpolationType: "ENV_VAR",
      },
    ]),
  );
  const runCommand = new Scalar(script() + "\n");
  runCommand.type = Scalar.BLOCK_LITERAL;
  const doc = new Document({
    schemaVersion: "2.2",
    description:
      "EC2 HTTP reset peer: for DurationSeconds, every inbound TCP connection to TargetServicePort is " +
      "reset (clients see 'connection reset by peer'), then the instance is restored. Linux only.",
    parameters,
    mainSteps: [
      {
        action: "aws:runShellScript",
        name: "HttpResetPeer",
        precondition: { StringEquals: ["platformType", "Linux"] },
        inputs: {
          timeoutSeconds: MAX_DURATION_SECONDS + STEP_TIMEOUT_MARGIN_SECONDS,
          runCommand: [runCommand],
        },
      },
    ],
  });
  doc.commentBefore =
    " Rendered from ssm-documents/src by `npm run render-document`: edit those files, not this one.";
  // Sequences flush with their key: the script's lines, indented less, keep the document within
  // SSM's 64 KiB.
  return doc.toString({ lineWidth: 0, indentSeq: false });
}

if (require.main === module) {
  writeFileSync(DOCUMENT_PATH, renderDocument());
}
