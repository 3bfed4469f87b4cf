/**
 * The life of a command and of each of its invocations, as SSM runs them:
 *   Pending → InProgress → Success | Failed            (the agent ran the script)
 *   Pending | InProgress → Cancelling → Cancelled      (CancelCommand: the agent kills the group)
 *   Pending → TimedOut ("Delivery Timed Out")          (the agent never picked it up)
 *   InProgress → TimedOut ("Execution Timed Out")      (the step ran past its timeoutSeconds)
 * An invocation exists for GetCommandInvocation only a short while after SendCommand returns.
 */
import type { Download } from "../../../payload/support/document";
import type { AgentRun } from "../agents/agent";
import type { FakeInstance } from "./fleet";
import type { RegisteredDocument } from "./ssm-document";

export type InvocationStatus =
  "Pending" | "InProgress" | "Cancelling" | "Success" | "Failed" | "Cancelled" | "TimedOut";

export const ENDED: ReadonlySet<InvocationStatus> = new Set(["Success", "Failed", "Cancelled", "TimedOut"]);

export interface Invocation {
  readonly commandId: string;
  readonly instanceId: string;
  status: InvocationStatus;
  statusDetails: string;
  responseCode: number;
  stdout: string;
  stderr: string;
  startedAt?: Date;
  endedAt?: Date;
  run?: AgentRun;
  /** Why the agent was stopped, when it was: decides the status once the script is dead. */
  stopping?: "Cancelled" | "TimedOut";
  /** Each download step's result, as the invocation's plugins list them before the script's. */
  downloadSteps?: { readonly name: string; readonly status: "Success" | "Failed"; readonly output: string }[];
}

/** A download step of the invocation failed: its script had not all of the program. */
export const fetchFailed = (invocation: Invocation): boolean =>
  invocation.downloadSteps?.some((step) => step.status === "Failed") ?? false;

/** What the agent's download step got: the content, or why it got none. */
export interface Fetched {
  readonly content?: string;
  readonly output: string;
}

/** How the agent fetches a download step's document: GetDocument under the instance's own credentials. */
export type AgentFetch = (instanceId: string, sourceName: string) => Promise<Fetched>;

export interface CommandRecord {
  readonly commandId: string;
  readonly documentName: string;
  readonly parameters: Record<string, string[]>;
  readonly values: Record<string, string>;
  readonly instanceIds: string[];
  readonly comment: string;
  readonly requestedAt: Date;
  readonly timeoutSeconds: number;
  readonly maxConcurrency: string;
  readonly maxErrors: string;
  /** Epoch ms from which SSM lists the command and knows its invocations. */
  readonly visibleAt: number;
  readonly invocations: Map<string, Invocation>;
}

export interface Timing {
  /** How long after SendCommand the command and its invocations are known (InvocationDoesNotExist before). */
  readonly visibilityMs: number;
  /** How long the agent takes to pick a command up. */
  readonly deliveryMs: number;
  /** Milliseconds per second of the API's own timeouts (TimeoutSeconds, the step's timeoutSeconds). */
  readonly msPerTimeoutSecond: number;
}

/** The command's overall status, from its invocations'. */
export function commandStatus(command: CommandRecord): InvocationStatus {
  const statuses = [...command.invocations.values()].map((i) => i.status);
  if (statuses.some((s) => s === "Cancelling")) return "Cancelling";
  if (statuses.every((s) => s === "Pending")) return "Pending";
  if (statuses.some((s) => !ENDED.has(s))) return "InProgress";
  for (const s of ["Failed", "TimedOut", "Cancelled"] as const) if (statuses.includes(s)) return s;
  return "Success";
}

/** Runs invocations on their instances' agents, with the timers SSM would keep. */
export class InvocationRunner {
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly running = new Set<Invocation>();
  /** Disposed: an agent still fetching when the test ended starts no script and no timer. */
  private disposed = false;

  constructor(
    private readonly timing: Timing,
    private readonly fetch: AgentFetch,
  ) {}

  private later(ms: number, fn: () => void): void {
    if (this.disposed) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
  }

  private end(invocation: Invocation, status: InvocationStatus, details: string, code: number): void {
    if (ENDED.has(invocation.status)) return;
    Object.assign(invocation, { status, statusDetails: details, responseCode: code, endedAt: new Date() });
  }

  start(
    command: CommandRecord,
    invocation: Invocation,
    instance: FakeInstance,
    document: RegisteredDocument,
  ): void {
    const deliveryTimeout = command.timeoutSeconds * this.timing.msPerTimeoutSecond;
    this.later(deliveryTimeout, () => {
      if (invocation.status === "Pending") this.end(invocation, "TimedOut", "Delivery Timed Out", -1);
    });
    const online = instance.state === "running" && instance.pingStatus === "Online";
    if (!online || !instance.agent) return;
    this.later(this.timing.deliveryMs, () => {
      if (invocation.status !== "Pending") return;
      invocation.startedAt = new Date();
      if (instance.platform !== "Linux") {
        // The step's precondition (platformType Linux) is not met: the agent skips it and reports success.
        invocation.stdout = "Step execution skipped due to unsatisfied preconditions";
        this.end(invocation, "Success", "Success", 0);
        return;
      }
      Object.assign(invocation, { status: "InProgress", statusDetails: "InProgress" });
      void this.download(invocation, instance, document).then((downloads) => {
        if (this.disposed) return;
        // A cancel while the steps fetched ends the command before its script starts.
        if (invocation.stopping || ENDED.has(invocation.status)) {
          if (invocation.stopping === "Cancelled") this.end(invocation, "Cancelled", "Cancelled", -1);
          return;
        }
        this.runScript(command, invocation, instance, document, downloads);
      });
    });
  }

  /**
   * The document's download steps, one after the other. A step that fails does not stop the next
   * ones, nor the script: the document sets no onFailure (agent/framework/runpluginutil).
   */
  private async download(
    invocation: Invocation,
    instance: FakeInstance,
    document: RegisteredDocument,
  ): Promise<Download[]> {
    const downloads: Download[] = [];
    invocation.downloadSteps = [];
    for (const step of document.downloads) {
      if (invocation.stopping) break;
      const fetched = await this.fetch(instance.id, step.sourceName);
      invocation.downloadSteps.push({
        name: step.name,
        status: fetched.content === undefined ? "Failed" : "Success",
        output: fetched.output,
      });
      downloads.push({ destinationPath: step.destinationPath, content: fetched.content });
    }
    return downloads;
  }

  private runScript(
    command: CommandRecord,
    invocation: Invocation,
    instance: FakeInstance,
    document: RegisteredDocument,
    downloads: Download[],
  ): void {
    const run = instance.agent!.run(command.values, {
      commandId: command.commandId,
      instanceId: instance.id,
      downloads,
    });
    invocation.run = run;
    this.running.add(invocation);
    this.later(document.stepTimeoutSeconds * this.timing.msPerTimeoutSecond, () =>
      this.stop(invocation, "TimedOut"),
    );
    // Any step that failed fails the invocation, whatever the script's exit code.
    const stepFailed = fetchFailed(invocation);
    void run.done.then((result) => {
      this.running.delete(invocation);
      invocation.stdout = result.stdout;
      invocation.stderr = result.stderr;
      if (invocation.stopping === "Cancelled") this.end(invocation, "Cancelled", "Cancelled", -1);
      else if (invocation.stopping === "TimedOut")
        this.end(invocation, "TimedOut", "Execution Timed Out", -1);
      else if (result.exitCode === 0 && !stepFailed) this.end(invocation, "Success", "Success", 0);
      else this.end(invocation, "Failed", "Failed", result.exitCode || 1);
    });
  }

  /** Cancel (CancelCommand) or time out one invocation. */
  stop(invocation: Invocation, why: "Cancelled" | "TimedOut"): void {
    if (ENDED.has(invocation.status)) return;
    if (invocation.status === "Pending") {
      this.end(invocation, why, why === "Cancelled" ? "Cancelled" : "Delivery Timed Out", -1);
      return;
    }
    if (invocation.stopping) return;
    invocation.stopping = why;
    if (why === "Cancelled") Object.assign(invocation, { status: "Cancelling", statusDetails: "Cancelling" });
    invocation.run?.cancel();
  }

  /** Stops every timer and kills every script still running; resolves when they are dead. */
  async dispose(): Promise<void> {
    this.disposed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    const runs = [...this.running].map((i) => i.run);
    for (const run of runs) run?.cancel();
    await Promise.all(runs.map((r) => r?.done));
  }
}
