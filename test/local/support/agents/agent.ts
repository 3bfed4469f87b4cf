/** What runs a command on a fake instance: the SSM agent's side of an invocation. */
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

export interface Agent {
  /** Runs the document with every parameter's value (defaults filled in by SSM). */
  run(parameters: Record<string, string>, invocation: { commandId: string; instanceId: string }): AgentRun;
}
