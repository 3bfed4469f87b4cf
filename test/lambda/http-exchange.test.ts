import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { checkExchange, exchange, type HttpExchange } from "../../lambda/hypothesis/http-exchange";
import type { HttpExpectationSpec, HttpRequestSpec } from "../../lib/hypothesis/probe-spec";

/** Servers started by a test, closed after it whatever it left open. */
const servers: http.Server[] = [];

afterEach(async () => {
  await Promise.all(
    servers.splice(0).map(
      (server) =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    ),
  );
});

/** A server on 127.0.0.1 at an ephemeral port, and its base URL. */
async function serve(handler: http.RequestListener): Promise<{ server: http.Server; url: string }> {
  const server = http.createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` };
}

const get = (url: string, headers: Record<string, string> = {}): HttpRequestSpec => ({
  url,
  method: "GET",
  headers,
});

const ok: HttpExpectationSpec = { statusRanges: [{ from: 200, to: 299 }] };

/** The whole body a request sent, with the request itself. */
async function received(request: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

describe("exchange", () => {
  test("a 200 whose body matches the pattern, or does not", async () => {
    const { url } = await serve((_, response) => response.end('{"status":"ok"}'));
    const matching = await exchange(get(url), { ...ok, bodyPattern: '"status":"ok"' }, 2000);
    expect(matching).toEqual({ status: 200, bodyMatched: true, latencyMs: expect.any(Number) });
    const other = await exchange(get(url), { ...ok, bodyPattern: "^degraded" }, 2000);
    expect(other).toMatchObject({ status: 200, bodyMatched: false });
    expect(other.error).toBeUndefined();
  });

  test("without a pattern the body is read but not judged", async () => {
    const { url } = await serve((_, response) => response.end("anything"));
    expect(await exchange(get(url), ok, 2000)).toEqual({ status: 200, latencyMs: expect.any(Number) });
  });

  test("a 503 is the status reported", async () => {
    const { url } = await serve((_, response) => {
      response.statusCode = 503;
      response.end("unavailable");
    });
    expect(await exchange(get(url), ok, 2000)).toEqual({ status: 503, latencyMs: expect.any(Number) });
  });

  test("a 302 is judged as it is: the Location gets no request, and the credentials go nowhere else", async () => {
    const elsewhere: http.IncomingHttpHeaders[] = [];
    const target = await serve((request, response) => {
      elsewhere.push(request.headers);
      response.end("followed");
    });
    const authorizations: (string | undefined)[] = [];
    const { url } = await serve((request, response) => {
      authorizations.push(request.headers.authorization);
      response.writeHead(302, { location: target.url }).end();
    });
    const exchanged = await exchange(get(url, { Authorization: "Bearer secret" }), ok, 2000);
    expect(exchanged).toEqual({ status: 302, latencyMs: expect.any(Number) });
    expect(authorizations).toEqual(["Bearer secret"]);
    // Long enough for a request that was going to be made to have arrived.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(elsewhere).toEqual([]);
  });

  test("a connection the server resets is ECONNRESET, without a status", async () => {
    const { url } = await serve((request) => request.socket.resetAndDestroy());
    const exchanged = await exchange(get(url), ok, 2000);
    expect(exchanged).toEqual({ error: "ECONNRESET", latencyMs: expect.any(Number) });
    expect(checkExchange(exchanged, ok)).toEqual({ passed: false, why: "ECONNRESET" });
  });

  test("a reset after the headers is ECONNRESET, with the status that came before it", async () => {
    const { url } = await serve((request, response) => {
      response.writeHead(200);
      // Time for the client to have read the headers before the reset drops what it had not.
      response.write("part", () => setTimeout(() => request.socket.resetAndDestroy(), 50));
    });
    const exchanged = await exchange(get(url), { ...ok, bodyPattern: "part" }, 2000);
    expect(exchanged).toEqual({ status: 200, error: "ECONNRESET", latencyMs: expect.any(Number) });
  });

  test("a port nobody listens on is ECONNREFUSED", async () => {
    const { server, url } = await serve(() => undefined);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    expect(await exchange(get(url), ok, 2000)).toEqual({
      error: "ECONNREFUSED",
      latencyMs: expect.any(Number),
    });
  });

  test("a server that never answers ends as a Timeout, promptly", async () => {
    const { url } = await serve(() => undefined);
    const started = Date.now();
    const exchanged = await exchange(get(url), ok, 200);
    expect(exchanged).toEqual({ error: "Timeout", latencyMs: expect.any(Number) });
    expect(exchanged.latencyMs).toBeGreaterThanOrEqual(195);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  test("a body that stops coming after the headers times out with its status", async () => {
    const { url } = await serve((_, response) => response.writeHead(200).write("partial"));
    expect(await exchange(get(url), ok, 200)).toEqual({
      status: 200,
      error: "Timeout",
      latencyMs: expect.any(Number),
    });
  });

  test("an endless body is read to 64 KiB and no further, the match over exactly that", async () => {
    const chunk = "a".repeat(16 * 1024);
    const { url } = await serve((_, response) => {
      response.writeHead(200);
      // Writes until the client goes: only a client that stops reading ends this exchange.
      const pump = (): void => {
        while (!response.destroyed && response.write(chunk));
        if (!response.destroyed) response.once("drain", pump);
      };
      pump();
    });
    const exchanged = await exchange(get(url), { ...ok, bodyPattern: "^a{65536}$" }, 5000);
    expect(exchanged).toEqual({ status: 200, bodyMatched: true, latencyMs: expect.any(Number) });
    expect(exchanged.latencyMs).toBeLessThan(5000);
  });

  test("what follows the first 64 KiB is not matched", async () => {
    const { url } = await serve((_, response) => response.end(`${"a".repeat(100 * 1024)}TAIL`));
    const exchanged = await exchange(get(url), { ...ok, bodyPattern: "TAIL" }, 2000);
    expect(exchanged).toMatchObject({ status: 200, bodyMatched: false });
  });

  test("a POST sends its body with its Content-Length, on a connection that closes", async () => {
    const seen: { method?: string; headers: http.IncomingHttpHeaders; body: string }[] = [];
    const { url } = await serve(async (request, response) => {
      seen.push({ method: request.method, headers: request.headers, body: await received(request) });
      response.statusCode = 201;
      response.end();
    });
    const body = '{"name":"café"}';
    const exchanged = await exchange(
      { url, method: "POST", headers: { "Content-Type": "application/json", "content-length": "1" }, body },
      ok,
      2000,
    );
    expect(exchanged).toEqual({ status: 201, latencyMs: expect.any(Number) });
    expect(seen).toEqual([
      {
        method: "POST",
        headers: expect.objectContaining({
          "content-type": "application/json",
          "content-length": String(Buffer.byteLength(body)),
          connection: "close",
        }),
        body,
      },
    ]);
    expect(seen[0].headers["transfer-encoding"]).toBeUndefined();
  });

  test("a scheme other than http: or https: is refused without a request", async () => {
    for (const url of ["ftp://127.0.0.1/", "file:///etc/passwd"]) {
      expect(await exchange(get(url), ok, 2000)).toEqual({ error: "UnsupportedProtocol", latencyMs: 0 });
    }
  });

  test("a malformed URL, method or pattern is an error, never a throw", async () => {
    const { url } = await serve((_, response) => response.end());
    expect(await exchange(get("not a url"), ok, 2000)).toEqual({ error: "ERR_INVALID_URL", latencyMs: 0 });
    expect(await exchange({ ...get(url), method: "GE T" }, ok, 2000)).toEqual({
      error: "ERR_INVALID_HTTP_TOKEN",
      latencyMs: expect.any(Number),
    });
    expect(await exchange(get(url), { ...ok, bodyPattern: "(" }, 2000)).toEqual({
      error: "InvalidBodyPattern",
      latencyMs: 0,
    });
  });
});

describe("checkExchange", () => {
  const expectation: HttpExpectationSpec = {
    statusRanges: [
      { from: 200, to: 204 },
      { from: 301, to: 302 },
    ],
    bodyPattern: "ok",
    maxLatencyMs: 500,
  };
  const good: HttpExchange = { status: 200, latencyMs: 120, bodyMatched: true };

  test("passes a status in any range, both ends included, with the body and latency within bounds", () => {
    for (const status of [200, 204, 301, 302]) {
      expect(checkExchange({ ...good, status }, expectation)).toEqual({ passed: true });
    }
    expect(checkExchange({ ...good, latencyMs: 500 }, expectation)).toEqual({ passed: true });
  });

  test("says why it fails, in a few words", () => {
    const cases: [HttpExchange, string][] = [
      [{ ...good, status: 503 }, "status 503"],
      [{ ...good, status: 205 }, "status 205"],
      [{ ...good, status: 300 }, "status 300"],
      [{ error: "ECONNRESET", latencyMs: 3 }, "ECONNRESET"],
      [{ status: 200, error: "Timeout", latencyMs: 200 }, "Timeout"],
      [{ ...good, bodyMatched: false }, "body did not match /ok/"],
      [{ ...good, latencyMs: 812 }, "took 812 ms > 500 ms"],
    ];
    for (const [exchanged, why] of cases) {
      expect(checkExchange(exchanged, expectation)).toEqual({ passed: false, why });
    }
  });

  test("a body or latency not asked for is not judged", () => {
    expect(checkExchange({ status: 200, latencyMs: 60000 }, ok)).toEqual({ passed: true });
  });
});
