/**
 * An agent on a namespace-backed instance: it runs the document's real script in the World's
 * server namespace exactly as the SSM agent does (startDocument), and a cancel is SIGKILL of the
 * script's process group.
 */
import { startDocument } from "../../../payload/support/fault";
import type { World } from "../../../payload/support/world";
import type { Agent, AgentInvocation, AgentRun } from "./agent";

export interface NamespaceRun {
  readonly action: string;
  readonly commandId: string;
  readonly startedAt: number;
  endedAt?: number;
  exitCode?: number;
  summary?: Record<string, unknown>;
}

export class NamespaceAgent implements Agent {
  readonly runs: NamespaceRun[] = [];

  constructor(readonly world: World) {}

  run(parameters: Record<string, string>, invocation: AgentInvocation): AgentRun {
    const record: NamespaceRun = {
      action: parameters.Action,
      commandId: invocation.commandId,
      startedAt: Date.now(),
    };
    this.runs.push(record);
    const fault = startDocument(this.world, parameters, { downloads: invocation.downloads });
    return {
      done: fault.done.then((r) => {
        Object.assign(record, { endedAt: Date.now(), exitCode: r.code, summary: r.summary });
        return { exitCode: r.code === 137 ? -1 : r.code, stdout: r.stdout, stderr: r.stderr };
      }),
      cancel: () => {
        try {
          fault.killGroup();
        } catch {
          // the group is gone already
        }
      },
    };
  }
}
