/**
 * ResetAt, run for real in network namespaces against nginx: `connect` resets before anything is
 * read, `response` passes the request on to nginx and resets the connection once the response head
 * and ResetAfterBytes more bytes, unchanged, have reached the client, never closing it cleanly.
 */
import { join } from "node:path";
import { runDocument, startDocument } from "./support/fault";
import { LARGE_BODY, sha256, startNginx } from "./support/nginx";
import { describeAsRootWith } from "./support/root";
import { armed, expectRestored, useWorld } from "./support/scenario";
import { SERVER_V4, SERVER_V6, type World } from "./support/world";

const PORT = 80;
const PROBE = join(__dirname, "fixtures", "probe.js");
const RESPONSE = join(__dirname, "fixtures", "response.py");

interface Probed {
  readonly outcome: string | number;
  readonly received?: number;
  readonly head?: number | null;
  readonly sha256?: string;
  readonly status?: string;
  readonly bytes?: number;
  readonly t: number;
}

const lastLine = (out: string) => JSON.parse(out.trim().split("\n").pop()!) as Probed;

const probe = async (w: World, host: string, mode: string, url: string) =>
  lastLine((await w.on(host, ["node", PROBE, mode, url])).stdout);

/** What the kernel tells a client reading the response at `path`, from the socket calls alone. */
const response = async (w: World, host: string, address: string, path: string) =>
  lastLine((await w.on(host, ["python3", RESPONSE, address, String(PORT), path])).stdout);

describeAsRootWith(["nginx"])("ResetAt", () => {
  const world = useWorld();

  test("connect resets a connection right after its handshake, before the client sends a byte, and nginx sees nothing", async () => {
    const w = world();
    const nginx = await startNginx(w, PORT);
    const fault = startDocument(w, { DurationSeconds: "4", ResetAt: "connect" });
    await armed(w);
    // A silent client: ResetAt=request would wait a second for its request before resetting it.
    const silent = await probe(w, w.client, "silent", `http://${SERVER_V4}:${PORT}/`);
    expect(silent.outcome).toBe("reset");
    expect(silent.t).toBeLessThan(500);
    // curl may meet the reset as it checks its new connection, and then tells a failure to connect
    // (7); or as it sends or reads (55, 56). The report below counts it as reset, not refused.
    const curl = await w.on(w.client, ["curl", "-sS", "-g", "-m", "3", `http://[${SERVER_V6}]:${PORT}/`]);
    expect([7, 55, 56]).toContain(curl.code);
    const result = await fault.done;
    expect(result.summary).toMatchObject({ resetAt: "connect", remoteConnectionsReset: 2, verified: true });
    expect(nginx.accessLog().filter((l) => l.remote !== "127.0.0.1" && l.remote !== "::1")).toEqual([]);
    await expectRestored(w);
  });

  test("response passes the request to nginx, and resets after the head and ResetAfterBytes bytes, as nginx sent them", async () => {
    const w = world();
    const nginx = await startNginx(w, PORT);
    const after = 100000;
    const fault = startDocument(w, {
      DurationSeconds: "6",
      ResetAt: "response",
      ResetAfterBytes: String(after),
    });
    await armed(w);
    for (const address of [SERVER_V4, SERVER_V6]) {
      const seen = await response(w, w.client, address, "/large");
      expect(seen).toMatchObject({ outcome: "reset", status: "HTTP/1.1 200" });
      expect(seen.received! - seen.head!).toBe(after);
      expect(seen.sha256).toBe(sha256(LARGE_BODY.subarray(0, after)));
    }
    // Node's fetch: reading the body fails, never ends as if the response were whole. Node's sockets
    // (libuv) may report a reset that comes before the bytes ahead of it are read as an end, which
    // fetch then tells as "other side closed".
    const fetched = await probe(w, w.client, "fetch", `http://${SERVER_V4}:${PORT}/large`);
    expect(["reset", "UND_ERR_SOCKET"]).toContain(fetched.outcome);
    // From the instance itself, through the loopback.
    const local = await response(w, w.server, "127.0.0.1", "/large");
    expect(local).toMatchObject({ outcome: "reset" });
    expect(local.received! - local.head!).toBe(after);

    const result = await fault.done;
    expect(result.summary).toMatchObject({
      resetAt: "response",
      resetAfterBytes: after,
      remoteConnectionsReset: 3,
      localConnectionsReset: 1,
      verified: true,
    });
    // nginx answered every one, each from the server's own address: the proxy's connections.
    const large = nginx.accessLog().filter((l) => l.request === "GET /large HTTP/1.1");
    expect(large).toHaveLength(4);
    expect(new Set(large.map((l) => l.remote))).toEqual(new Set([SERVER_V4, SERVER_V6, "127.0.0.1"]));
    await expectRestored(w);
  });

  test("response with ResetAfterBytes 0: curl gets the status line and headers, then the reset", async () => {
    const w = world();
    await startNginx(w, PORT);
    const fault = startDocument(w, { DurationSeconds: "3", ResetAt: "response" });
    await armed(w);
    const r = await w.on(w.client, ["curl", "-sS", "-i", "-m", "3", `http://${SERVER_V4}:${PORT}/large`]);
    expect(r.code).toBe(56);
    expect(r.stdout).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*Content-Length: 1048576\r\n[\s\S]*\r\n\r\n$/);
    expect(r.stderr).toContain("Connection reset by peer");
    // A response shorter than the count: the client gets all of it, then the reset, not nginx's close.
    const short = await response(w, w.client, SERVER_V4, "/");
    expect(short.outcome).toBe("reset");
    expect((await fault.done).summary).toMatchObject({ remoteConnectionsReset: 2, verified: true });
  });

  test("response: SIGKILL of the command's whole group with connections being forwarded restores the host", async () => {
    const w = world();
    await startNginx(w, PORT);
    const fault = startDocument(w, { DurationSeconds: "30", ResetAt: "response", ResetAfterBytes: "500000" });
    await armed(w);
    expect((await w.faultTraces()).rules.join("\n")).toMatch(/OWN/);
    const reading = response(w, w.client, SERVER_V4, "/large");
    fault.killGroup();
    await reading;
    await expectRestored(w);
    expect(await w.curl(w.client, `http://${SERVER_V4}:${PORT}/`)).toBe(200);
  });

  test("refuses ResetAfterBytes without ResetAt=response, and an unknown moment, before touching the host", async () => {
    const w = world();
    const refused = [
      [{ ResetAfterBytes: "10" }, "ResetAfterBytes applies only with ResetAt=response"],
      [{ ResetAt: "connect", ResetAfterBytes: "1" }, "ResetAfterBytes applies only with ResetAt=response"],
      [{ ResetAt: "later" }, "parameter ResetAt does not match"],
      [{ ResetAt: "response", ResetAfterBytes: "-1" }, "parameter ResetAfterBytes does not match"],
    ] as const;
    for (const [parameters, error] of refused) {
      const result = await runDocument(w, parameters);
      expect([result.code, result.summary.error]).toEqual([2, expect.stringContaining(error)]);
    }
    expect(await w.faultTraces()).toEqual({ rules: [], processes: [] });
  });
});
