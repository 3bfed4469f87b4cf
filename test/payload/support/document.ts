/** The SSM document as shipped, and its script as the SSM agent would run it. */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { unpinnedPart } from "../../../lib/document-names";
import { PARTS_DIR } from "../../../scripts/program-parts";
import { DOCUMENT_PATH } from "../../../scripts/render-document";

export interface DocumentParameterSpec {
  readonly type: string;
  readonly description: string;
  readonly default: string;
  readonly allowedPattern?: string;
  readonly allowedValues?: string[];
  readonly interpolationType?: string;
}

export interface DocumentStep {
  action: string;
  name: string;
  precondition: unknown;
  inputs: {
    timeoutSeconds?: number;
    runCommand?: string[];
    sourceType?: string;
    sourceInfo?: { name: string };
    destinationPath?: string;
  };
}

export interface CommandDocument {
  readonly schemaVersion: string;
  readonly parameters: Record<string, DocumentParameterSpec>;
  readonly mainSteps: DocumentStep[];
}

export const documentText = (): string => readFileSync(DOCUMENT_PATH, "utf8");

export const loadDocument = (): CommandDocument => parse(documentText()) as CommandDocument;

/** The step that runs the script. */
export const scriptStepOf = (doc: CommandDocument): DocumentStep =>
  doc.mainSteps.find((step) => step.action === "aws:runShellScript")!;

/** The script exactly as the agent writes it to `_script.sh`: the runCommand lines joined by newlines. */
export const scriptOf = (doc: CommandDocument): string => scriptStepOf(doc).inputs.runCommand!.join("\n");

/** The steps that fetch the program's parts, in the order the agent runs them. */
export const downloadStepsOf = (doc: CommandDocument): DocumentStep[] =>
  doc.mainSteps.filter((step) => step.action === "aws:downloadContent");

/** What a download step leaves the script: the content fetched, at its destination, or nothing when the fetch failed. */
export interface Download {
  readonly destinationPath: string;
  readonly content?: string;
}

/**
 * A program part's content as GetDocument returns it to the agent, which writes it as it is: the
 * committed part, by its name (the version is always 1), as the compact JSON CloudFormation creates
 * it from.
 */
export function committedPart(name: string): string | undefined {
  const path = join(PARTS_DIR, `${unpinnedPart(name)}.json`);
  return existsSync(path) ? JSON.stringify(JSON.parse(readFileSync(path, "utf8"))) : undefined;
}

/** What the document's download steps leave when every part is fetched from the committed ones. */
export const committedDownloads = (doc: CommandDocument): Download[] =>
  downloadStepsOf(doc).map((step) => ({
    destinationPath: step.inputs.destinationPath!,
    content: committedPart(step.inputs.sourceInfo!.name),
  }));

/** Parameter values as SSM hands them to the agent: every parameter, defaults filled in. */
export function withDefaults(doc: CommandDocument, given: Record<string, string>): Record<string, string> {
  const unknown = Object.keys(given).filter((k) => !(k in doc.parameters));
  if (unknown.length) throw new Error(`not parameters of the document: ${unknown.join(", ")}`);
  return Object.fromEntries(Object.entries(doc.parameters).map(([k, p]) => [k, given[k] ?? p.default]));
}

/** What an agent older than 3.3.2746.0 does: substitute `{{ Name }}` into the script's text. */
export const substituteParameters = (script: string, values: Record<string, string>): string =>
  script.replace(/\{\{\s*(\w+)\s*\}\}/g, (whole, name: string) => values[name] ?? whole);

/** What the command line of every process of the program holds (the bootstrap's first argument). */
const PROGRAM_COMMAND_LINE = " - http-reset-peer ";

/**
 * What it held before the program came in parts: the file the script wrote. Recognised too, so
 * that a benchmark can run such a document beside this one (bench/baseline.ts).
 */
const EARLIER_PROGRAM_COMMAND_LINE = "reset_peer.py";

/** Whether a process's command line (its arguments joined by spaces) is one of the program's. */
export const isProgramCommandLine = (commandLine: string): boolean =>
  commandLine.includes(PROGRAM_COMMAND_LINE) || commandLine.includes(EARLIER_PROGRAM_COMMAND_LINE);
