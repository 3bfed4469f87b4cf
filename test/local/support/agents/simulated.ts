/**
 * An agent that pretends: it holds an injection for DurationSeconds (scaled) and prints the
 * document's summary line, without touching any network. For fleets of thousands.
 */
import type { ResetSeries } from "../../../../lambda/contract";
import { programIntegers } from "../program-constants";
import type { Agent, AgentInvocation, AgentResult, AgentRun } from "./agent";

/** The series' steps and budget, as the program that prints it has them. */
const SERIES_STEPS = programIntegers("SERIES_STEPS");
const [SERIES_BUDGET] = programIntegers("SERIES_BUDGET");

/** The series the document prints for `perSecond` resets in each of `seconds` from `start`, at its finest step that fits. */
function resetSeries(start: Date, seconds: number, perSecond: number): ResetSeries {
  const first = Math.floor(start.getTime() / 1000);
  const bucketed = (step: number) => {
    const lead = first % step;
    const counts = Array.from({ length: Math.ceil((lead + seconds) / step) }, (_, i) => {
      const covered = Math.min((i + 1) * step, lead + seconds) - Math.max(i * step, lead);
      return Math.round(covered * perSecond);
    });
    return { start: new Date((first - lead) * 1000).toISOString().replace(/\.\d+Z$/, "Z"), step, counts };
  };
  const fits = SERIES_STEPS.find((step) => JSON.stringify(bucketed(step).counts).length <= SERIES_BUDGET);
  return bucketed(fits ?? SERIES_STEPS[SERIES_STEPS.length - 1]);
}

/** What an agent holds its runs by: `fn` is called `seconds` later; the returned function cancels it. */
export interface AgentClock {
  after(seconds: number, fn: () => void): () => void;
}

export interface SimulatedAgentOptions {
  /** Milliseconds of real time per second of fault; 0 ends at once. */
  readonly msPerSecond?: number;
  /** A clock of its own instead of real time scaled by msPerSecond. */
  readonly clock?: AgentClock;
  /** Connections the instance "resets" per second of fault. */
  readonly resetsPerSecond?: number;
  /** Exit code of an injection, to simulate a failing instance. */
  readonly exitCode?: number;
  /** Retries its client sent that were not safe to send again, by method (a POST sent twice). */
  readonly unsafeRetries?: Record<string, number>;
  /**
   * What a command probe prints and exits with on this instance, when the probe document (the one
   * whose parameter is Probe) is sent: by the probe's name.
   */
  readonly commandProbe?: (probe: string, instanceId: string) => { exitCode: number; stdout: string };
}

const now = () => new Date().toISOString().replace(/\.\d+Z$/, "Z");

/** Every run on every simulated agent, for assertions about what was injected where and when. */
export interface SimulatedRun {
  readonly instanceId: string;
  readonly commandId: string;
  readonly parameters: Record<string, string>;
  readonly startedAt: number;
  endedAt?: number;
  cancelled?: boolean;
}

export class SimulatedAgent implements Agent {
  readonly runs: SimulatedRun[] = [];

  constructor(private readonly options: SimulatedAgentOptions = {}) {}

  run(parameters: Record<string, string>, invocation: AgentInvocation): AgentRun {
    const { commandId, instanceId } = invocation;
    if (parameters.Probe !== undefined) {
      const answer = this.options.commandProbe?.(parameters.Probe, instanceId) ?? { exitCode: 0, stdout: "" };
      return { done: Promise.resolve({ ...answer, stderr: "" }), cancel: () => undefined };
    }
    const record: SimulatedRun = { commandId, instanceId, parameters, startedAt: Date.now() };
    this.runs.push(record);
    const unfetched = invocation.downloads.find((d) => d.content === undefined);
    if (unfetched) {
      // As the script refuses: before anything on the host changes.
      record.endedAt = Date.now();
      const error = `the program's part ${unfetched.destinationPath} was not fetched: the download step before this one says why`;
      return {
        done: Promise.resolve({
          exitCode: 3,
          stdout: `${JSON.stringify({ action: parameters.Action, error })}\n`,
          stderr: `http-reset-peer: ${error}\n`,
        }),
        cancel: () => undefined,
      };
    }
    const inject = parameters.Action === "Inject";
    const seconds = inject ? Number(parameters.DurationSeconds) : 0;
    const started = new Date();
    const startedAt = now();
    let finish: (result: AgentResult) => void = () => undefined;
    const done = new Promise<AgentResult>((resolve) => (finish = resolve));
    const clock = this.options.clock ?? this.scaledRealTime();
    const cancelTimer = clock.after(seconds, () => {
      record.endedAt = Date.now();
      const exitCode = inject ? (this.options.exitCode ?? 0) : 0;
      const resets = Math.round(seconds * (this.options.resetsPerSecond ?? 0));
      const summary = inject
        ? {
            action: "Inject",
            experimentId: parameters.ExperimentId,
            targetPort: Number(parameters.TargetServicePort),
            interface: parameters.NetworkInterface,
            durationSeconds: seconds,
            resetPercentage: Number(parameters.ResetPercentage),
            resetAt: parameters.ResetAt,
            resetAfterBytes: Number(parameters.ResetAfterBytes),
            resetMethods: parameters.ResetMethods,
            resetPaths: parameters.ResetPaths,
            startedAt,
            endedAt: now(),
            connectionsReset: resets,
            resetSeries: resetSeries(started, seconds, this.options.resetsPerSecond ?? 0),
            remoteConnectionsReset: resets,
            localConnectionsReset: 0,
            connectionsSpared: 0,
            requestsReset: resets ? { GET: resets } : {},
            requestsForwarded: {},
            remoteTraffic: resets ? "Reset" : "NoRemoteClients",
            verified: true,
            verifiedBy: resets ? ["remote peers", "localhost"] : ["localhost"],
            restored: true,
            outcome: "completed",
            // One client, which sends every request again a second after its reset and is back at once.
            clients: {
              seen: resets ? 1 : 0,
              retries: Math.max(resets - 1, 0),
              unsafeRetries: this.options.unsafeRetries ?? {},
              retryDelayMs: resets > 1 ? { p50: 1000, max: 1000 } : null,
              amplification: null,
              reconnected: resets ? 1 : 0,
              reconnectMs: resets ? { p50: 0, max: 0 } : null,
              notSeenAgain: 0,
              top: resets
                ? [
                    {
                      client: "198.18.0.2",
                      unsafeRetries: Object.values(this.options.unsafeRetries ?? {}).reduce(
                        (a, b) => a + b,
                        0,
                      ),
                      retries: resets - 1,
                      reconnectMs: 0,
                    },
                  ]
                : [],
            },
            ...(exitCode ? { error: "simulated failure" } : {}),
          }
        : {
            action: "Cleanup",
            experimentId: parameters.ExperimentId,
            removed: 0,
            restored: true,
            endedAt: now(),
          };
      finish({ exitCode, stdout: `${JSON.stringify(summary)}\nsimulated\n`, stderr: "" });
    });
    return {
      done,
      cancel: () => {
        cancelTimer();
        record.cancelled = true;
        record.endedAt = Date.now();
        finish({ exitCode: -1, stdout: "", stderr: "" });
      },
    };
  }

  private scaledRealTime(): AgentClock {
    const msPerSecond = this.options.msPerSecond ?? 0;
    return {
      after: (seconds, fn) => {
        const timer = setTimeout(fn, seconds * msPerSecond);
        return () => clearTimeout(timer);
      },
    };
  }
}
