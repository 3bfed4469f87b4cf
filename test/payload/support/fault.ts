/**
 * Runs the document on a test host the way the SSM agent does: its download steps write the
 * program's parts into a downloads folder, then the script, written to `_script.sh`, is started
 * from that folder as `sh -c <path>` in a process group of its own, with
 * the agent's PATH, parameters passed as SSM_* environment variables (or, for agents older than
 * 3.3.2746.0, substituted into the text), and a cancel delivered as SIGKILL to the whole group.
 */
import { spawn } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import {
  committedDownloads,
  loadDocument,
  scriptOf,
  substituteParameters,
  withDefaults,
  type CommandDocument,
  type Download,
} from "./document";
import { AGENT_PATH } from "./sbin";
import { World } from "./world";

export interface FaultResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** The first line of the output, which the document prints as JSON. */
  readonly summary: Record<string, unknown>;
}

export interface FaultRun {
  readonly pid: number;
  readonly done: Promise<FaultResult>;
  /** What the agent does on cancel or timeout. */
  killGroup(): void;
}

export interface AgentOptions {
  /** Behave like an agent older than 3.3.2746.0: substitute parameters into the script's text. */
  readonly legacyAgent?: boolean;
  /** Folders hidden from the script, as if what they hold were not installed. */
  readonly hide?: readonly string[];
  /** Where the hidden folders stay visible, below this path, for a stand-in installer to use. */
  readonly originalsAt?: string;
  /** Environment on top of the agent's, e.g. a PATH with stand-in tools first. */
  readonly env?: NodeJS.ProcessEnv;
  /**
   * The document to run, with `downloads` for its parts.
   * @default the committed one (ssm-documents/http-reset-peer.yaml)
   */
  readonly document?: CommandDocument;
  /**
   * What the document's download steps fetched: a step whose fetch failed leaves nothing, and the
   * agent goes on to the next step, as it does for steps without onFailure.
   * @default every part, from the committed ones (ssm-documents/program)
   */
  readonly downloads?: readonly Download[];
}

const committed = loadDocument();

export function startDocument(
  world: World,
  parameters: Record<string, string>,
  options: AgentOptions = {},
): FaultRun {
  const document = options.document ?? committed;
  // No watch after the window where a test is not about it (ObserveRecoverySeconds, 30 by
  // default): each run would last that much longer. An earlier document has no such parameter.
  const noWatch: Record<string, string> =
    "ObserveRecoverySeconds" in document.parameters ? { ObserveRecoverySeconds: "0" } : {};
  const values = withDefaults(document, { ...noWatch, ...parameters });
  const dir = mkdtempSync(join(tmpdir(), "hrp-agent-"));
  // The download steps first: each writes what GetDocument gave it below downloads/, the folder the
  // agent then runs the script in (the agent's plugins/downloadcontent and plugins/runscript).
  const downloads = join(dir, "downloads");
  mkdirSync(downloads);
  for (const { destinationPath, content } of options.downloads ?? committedDownloads(document)) {
    if (content === undefined) continue;
    const destination = join(downloads, destinationPath);
    mkdirSync(dirname(destination), { recursive: true });
    writeFileSync(destination, content);
  }
  const scriptPath = join(dir, "_script.sh");
  const script = scriptOf(document);
  writeFileSync(scriptPath, options.legacyAgent ? substituteParameters(script, values) : script);
  chmodSync(scriptPath, 0o755);
  const ssmEnv = options.legacyAgent
    ? {}
    : Object.fromEntries(Object.entries(values).map(([k, v]) => [`SSM_${k}`, v]));
  // Hiding takes a mount namespace of the script's own, with an empty tmpfs over each folder.
  const hider = options.hide?.length
    ? [
        "unshare",
        "-m",
        "sh",
        "-c",
        `for d in "$@"; do
           if [ -n "$ORIGINALS" ]; then mkdir -p "$ORIGINALS$d" && mount --bind "$d" "$ORIGINALS$d"; fi
           mount -t tmpfs none "$d"
         done
         exec sh -c "$0"`,
      ]
    : ["sh", "-c"];
  const [command, ...args] = world.enter(
    world.server,
    [...hider, scriptPath, ...(options.hide ?? [])],
    downloads,
  );
  const child = spawn(command, args, {
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      PATH: AGENT_PATH,
      ...ssmEnv,
      HTTP_RESET_PEER_STATE_DIR: world.stateDir,
      ORIGINALS: options.originalsAt ?? "",
      ...options.env,
    },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  const done = new Promise<FaultResult>((resolve) => {
    child.on("close", (code, signal) => {
      rmSync(dir, { recursive: true, force: true });
      let summary: Record<string, unknown> = {};
      try {
        summary = JSON.parse(stdout.split("\n")[0]);
      } catch {
        // killed before it printed anything
      }
      resolve({ code: code ?? (signal === "SIGKILL" ? 137 : -1), stdout, stderr, summary });
    });
  });
  return {
    pid: child.pid!,
    done,
    killGroup: () => process.kill(-child.pid!, "SIGKILL"),
  };
}

/** Runs the document to its end. */
export const runDocument = (world: World, parameters: Record<string, string>, options?: AgentOptions) =>
  startDocument(world, parameters, options).done;
