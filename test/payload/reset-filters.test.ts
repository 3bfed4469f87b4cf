/**
 * ResetMethods and ResetPaths, run for real in network namespaces against nginx and Node's HTTP
 * server: a connection's requests are read one after another; those that match are reset, the
 * others reach the service over the proxy's own connection and are answered on the client's, every
 * byte as the service sent it, with HTTP/1.1's framing (Content-Length, chunked bodies, pipelining,
 * Expect: 100-continue, Connection: close, HEAD, upgrades).
 */
import { join } from "node:path";
import { runDocument, startDocument } from "./support/fault";
import { LARGE_BODY, sha256, startNginx } from "./support/nginx";
import { describeAsRootWith } from "./support/root";
import { armed, expectRestored, faultPid, useWorld } from "./support/scenario";
import { CLIENT_V4, SERVER_V4, SERVER_V6, type World } from "./support/world";

const PORT = 80;
const EXCHANGE = join(__dirname, "fixtures", "exchange.py");

type Step =
  | { readonly send: string }
  | { readonly responses: number; readonly head?: boolean }
  | { readonly raw: number }
  | { readonly sleep: number }
  | { readonly end: true };

interface Exchanged {
  readonly responses: { readonly status: number; readonly bytes: number; readonly sha256: string }[];
  readonly raw: string[];
  readonly outcome: "reset" | "closed" | "timeout" | "open";
  readonly extra: number;
  readonly extraBody: number | null;
}

/** Drives one connection from `host` to `address` as the steps say (fixtures/exchange.py). */
const exchange = async (w: World, host: string, address: string, port: number, steps: Step[]) =>
  JSON.parse(
    (await w.on(host, ["python3", EXCHANGE, address, String(port)], { input: JSON.stringify(steps) })).stdout,
  ) as Exchanged;

const request = (method: string, target: string, fields = "", body = "") =>
  `${method} ${target} HTTP/1.1\r\nHost: test\r\nUser-Agent: exchange\r\n${fields}\r\n${body}`;

describeAsRootWith(["nginx"])("ResetMethods and ResetPaths", () => {
  const world = useWorld();

  test("ResetMethods: GET, HEAD and PUT requests on a keep-alive connection are answered by nginx, the POST after them is reset", async () => {
    const w = world();
    const nginx = await startNginx(w, PORT);
    const fault = startDocument(w, { DurationSeconds: "8", ResetMethods: "POST,PATCH" });
    await armed(w);
    const sent = [
      request("GET", "/") + request("GET", "/large"), // pipelined: both in one write
      request("HEAD", "/"),
      request("PUT", "/upload", "Transfer-Encoding: chunked\r\n", "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"),
      request("PUT", "/upload", "Content-Length: 5\r\nExpect: 100-continue\r\n"),
    ];
    const keptAlive = await exchange(w, w.client, SERVER_V4, PORT, [
      { send: sent[0] },
      { responses: 2 },
      { send: sent[1] },
      { responses: 1, head: true },
      { send: sent[2] },
      { responses: 1 },
      { send: sent[3] },
      { responses: 1 }, // 100 Continue: nginx asks for the body
      { send: "hello" },
      { responses: 1 },
      { send: request("POST", "/order", "Content-Length: 5\r\n", "hello") },
      { end: true },
    ]);
    expect(keptAlive.responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 100, 200]);
    expect(keptAlive.responses[1].sha256).toBe(sha256(LARGE_BODY));
    expect(keptAlive.outcome).toBe("reset");
    expect(keptAlive.extra).toBe(0);

    // nginx answered each on one connection of its own, the proxy's, from the address the client
    // reached; what it sent is what the client read, byte for byte.
    const logged = nginx.accessLog().filter((l) => l.remote === SERVER_V4);
    expect(logged.map((l) => l.request)).toEqual([
      "GET / HTTP/1.1",
      "GET /large HTTP/1.1",
      "HEAD / HTTP/1.1",
      "PUT /upload HTTP/1.1",
      "PUT /upload HTTP/1.1",
    ]);
    expect(new Set(logged.map((l) => l.connection)).size).toBe(1);
    expect(logged.slice(0, 4).map((l) => l.bytesSent)).toEqual(
      keptAlive.responses.slice(0, 4).map((r) => r.bytes),
    );
    expect(logged.slice(0, 3).map((l) => l.requestLength)).toEqual(
      [request("GET", "/"), request("GET", "/large"), sent[1]].map((r) => r.length),
    );

    // Connection: close: nginx's close reaches the client as a close, not a reset.
    const closing = await exchange(w, w.client, SERVER_V6, PORT, [
      { send: request("GET", "/", "Connection: close\r\n") },
      { responses: 1 },
      { end: true },
    ]);
    expect(closing).toMatchObject({ outcome: "closed", responses: [{ status: 200 }] });
    // A matching request first: reset at once, and nginx never hears of the connection.
    const first = await exchange(w, w.client, SERVER_V4, PORT, [
      { send: request("PATCH", "/") },
      { end: true },
    ]);
    expect(first).toMatchObject({ outcome: "reset", responses: [] });

    const result = await fault.done;
    expect(result.summary).toMatchObject({
      resetMethods: "POST,PATCH",
      remoteConnectionsReset: 2,
      requestsReset: { POST: 1, PATCH: 1 },
      requestsForwarded: { GET: 3, HEAD: 1, PUT: 2 },
      remoteTraffic: "Reset",
      verified: true,
    });
    expect(nginx.accessLog().filter((l) => /^(POST|PATCH) /.test(l.request))).toEqual([]);
    await expectRestored(w);
  });

  test("ResetPaths: only requests under the prefix are reset; a kept connection outlives the window and new ones reach nginx directly", async () => {
    const w = world();
    const nginx = await startNginx(w, PORT);
    const fault = startDocument(w, { DurationSeconds: "3", ResetPaths: "/api/" });
    await armed(w);
    const health = request("GET", "/health");
    // A load balancer's health check on a kept connection: answered in the window and after it.
    const kept = exchange(w, w.client, SERVER_V4, PORT, [
      { send: health },
      { responses: 1 },
      { sleep: 4 },
      { send: request("GET", "/api/orders") },
      { responses: 1 },
    ]);
    const beside = await exchange(w, w.client, SERVER_V4, PORT, [
      { send: request("GET", "/apiary") },
      { responses: 1 },
      { send: request("GET", "http://test/api/orders") }, // absolute form: its path is what counts
      { end: true },
    ]);
    expect(beside).toMatchObject({ outcome: "reset", responses: [{ status: 200 }] });
    const after = await kept;
    expect(after).toMatchObject({ outcome: "open", responses: [{ status: 200 }, { status: 200 }] });
    // The window is over: a new connection is nginx's own.
    expect(await w.curl(w.client, `http://${SERVER_V4}:${PORT}/api/orders`)).toBe(200);

    const result = await fault.done;
    expect(result.summary).toMatchObject({
      resetPaths: "/api/",
      remoteConnectionsReset: 1,
      requestsReset: { GET: 1 },
      requestsForwarded: { GET: 3 },
      verified: true,
    });
    const orders = nginx.accessLog().filter((l) => l.request.startsWith("GET /api/orders"));
    expect(orders.map((l) => l.remote)).toEqual([SERVER_V4, CLIENT_V4]);
    await expectRestored(w);
  });

  test("ResetAt=response with ResetPaths: the other responses on the connection are whole, the one under the prefix is cut", async () => {
    const w = world();
    await startNginx(w, PORT);
    const fault = startDocument(w, {
      DurationSeconds: "4",
      ResetAt: "response",
      ResetPaths: "/large",
      ResetAfterBytes: "1000",
    });
    await armed(w);
    const seen = await exchange(w, w.client, SERVER_V6, PORT, [
      { send: request("GET", "/") },
      { responses: 1 },
      { send: request("GET", "/large") },
      { end: true },
    ]);
    expect(seen).toMatchObject({ outcome: "reset", responses: [{ status: 200 }], extraBody: 1000 });
    expect((await fault.done).summary).toMatchObject({
      requestsReset: { GET: 1 },
      requestsForwarded: { GET: 1 },
      remoteConnectionsReset: 1,
      verified: true,
    });
    await expectRestored(w);
  });

  test("Node's server: a chunked response keeps the connection's framing; an upgraded connection passes untouched", async () => {
    const w = world();
    await w.serveHttp([8080], "node");
    const fault = startDocument(w, { DurationSeconds: "4", TargetServicePort: "8080", ResetMethods: "POST" });
    await armed(w);
    const chunked = await exchange(w, w.client, SERVER_V4, 8080, [
      { send: request("GET", "/chunked") },
      { responses: 1 },
      { send: request("GET", "/") },
      { responses: 1 },
      { send: request("POST", "/", "Content-Length: 0\r\n") },
      { end: true },
    ]);
    expect(chunked.responses.map((r) => r.status)).toEqual([200, 200]);
    expect(chunked.responses[0].sha256).toBe(sha256("node in chunks, the last one"));
    expect(chunked.outcome).toBe("reset");
    // After the 101, what looks like a POST is the new protocol's bytes: echoed, never reset.
    const inside = request("POST", "/", "Content-Length: 0\r\n");
    const upgraded = await exchange(w, w.client, SERVER_V4, 8080, [
      { send: request("GET", "/chat", "Connection: Upgrade\r\nUpgrade: echo\r\n") },
      { responses: 1 },
      { send: inside },
      { raw: inside.length },
    ]);
    expect(upgraded).toMatchObject({ outcome: "open", responses: [{ status: 101 }], raw: [inside] });
    expect((await fault.done).summary).toMatchObject({
      remoteConnectionsReset: 1,
      requestsReset: { POST: 1 },
      requestsForwarded: { GET: 3 },
    });
    await expectRestored(w);
  });

  test("SIGKILL of the proxy with a connection being passed on restores the host, and nginx answers directly", async () => {
    const w = world();
    await startNginx(w, PORT);
    const fault = startDocument(w, { DurationSeconds: "30", ResetMethods: "POST" });
    await armed(w);
    const kept = exchange(w, w.client, SERVER_V4, PORT, [
      { send: request("GET", "/") },
      { responses: 1 },
      { sleep: 2 },
    ]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    process.kill(await faultPid(w, "proxy"), "SIGKILL");
    await kept;
    await fault.done;
    await expectRestored(w);
    expect(await w.curl(w.client, `http://${SERVER_V4}:${PORT}/`)).toBe(200);
  });

  test("refuses filters with ResetAt=connect, and methods or paths that do not fit, before touching the host", async () => {
    const w = world();
    const refused = [
      [{ ResetAt: "connect", ResetMethods: "POST" }, "apply only with ResetAt=request or ResetAt=response"],
      [{ ResetAt: "connect", ResetPaths: "/api" }, "apply only with ResetAt=request or ResetAt=response"],
      [{ ResetMethods: "post" }, "parameter ResetMethods does not match"],
      [{ ResetPaths: "api" }, "parameter ResetPaths does not match"],
      [{ ResetPaths: "/a?b=1" }, "parameter ResetPaths does not match"],
    ] as const;
    for (const [parameters, error] of refused) {
      const result = await runDocument(w, parameters);
      expect([result.code, result.summary.error]).toEqual([2, expect.stringContaining(error)]);
    }
    expect(await w.faultTraces()).toEqual({ rules: [], processes: [] });
  });
});
