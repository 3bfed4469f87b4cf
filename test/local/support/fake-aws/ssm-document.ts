/**
 * The fault's document as SSM knows it once created: its parameters with their allowedPattern,
 * allowedValues and defaults, read from the YAML that ships, and its step's timeout.
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

export interface RegisteredDocument {
  readonly name: string;
  readonly parameters: Record<string, ParameterSpec>;
  readonly stepTimeoutSeconds: number;
}

interface Content {
  parameters: Record<string, ParameterSpec>;
  mainSteps: { inputs: { timeoutSeconds?: number } }[];
}

/** A document from its content (a YAML file's text, or the object a template creates it with). */
export function readDocument(
  name: string,
  content: string | object = readFileSync(DOCUMENT_FILE, "utf8"),
): RegisteredDocument {
  const doc = (typeof content === "string" ? parse(content) : content) as Content;
  return {
    name,
    parameters: doc.parameters,
    stepTimeoutSeconds: doc.mainSteps[0].inputs.timeoutSeconds ?? 3600,
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
