/**
 * Renders `ssm-documents/http-reset-peer.yaml` from the payload's sources and the tunables, and
 * the program's parts beside it (`ssm-documents/program/`, see scripts/program-parts.ts): the
 * document's first steps fetch the parts, its last runs its script, which runs the program. The
 * rendered files are committed, so that the documents can be used on their own; a test checks they
 * are up to date. Run `npm run render-document` after changing anything under `ssm-documents/src`.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Document, Scalar } from "yaml";
import { pinnedPart, SCRIPT_STEP } from "../lib/document-names";
import {
  DOCUMENT_ONLY_PARAMETERS,
  MAX_DURATION_SECONDS,
  MAX_OBSERVE_SECONDS,
  TUNABLES,
} from "../lib/tunables";
import {
  PARTS_DIR,
  programBundle,
  programParts,
  programSha256,
  SOURCES,
  type ProgramPart,
} from "./program-parts";

export const DOCUMENT_PATH = join(__dirname, "..", "ssm-documents", "http-reset-peer.yaml");

/** Room, beyond the longest fault and the watch after it, for installing dependencies and restoring the instance. */
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
    TUNABLES.OBSERVE_RECOVERY_SECONDS,
    TUNABLES.INSTALL_DEPENDENCIES,
    TUNABLES.PROXY,
  ].map((t) => ({ name: t.documentParameter, ...t })),
  { name: "ExperimentId", ...DOCUMENT_ONLY_PARAMETERS.ExperimentId },
];

/** Where each part is fetched to, relative to the folder the agent runs the script in. */
const partPath = (index: number): string => `http-reset-peer/program-${index}.json`;

function script(parts: readonly ProgramPart[], sha256: string): string {
  const source = (name: string) => readFileSync(join(SOURCES, name), "utf8").trimEnd();
  const fallbacks = DOCUMENT_PARAMETERS.map(
    (p) => `if [ -z "\${SSM_${p.name}+x}" ]; then export SSM_${p.name}="{{ ${p.name} }}"; fi`,
  );
  const checks = DOCUMENT_PARAMETERS.map(
    (p) => `  ${p.name} "$SSM_${p.name}" '${shellPattern(p)}' '${p.maxLength ?? ""}'`,
  );
  return source("payload.sh")
    .replace("@PARAMETER_FALLBACKS@", () => fallbacks.join("\n"))
    .replace("@PARAMETER_CHECKS@", () => ["check_parameters \\", checks.join(" \\\n")].join("\n"))
    .replace("@PROGRAM_SHA256@", () => sha256)
    .replace("@PROGRAM_PARTS@", () => parts.map((_, i) => partPath(i + 1)).join(" "))
    .replace("@BOOTSTRAP_PY@", () => source("bootstrap.py"));
}

/** One download step a part: the agent fetches it with ssm:GetDocument, under the instance's own credentials. */
const downloadSteps = (parts: readonly ProgramPart[]) =>
  parts.map((part, i) => ({
    action: "aws:downloadContent",
    name: `FetchProgramPart${i + 1}`,
    precondition: { StringEquals: ["platformType", "Linux"] },
    inputs: {
      sourceType: "SSMDocument",
      sourceInfo: { name: pinnedPart(part.name) },
      destinationPath: partPath(i + 1),
    },
  }));

export function renderDocument(bundle: Buffer = programBundle()): string {
  const parts = programParts(bundle);
  const sha256 = programSha256(bundle);
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
  const runCommand = new Scalar(script(parts, sha256) + "\n");
  runCommand.type = Scalar.BLOCK_LITERAL;
  const doc = new Document({
    schemaVersion: "2.2",
    description:
      "EC2 HTTP reset peer: for DurationSeconds, every inbound TCP connection to TargetServicePort is " +
      "reset (clients see 'connection reset by peer'), then the instance is restored. Linux only.",
    parameters,
    mainSteps: [
      ...downloadSteps(parts),
      {
        action: "aws:runShellScript",
        name: SCRIPT_STEP,
        precondition: { StringEquals: ["platformType", "Linux"] },
        inputs: {
          timeoutSeconds: MAX_DURATION_SECONDS + MAX_OBSERVE_SECONDS + STEP_TIMEOUT_MARGIN_SECONDS,
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

/** Writes the document and its program's parts, and removes parts of an earlier program. */
export function writeDocuments(): void {
  const bundle = programBundle();
  const parts = programParts(bundle);
  writeFileSync(DOCUMENT_PATH, renderDocument(bundle));
  mkdirSync(PARTS_DIR, { recursive: true });
  for (const file of readdirSync(PARTS_DIR)) rmSync(join(PARTS_DIR, file));
  for (const part of parts) writeFileSync(join(PARTS_DIR, `${part.name}.json`), part.text);
}

if (require.main === module) writeDocuments();
