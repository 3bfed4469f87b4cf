/** The SSM document as shipped, and its script as the SSM agent would run it. */
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { DOCUMENT_PATH } from "../../../scripts/render-document";

export interface DocumentParameterSpec {
  readonly type: string;
  readonly description: string;
  readonly default: string;
  readonly allowedPattern?: string;
  readonly allowedValues?: string[];
  readonly interpolationType?: string;
}

export interface CommandDocument {
  readonly schemaVersion: string;
  readonly parameters: Record<string, DocumentParameterSpec>;
  readonly mainSteps: {
    action: string;
    name: string;
    precondition: unknown;
    inputs: { timeoutSeconds: number; runCommand: string[] };
  }[];
}

export const documentText = (): string => readFileSync(DOCUMENT_PATH, "utf8");

export const loadDocument = (): CommandDocument => parse(documentText()) as CommandDocument;

/** The script exactly as the agent writes it to `_script.sh`: the runCommand lines joined by newlines. */
export const scriptOf = (doc: CommandDocument): string => doc.mainSteps[0].inputs.runCommand.join("\n");

/** Parameter values as SSM hands them to the agent: every parameter, defaults filled in. */
export function withDefaults(doc: CommandDocument, given: Record<string, string>): Record<string, string> {
  const unknown = Object.keys(given).filter((k) => !(k in doc.parameters));
  if (unknown.length) throw new Error(`not parameters of the document: ${unknown.join(", ")}`);
  return Object.fromEntries(Object.entries(doc.parameters).map(([k, p]) => [k, given[k] ?? p.default]));
}

/** What an agent older than 3.3.2746.0 does: substitute `{{ Name }}` into the script's text. */
export const substituteParameters = (script: string, values: Record<string, string>): string =>
  script.replace(/\{\{\s*(\w+)\s*\}\}/g, (whole, name: string) => values[name] ?? whole);
