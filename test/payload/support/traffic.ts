/**
 * A client that sends requests all the time: one prober per test host's client namespace, each
 * request on a new connection, every outcome timestamped as it arrives. Requests are a few
 * milliseconds apart: enough to see each second of the fault hundreds of times, without several
 * fleets' clients and proxies taking every core from the scripts under test.
 */
import type { ChildProcess } from "node:child_process";
import { join } from "node:path";
import { SERVER_V4, type World } from "./world";

const PROBE = join(__dirname, "..", "fixtures", "probe.js");
const GAP_MS = 4;

export interface Sample {
  readonly at: number;
  /** An HTTP status, or how the request failed ("reset", "refused", "timeout", ...). */
  readonly outcome: number | string;
}

export class Traffic {
  readonly samples: Sample[] = [];
  private readonly child: ChildProcess;
  private buffer = "";

  constructor(world: World, port: number, maxMs = 600_000) {
    this.child = world.start(world.client, [
      "node",
      PROBE,
      "loop",
      `http://${SERVER_V4}:${port}/`,
      String(maxMs),
      String(GAP_MS),
    ]);
    this.child.stdout?.on("data", (chunk: Buffer) => {
      this.buffer += chunk.toString();
      const lines = this.buffer.split("\n");
      this.buffer = lines.pop() ?? "";
      for (const line of lines) {
        try {
          this.samples.push({
            at: Date.now(),
            outcome: (JSON.parse(line) as { outcome: number | string }).outcome,
          });
        } catch {
          // not a probe line
        }
      }
    });
  }

  /** Samples in [from, to). */
  between(from: number, to: number): Sample[] {
    return this.samples.filter((s) => s.at >= from && s.at < to);
  }

  resets(from = 0, to = Infinity): number {
    return this.between(from, to).filter((s) => s.outcome === "reset").length;
  }

  successes(from = 0, to = Infinity): number {
    return this.between(from, to).filter((s) => s.outcome === 200).length;
  }

  /** The outcomes from the first answer at or after `from` on; none before that answer. */
  fromFirstAnswer(from: number): Sample[] {
    const later = this.between(from, Infinity);
    const first = later.findIndex((s) => s.outcome === 200);
    return first < 0 ? [] : later.slice(first);
  }

  /** First and last reset seen since `from`. */
  resetWindow(from = 0): { first: number; last: number } | undefined {
    const resets = this.between(from, Infinity).filter((s) => s.outcome === "reset");
    return resets.length ? { first: resets[0].at, last: resets[resets.length - 1].at } : undefined;
  }

  stop(): void {
    this.child.kill("SIGKILL");
  }
}

/**
 * A client that POSTs an order every `gapMs` on a new connection, and sends one that was reset
 * again at once, up to twice, with no idempotency key: the unsafe retries the fault reports.
 * Killed with the world.
 */
export function startOrders(world: World, port: number, maxMs = 600_000, gapMs = 250): ChildProcess {
  return world.start(world.client, [
    "node",
    PROBE,
    "orders",
    `http://${SERVER_V4}:${port}/orders`,
    String(maxMs),
    String(gapMs),
  ]);
}
