/**
 * Real clients that hold connections open, run on a test host: Python's http.client on one
 * keep-alive connection, and Node's fetch with a warm pool. Each answers a line on stdin with a
 * round of requests on the connections it holds, and prints a JSON line per request.
 */
import type { ChildProcess } from "node:child_process";
import { join } from "node:path";
import { waitFor } from "./exec";
import type { World } from "./world";

const FIXTURES = join(__dirname, "..", "fixtures");

/** What a client saw for one request. */
export interface Seen {
  /** Milliseconds since the client started. */
  readonly t: number;
  /** An HTTP status, or how the request failed: "reset", "refused", "timeout", "closed", ... */
  readonly outcome: number | string;
  /** Whether it went on a connection that an earlier request had used (http.client only). */
  readonly reused?: boolean;
}

export class LineClient {
  /** Every request's line so far, in the order printed. */
  readonly seen: Seen[] = [];
  private buffer = "";
  private output = "";
  private exited = false;

  private constructor(
    private readonly name: string,
    private readonly child: ChildProcess,
    /** How many requests a round makes. */
    private readonly perRound: number,
  ) {
    child.stdout!.on("data", (chunk: Buffer) => {
      this.buffer += chunk.toString();
      const lines = this.buffer.split("\n");
      this.buffer = lines.pop() ?? "";
      this.seen.push(...lines.map((line) => JSON.parse(line) as Seen));
    });
    child.stderr!.on("data", (chunk: Buffer) => (this.output += chunk));
    // "close" rather than "exit": only once the last lines are read.
    child.once("close", () => (this.exited = true));
  }

  /** Starts a client and resolves with it once its first round (opening its connections) is in. */
  static async start(name: string, child: ChildProcess, perRound: number): Promise<LineClient> {
    const client = new LineClient(name, child, perRound);
    await client.lines(perRound);
    return client;
  }

  /** The first round's lines: the requests that opened the connections. */
  get first(): Seen[] {
    return this.seen.slice(0, this.perRound);
  }

  /** One more round of requests on the connections held; resolves with its lines. */
  async round(): Promise<Seen[]> {
    const from = this.seen.length;
    this.child.stdin!.write("\n");
    await this.lines(from + this.perRound);
    return this.seen.slice(from);
  }

  private lines(count: number): Promise<void> {
    return waitFor(`${count} lines from ${this.name}`, () => {
      if (this.seen.length >= count) return true;
      if (this.exited) throw new Error(`${this.name} exited after ${this.seen.length} lines: ${this.output}`);
      return false;
    });
  }
}

/** Python's http.client on one keep-alive connection to `url`, from `host`. */
export const keepAliveClient = (world: World, host: string, url: string): Promise<LineClient> =>
  LineClient.start(
    "the keep-alive client",
    world.start(host, ["python3", join(FIXTURES, "keepalive.py"), url]),
    1,
  );

/** Node's fetch with a warm pool of `size` keep-alive connections to `url`, from `host`. */
export const fetchPool = (world: World, host: string, url: string, size = 4): Promise<LineClient> =>
  LineClient.start(
    "the fetch pool",
    world.start(host, ["node", join(FIXTURES, "fetch-pool.js"), url, String(size)]),
    size,
  );
