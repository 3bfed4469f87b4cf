/**
 * A document as SSM knows it once created: its content, its parameters with their allowedPattern,
 * allowedValues and defaults (the fault's document by default, read from the YAML that ships), its
 * download steps and its script step's timeout.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";

export const DOCUMENT_FILE = join(__dirname, "..", "..", "..", "..", "ssm-documents", "http-reset-peer.yaml");

interface ParameterSpec {
  readonly type: string;
  readonly default?: string;
  readonly allowedPattern?: string;
  readonly allowedValues?: string[];
}

/** A download step of a document, as the agent reads it. */
export interface DownloadStep {
  readonly name: string;
  /** The document it fetches, as `name:version` or `name`. */
  readonly sourceName: string;
  readonly destinationPath: string;
}

export interface RegisteredDocument {
  readonly name: string;
  /** The content as created, which GetDocument gives back as JSON. */
  readonly content: object;
  readonly parameters: Record<string, ParameterSpec>;
  readonly downloads: readonly DownloadStep[];
  /** The name of the step that runs the script, whose output the handlers read. */
  readonly scriptStep: string;
  readonly stepTimeoutSeconds: number;
}

interface Content {
  parameters?: Record<string, ParameterSpec>;
  mainSteps: {
    action: string;
    name: string;
    inputs: { timeoutSeconds?: number; sourceInfo?: { name: string }; destinationPath?: string };
  }[];
}

/** A document from its content (a YAML file's text, or the object a template creates it with). */
export function readDocument(
  name: string,
  content: string | object = readFileSync(DOCUMENT_FILE, "utf8"),
): RegisteredDocument {
  const doc = (typeof content === "string" ? parse(content) : content) as Content;
  const script = doc.mainSteps.find((step) => step.action === "aws:runShellScript")!;
  return {
    name,
    content: doc,
    parameters: doc.parameters ?? {},
    downloads: doc.mainSteps
      .filter((step) => step.action === "aws:downloadContent")
      .map((step) => ({
        name: step.name,
        sourceName: step.inputs.sourceInfo?.name ?? "",
        destinationPath: step.inputs.destinationPath ?? "",
      })),
    scriptStep: script.name,
    stepTimeoutSeconds: script.inputs.timeoutSeconds ?? 3600,
  };
}

/**
 * Checks SendCommand's Parameters as SSM does, and returns every parameter's value with the
 * defaults filled in; a message naming the first problem otherwise.
 */
export function checkParameters(
  document: RegisteredDocument,
  given: Record<string, string[]> | undefined,
): { values: Record<string, string> } | { problem: string } {
  for (const [name, values] of Object.entries(given ?? {})) {
    const spec = document.parameters[name];
    if (!spec) return { problem: `Parameter "${name}" is not declared in the document` };
    if (spec.type === "String" && values.length !== 1) {
      return { problem: `Parameter "${name}" is a String and takes exactly one value` };
    }
    for (const value of values) {
      if (spec.allowedValues && !spec.allowedValues.includes(value)) {
        return {
          problem: `Parameter "${name}" has a value "${value}" not in [${spec.allowedValues.join(", ")}]`,
        };
      }
      if (spec.allowedPattern && !new RegExp(spec.allowedPattern).test(value)) {
        return {
          problem: `Parameter value for ${name} does not match the allowed pattern ${spec.allowedPattern}`,
        };
      }
    }
  }
  const values: Record<string, string> = {};
  for (const [name, spec] of Object.entries(document.parameters)) {
    const value = given?.[name]?.[0] ?? spec.default;
    if (value === undefined) return { problem: `Parameter "${name}" is required and has no default` };
    values[name] = value;
  }
  return { values };
}
