/**
 * A small network of our own: a server host and a client host, each a network namespace, joined
 * by a veth pair named eth0 on both sides. Addresses come from the ranges set aside for network
 * tests (198.18.0.0/15, 2001:2::/48), so no traffic can leave the machine.
 *
 * The server host stands for an instance, so it also has a PID namespace of its own, whose first
 * process is an init that reaps orphans as systemd does: the fault, which finds its processes in
 * /proc, sees only the processes of its own host, as on EC2, and never another test host's.
 */
import { ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isProgramCommandLine } from "./document";
import { must, run, waitFor } from "./exec";
import { withSbin } from "./sbin";

export const SERVER_V4 = "198.18.0.1";
export const CLIENT_V4 = "198.18.0.2";
export const SERVER_V6 = "2001:2::1";
export const CLIENT_V6 = "2001:2::2";
const FIXTURES = join(__dirname, "..", "fixtures");

/** The tools that print a host's iptables rules: either family, either backend. */
export const IPTABLES_SAVES = [
  "iptables-nft-save",
  "ip6tables-nft-save",
  "iptables-legacy-save",
  "ip6tables-legacy-save",
] as const;

/** What a client saw: an HTTP status, or how the connection failed. */
export type Outcome = number | "reset" | "refused" | "timeout" | "other";

let counter = 0;

export class World {
  readonly server: string;
  readonly client: string;
  /** Where the fault keeps its lock and state on the server host. */
  readonly stateDir = mkdtempSync(join(tmpdir(), "hrp-state-"));
  private readonly children: ChildProcess[] = [];
  private readonly tempDirs: string[] = [];
  /** The server host's init, as this machine numbers it. */
  private serverInit = 0;

  private constructor(tag: string) {
    this.server = `hrpt-${tag}-srv`;
    this.client = `hrpt-${tag}-cli`;
  }

  static async create(): Promise<World> {
    // The creator's pid comes first, so that a sweep can tell a crashed run's hosts from live ones.
    const tag = `${process.pid}-${counter++}`;
    const world = new World(tag);
    try {
      await world.wire(tag);
    } catch (e) {
      await world.destroy();
      throw e;
    }
    return world;
  }

  private async wire(tag: string) {
    const [a, b] = [`h${tag}a`.replace("-", "").slice(-15), `h${tag}b`.replace("-", "").slice(-15)];
    await must(["ip", "netns", "add", this.server]);
    await must(["ip", "netns", "add", this.client]);
    await must(["ip", "link", "add", a, "type", "veth", "peer", "name", b]);
    for (const [ns, dev, v4, v6] of [
      [this.server, a, SERVER_V4, SERVER_V6],
      [this.client, b, CLIENT_V4, CLIENT_V6],
    ]) {
      await must(["ip", "link", "set", dev, "netns", ns]);
      await must(["ip", "-n", ns, "link", "set", dev, "name", "eth0"]);
      await must(["ip", "-n", ns, "addr", "add", `${v4}/24`, "dev", "eth0"]);
      await must(["ip", "-n", ns, "-6", "addr", "add", `${v6}/64`, "dev", "eth0", "nodad"]);
      await must(["ip", "-n", ns, "link", "set", "eth0", "up"]);
      await must(["ip", "-n", ns, "link", "set", "lo", "up"]);
    }
    await this.startServerInit();
  }

  /** tini as PID 1 of a new PID namespace, with a /proc of its own, in the server's network namespace. */
  private async startServerInit(): Promise<void> {
    const unshare = [
      "unshare",
      "--pid",
      "--fork",
      "--mount-proc",
      "--kill-child",
      "tini",
      "--",
      "sleep",
      "infinity",
    ];
    const init = spawn("ip", ["netns", "exec", this.server, ...unshare], {
      env: withSbin(),
      stdio: "ignore",
    });
    this.children.push(init);
    // unshare forks the namespace's first process, which then becomes tini.
    const children = `/proc/${init.pid}/task/${init.pid}/children`;
    await waitFor("the server host's init to start", async () => {
      const pid = Number((existsSync(children) ? readFileSync(children, "utf8") : "").split(" ")[0]);
      if (!pid) return false;
      this.serverInit = pid;
      try {
        return readlinkSync(`/proc/${pid}/exe`).endsWith("/tini");
      } catch {
        return false;
      }
    });
  }

  /**
   * The command line that runs `argv` on a host: in the server's network, PID and mount namespaces,
   * or in the client's network namespace.
   */
  enter(host: string, argv: readonly string[], cwd?: string): string[] {
    if (host !== this.server) return ["ip", "netns", "exec", host, ...argv];
    return [
      "nsenter",
      `--target=${this.serverInit}`,
      "--net",
      "--pid",
      "--mount",
      ...(cwd ? [`--wd=${cwd}`] : []),
      "--",
      ...argv,
    ];
  }

  /** A new folder on this machine, removed with the world: for what a host keeps of its own. */
  tempDir(prefix: string): string {
    const dir = mkdtempSync(join(tmpdir(), `hrp-${prefix}-`));
    this.tempDirs.push(dir);
    return dir;
  }

  /** Runs a command on one host and waits for it. */
  on(host: string, argv: readonly string[], options: { input?: string; timeoutMs?: number } = {}) {
    return run(this.enter(host, argv), options);
  }

  /** Starts a long-lived process on one host; it is killed with the world. */
  start(host: string, argv: readonly string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
    const [command, ...args] = this.enter(host, argv);
    const child = spawn(command, args, {
      env: withSbin({ ...process.env, ...env }),
      stdio: ["pipe", "pipe", "pipe"],
    });
    this.children.push(child);
    return child;
  }

  /** Starts the fixture HTTP server on the server host, answering `body` on each port given. */
  async serveHttp(ports: number[], body = "ok"): Promise<void> {
    const child = this.start(this.server, [
      "node",
      join(FIXTURES, "http-server.js"),
      body,
      ...ports.map(String),
    ]);
    await new Promise<void>((resolve, reject) => {
      child.stdout!.once("data", () => resolve());
      child.once("exit", (code) => reject(new Error(`fixture HTTP server exited ${code}`)));
    });
  }

  /** One request with curl, on a new connection (from `localPort`, when given). */
  async curl(host: string, url: string, localPort?: number): Promise<Outcome> {
    const r = await this.on(host, [
      "curl",
      "-sS",
      "-g",
      "-m",
      "3",
      ...(localPort ? ["--local-port", String(localPort)] : []),
      "-o",
      "/dev/null",
      "-w",
      "%{http_code}",
      url,
    ]);
    return curlOutcome(r.code, r.stdout);
  }

  /** One request with Node's http client, on a new connection. */
  async nodeGet(host: string, url: string): Promise<Outcome> {
    const r = await this.on(host, ["node", join(FIXTURES, "probe.js"), "once", url]);
    return JSON.parse(r.stdout.trim().split("\n").pop()!).outcome;
  }

  /**
   * The fault's traces on the server host: its rules in either family and either backend (the
   * fault uses whichever the host's `iptables` is), and its live processes.
   */
  async faultTraces(): Promise<{ rules: string[]; processes: string[] }> {
    const rules: string[] = [];
    for (const save of IPTABLES_SAVES) {
      const out = (await this.on(this.server, [save])).stdout;
      rules.push(...out.split("\n").filter((l) => l.includes("HRP-") || l.includes("http-reset-peer")));
    }
    const pids = (await run(["ip", "netns", "pids", this.server])).stdout.split(/\s+/).filter(Boolean);
    const processes = pids.flatMap((pid) => {
      try {
        const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ");
        const state = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.[0];
        return isProgramCommandLine(cmd) && state !== "Z" ? [`${pid} ${cmd}`] : [];
      } catch {
        return [];
      }
    });
    return { rules, processes };
  }

  async isClean(): Promise<boolean> {
    const t = await this.faultTraces();
    return t.rules.length === 0 && t.processes.length === 0;
  }

  /** Kills everything on both hosts and removes them. Safe to call more than once. */
  async destroy(): Promise<void> {
    for (const child of this.children) child.kill("SIGKILL");
    for (const ns of [this.server, this.client]) {
      const pids = (await run(["ip", "netns", "pids", ns])).stdout.split(/\s+/).filter(Boolean);
      for (const pid of pids) {
        try {
          process.kill(Number(pid), "SIGKILL");
        } catch {
          // already gone
        }
      }
      await run(["ip", "netns", "del", ns]);
    }
    rmSync(this.stateDir, { recursive: true, force: true });
    for (const dir of this.tempDirs) rmSync(dir, { recursive: true, force: true });
  }
}

export function curlOutcome(code: number, stdout: string): Outcome {
  if (code === 0) return Number(stdout);
  if (code === 56 || code === 52) return "reset"; // 52: empty reply, which a reset before any byte can be
  if (code === 7) return "refused";
  if (code === 28) return "timeout";
  return "other";
}
