import { createHash } from "node:crypto";

const MAX_LENGTH = 128;

/**
 * The document's ExperimentId for an execution: its name when that fits ^[A-Za-z0-9_-]{1,128}$;
 * otherwise the name with other characters replaced, plus a digest of the original so that two
 * names never share the rules and commands of one experiment. Both the state machine's tasks and
 * the abort cleanup derive it from the execution name, so it must stay a pure function of it.
 */
export function experimentIdFor(executionName: string): string {
  if (/^[A-Za-z0-9_-]{1,128}$/.test(executionName)) return executionName;
  const digest = createHash("sha256").update(executionName).digest("hex").slice(0, 8);
  const cleaned = executionName.replace(/[^A-Za-z0-9_-]/g, "-");
  return `${cleaned.slice(0, MAX_LENGTH - digest.length - 1)}-${digest}`;
}
