/** What runs a command on a fake instance: the SSM agent's side of an invocation. */
import type { Download } from "../../../payload/support/document";

export interface AgentResult {
  /** The script's exit code; -1 when it was killed. */
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface AgentRun {
  readonly done: Promise<AgentResult>;
  /** What the agent does on cancel or timeout: SIGKILL to the script's process group. */
  cancel(): void;
}

/** An invocation as the agent starts the document's script: its download steps have run. */
export interface AgentInvocation {
  readonly commandId: string;
  readonly instanceId: string;
  /** What each download step fetched, in order; nothing where a fetch failed. */
  readonly downloads: readonly Download[];
}

export interface Agent {
  /** Runs the document's script with every parameter's value (defaults filled in by SSM). */
  run(parameters: Record<string, string>, invocation: AgentInvocation): AgentRun;
}
