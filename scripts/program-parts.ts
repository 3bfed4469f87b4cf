/**
 * The program the document runs, as it travels: every file of `ssm-documents/src/http_reset_peer`
 * in one bundle, byte for byte, each after a header line naming it and giving its length, and the
 * bundle cut into parts, each an SSM Command document of its own that the main document fetches
 * with `aws:downloadContent` (ssm-documents/src/bootstrap.py reads them on the instance). A part's
 * name carries the SHA-256 of what it holds, so one deployment's document can only ever fetch its
 * own program.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { FaultDocument } from "../lib/fault-document";
import { partName } from "../lib/document-names";

export const SOURCES = join(__dirname, "..", "ssm-documents", "src");
/** The program's package. */
export const PROGRAM_PACKAGE = join(SOURCES, "http_reset_peer");
/** Where the rendered parts are committed, one JSON document each, for use without the constructs. */
export const PARTS_DIR = join(__dirname, "..", "ssm-documents", "program");

/**
 * The most a part may take, in bytes, in the form it is committed in (one program line a line,
 * the most it ever takes): SSM refuses a document over 64 KiB (CreateDocument's
 * `MaxDocumentSizeExceeded`), and this leaves room for whatever whitespace a deployment tool adds.
 */
export const PART_BUDGET = 62 * 1024;

/** The first line of every part's script: sent on its own, a part does nothing. */
const INERT = "exit 0";

export interface ProgramFile {
  /** Relative to ssm-documents/src, with forward slashes. */
  readonly path: string;
  readonly content: Buffer;
}

export interface ProgramPart {
  /** The document's name under the default document name; see `partName`. */
  readonly name: string;
  /** The document's content. */
  readonly content: PartContent;
  /** The content as committed in ssm-documents/program/<name>.json. */
  readonly text: string;
}

export interface PartContent {
  readonly schemaVersion: "2.2";
  readonly description: string;
  readonly mainSteps: readonly [
    {
      readonly action: "aws:runShellScript";
      readonly name: "ProgramPart";
      readonly precondition: { readonly StringEquals: readonly ["platformType", "Linux"] };
      readonly inputs: { readonly runCommand: readonly string[] };
    },
  ];
}

const sha256 = (data: string | Buffer): string => createHash("sha256").update(data).digest("hex");

/** Every file of the program's package, sorted by path. */
export function programFiles(): ProgramFile[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir)
      .filter((name) => name !== "__pycache__")
      .flatMap((name) =>
        statSync(join(dir, name)).isDirectory() ? walk(join(dir, name)) : [join(dir, name)],
      );
  return walk(PROGRAM_PACKAGE)
    .filter((path) => path.endsWith(".py"))
    .map((path) => ({ path: relative(SOURCES, path).split("\\").join("/"), content: readFileSync(path) }))
    .sort((a, b) => (a.path < b.path ? -1 : 1));
}

/** The line before each file in the bundle. */
export const fileHeader = (file: ProgramFile): string =>
  `# ==> ${file.path} (${file.content.length} bytes) <==`;

/** The bundle: each file after its header. Every file ends with a newline, so the bundle is lines. */
export function programBundle(files: ProgramFile[] = programFiles()): Buffer {
  for (const file of files) {
    if (!file.content.toString("utf8").endsWith("\n"))
      throw new Error(`${file.path} does not end with a newline`);
  }
  return Buffer.concat(files.flatMap((file) => [Buffer.from(fileHeader(file) + "\n"), file.content]));
}

/** The SHA-256 of the bundle, which the main document's script checks. */
export const programSha256 = (bundle: Buffer = programBundle()): string => sha256(bundle);

/**
 * The part as committed: JSON with each program line on a line of its own, unindented, so that a
 * change to the program shows as a change of the same lines.
 */
function partText(content: PartContent): string {
  const [step] = content.mainSteps;
  const head = JSON.stringify({ ...content, mainSteps: [{ ...step, inputs: { runCommand: [] } }] });
  const [before, after] = head.split('"runCommand":[]');
  return `${before}"runCommand":[\n${step.inputs.runCommand.map((line) => JSON.stringify(line)).join(",\n")}\n]${after}\n`;
}

function partContent(index: number, count: number, lines: string[]): PartContent {
  return {
    schemaVersion: "2.2",
    description:
      `EC2 HTTP reset peer: part ${index} of ${count} of the program that the fault's document runs as root. ` +
      "The lines after the first hold the program's files, each after a header naming it; the document " +
      "fetches this part and runs the program only if its SHA-256 is the one the document carries. " +
      "Sent on its own, this document does nothing.",
    mainSteps: [
      {
        action: "aws:runShellScript",
        name: "ProgramPart",
        precondition: { StringEquals: ["platformType", "Linux"] },
        inputs: { runCommand: [INERT, ...lines] },
      },
    ],
  };
}

/** The bundle cut at line ends into as few parts as fit the budget, in order. */
export function programParts(bundle: Buffer = programBundle()): ProgramPart[] {
  const lines = bundle.toString("utf8").split("\n").slice(0, -1);
  const groups: string[][] = [[]];
  // What one line adds to a part: itself as a JSON string, the comma and the line end.
  const cost = (line: string) => Buffer.byteLength(JSON.stringify(line)) + 2;
  const overhead = Buffer.byteLength(partText(partContent(99, 99, [])));
  let size = overhead;
  for (const line of lines) {
    if (size + cost(line) > PART_BUDGET && groups[groups.length - 1].length) {
      groups.push([]);
      size = overhead;
    }
    groups[groups.length - 1].push(line);
    size += cost(line);
  }
  return groups.map((group, i) => {
    const content = partContent(i + 1, groups.length, group);
    const digest = sha256(group.map((line) => line + "\n").join("")).slice(0, 16);
    return { name: partName(FaultDocument.DEFAULT_NAME, digest), content, text: partText(content) };
  });
}
