/**
 * Debian's nginx on the server host: the web server most instances behind the fault run. It keeps
 * everything in a prefix of its own (configuration, pid, logs, temp files), so nothing is written
 * to /etc/nginx, /var/lib/nginx or /var/log, and it is killed with the world.
 */
import { createHash } from "node:crypto";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { waitFor } from "./exec";
import type { World } from "./world";

/** One request nginx answered, from its access log. */
export interface Logged {
  /** When nginx logged it, in ms since the epoch ($msec). */
  readonly at: number;
  readonly remote: string;
  readonly request: string;
  readonly status: number;
  /** nginx's serial number of the connection, and how many requests it has carried so far. */
  readonly connection: number;
  readonly connectionRequests: number;
  /** The bytes of the request as nginx read them (request line, fields, body), and of its answer. */
  readonly requestLength: number;
  readonly bytesSent: number;
}

export interface Nginx {
  /** The requests logged so far, oldest first; nginx writes each line as it answers. */
  accessLog(): Logged[];
}

function config(prefix: string, port: number, body: string): string {
  const inPrefix = (name: string) => join(prefix, name);
  const temps = ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map(
    (kind) => `${kind}_temp_path ${inPrefix(kind)};`,
  );
  return `
    worker_processes 1;
    pid ${inPrefix("nginx.pid")};
    lock_file ${inPrefix("nginx.lock")};
    error_log ${inPrefix("error.log")};
    events { worker_connections 256; }
    http {
      log_format hrp escape=json '{"msec":"$msec","remote":"$remote_addr","request":"$request",'
        '"status":$status,"connection":$connection,"connectionRequests":$connection_requests,'
        '"requestLength":$request_length,"bytesSent":$bytes_sent}';
      access_log ${inPrefix("access.log")} hrp;
      ${temps.join("\n      ")}
      server {
        listen ${port};
        listen [::]:${port};
        location = /large {
          default_type application/octet-stream;
          alias ${inPrefix("large")};
        }
        location / {
          default_type text/plain;
          return 200 ${JSON.stringify(body)};
        }
      }
    }
  `;
}

/** The SHA-256 of bytes, in hex: how the tests compare a body with what was sent. */
export const sha256 = (bytes: Buffer | string): string => createHash("sha256").update(bytes).digest("hex");

/** What nginx sends for `/large`: a MiB, every byte in its place told apart by its offset. */
export const LARGE_BODY = Buffer.from(Array.from({ length: 1 << 20 }, (_, i) => (i * 7 + (i >> 8)) % 256));

/** Starts nginx answering 200 with `body` on `port` (and LARGE_BODY at `/large`), over IPv4 and IPv6; resolves once it listens. */
export async function startNginx(world: World, port: number, body = "nginx"): Promise<Nginx> {
  const prefix = world.tempDir("nginx");
  // The workers, which run as nobody, reach into the prefix for request bodies.
  chmodSync(prefix, 0o755);
  const conf = join(prefix, "nginx.conf");
  writeFileSync(conf, config(prefix, port, body));
  writeFileSync(join(prefix, "large"), LARGE_BODY, { mode: 0o644 });
  // -e: the log for what happens before the configuration is read.
  const argv = ["nginx", "-p", prefix, "-c", conf, "-e", join(prefix, "error.log"), "-g", "daemon off;"];
  const child = world.start(world.server, argv);
  let exited = false;
  let stderr = "";
  child.once("exit", () => (exited = true));
  child.stderr!.on("data", (d: Buffer) => (stderr += d));
  const errorLog = join(prefix, "error.log");
  // nginx writes its pid file once its listening sockets are open.
  await waitFor("nginx to listen", () => {
    if (exited)
      throw new Error(`nginx exited: ${stderr}${existsSync(errorLog) ? readFileSync(errorLog) : ""}`);
    return existsSync(join(prefix, "nginx.pid"));
  });
  const accessLog = join(prefix, "access.log");
  return {
    accessLog: () =>
      readFileSync(accessLog, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((line) => {
          const entry = JSON.parse(line) as Omit<Logged, "at"> & { msec: string };
          const { msec, ...rest } = entry;
          return { at: Math.round(Number(msec) * 1000), ...rest };
        }),
  };
}
