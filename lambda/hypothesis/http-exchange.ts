/**
 * One HTTP exchange as the HTTP probe takes it, the end user's view of the service under the fault:
 * a single request to the URL fixed at deployment, on a connection of its own and bounded in time,
 * whose status, body (its first 64 KiB) and latency are then judged against the probe's expectation.
 * Node's standard library alone, so that the probe function's bundle carries no dependency.
 */
import * as http from "node:http";
import * as https from "node:https";
import { URL } from "node:url";
import type { HttpExpectationSpec, HttpRequestSpec, StatusRange } from "../../lib/hypothesis/probe-spec";

/** What one HTTP request got: a status or an error, and how long it took. */
export interface HttpExchange {
  /** The response's status code, when one came. */
  readonly status?: number;
  /**
   * Otherwise the error: the Node error code (ECONNRESET, ECONNREFUSED, EPIPE, ENOTFOUND, EHOSTUNREACH,
   * CERT_HAS_EXPIRED, ...), or "Timeout". It comes with the status when the failure cut the body short.
   */
  readonly error?: string;
  /** From the request's start to the end of the response body (or to the error). */
  readonly latencyMs: number;
  /** With a bodyPattern and a response: whether the first 64 KiB of the body matched. */
  readonly bodyMatched?: boolean;
}

/** The part of an exchange known when it ends; the status and latency are added then. */
type Ending = Pick<HttpExchange, "error" | "bodyMatched">;

/**
 * The most of a body read and matched. A health page fits well within it, and a service that streams
 * without end, or a large download, costs the probe no more than this.
 */
const BODY_LIMIT_BYTES = 64 * 1024;

/** Headers this module sets itself, whatever the request's headers say. */
const OWN_HEADERS = new Set(["connection", "content-length", "transfer-encoding"]);

/**
 * Sends the request and reports what came back. Never throws: the probe counts a failed exchange
 * as a failed sample, so every failure, even a malformed request, is an exchange with an error.
 */
export async function exchange(
  request: HttpRequestSpec,
  expect: HttpExpectationSpec,
  timeoutMs: number,
): Promise<HttpExchange> {
  let url: URL;
  try {
    url = new URL(request.url);
  } catch (error) {
    return { error: errorName(error), latencyMs: 0 };
  }
  const client = clientFor(url);
  // The construct refuses other URLs at synthesis; this is defence in depth, so that no file: or
  // other scheme is ever read by the probe.
  if (client === undefined) return { error: "UnsupportedProtocol", latencyMs: 0 };
  const pattern = compiled(expect.bodyPattern);
  if (pattern === null) return { error: "InvalidBodyPattern", latencyMs: 0 };
  return send(client, url, request, pattern, timeoutMs);
}

/** Whether the exchange passes, and if not, why in a few words. */
export function checkExchange(
  exchanged: HttpExchange,
  expect: HttpExpectationSpec,
): { readonly passed: boolean; readonly why?: string } {
  const { status, error, latencyMs, bodyMatched } = exchanged;
  // An error first: the end user saw the failure, whatever status came before it.
  if (error !== undefined) return { passed: false, why: error };
  if (status === undefined) return { passed: false, why: "no status" };
  if (!expect.statusRanges.some((range) => within(status, range))) {
    return { passed: false, why: `status ${status}` };
  }
  if (expect.bodyPattern !== undefined && bodyMatched !== true) {
    return { passed: false, why: `body did not match /${expect.bodyPattern}/` };
  }
  if (expect.maxLatencyMs !== undefined && latencyMs > expect.maxLatencyMs) {
    return { passed: false, why: `took ${latencyMs} ms > ${expect.maxLatencyMs} ms` };
  }
  return { passed: true };
}

const within = (status: number, range: StatusRange): boolean => status >= range.from && status <= range.to;

/** Node's client for the URL's scheme; TLS certificates are verified as Node does by default. */
function clientFor(url: URL): typeof http | typeof https | undefined {
  if (url.protocol === "http:") return http;
  if (url.protocol === "https:") return https;
  return undefined;
}

/** The body pattern as a regular expression, undefined when there is none, null when it is malformed. */
function compiled(pattern: string | undefined): RegExp | undefined | null {
  if (pattern === undefined) return undefined;
  try {
    return new RegExp(pattern);
  } catch {
    return null;
  }
}

/** The request's headers, with those that govern the connection and the body set here. */
function headersFor(request: HttpRequestSpec): http.OutgoingHttpHeaders {
  const given = Object.entries(request.headers).filter(([name]) => !OWN_HEADERS.has(name.toLowerCase()));
  return {
    ...Object.fromEntries(given),
    // The server closes the connection after answering, so none is left half open between samples.
    connection: "close",
    // A body of known length rather than chunked, which some servers and proxies refuse on requests.
    ...(request.body !== undefined && { "content-length": Buffer.byteLength(request.body) }),
  };
}

/**
 * One request on a fresh connection. Node's client never follows a redirect, and nothing here
 * does: a 3xx is the status judged, and the headers, which may carry credentials, go only to the
 * URL given, never to a Location the server names.
 */
function send(
  client: typeof http | typeof https,
  url: URL,
  request: HttpRequestSpec,
  pattern: RegExp | undefined,
  timeoutMs: number,
): Promise<HttpExchange> {
  return new Promise((resolve) => {
    const started = performance.now();
    let outgoing: http.ClientRequest | undefined;
    let incoming: http.IncomingMessage | undefined;
    let ended = false;
    const end = (ending: Ending): void => {
      if (ended) return;
      ended = true;
      clearTimeout(timer);
      // The connection serves this request alone: closing it stops any further reading, ends a
      // timed-out exchange wherever it stood, and leaves no socket open behind the probe.
      incoming?.destroy();
      outgoing?.destroy();
      resolve({
        ...(incoming?.statusCode !== undefined && { status: incoming.statusCode }),
        ...ending,
        latencyMs: Math.round(performance.now() - started),
      });
    };
    // One bound on the whole exchange (lookup, connect, send, response, body), as the end user waits.
    const timer = setTimeout(() => end({ error: "Timeout" }), timeoutMs);
    try {
      // No agent: each sample opens its own connection, independent of the last, so that a reset
      // shows as the error it is rather than as a stale pooled socket.
      outgoing = client.request(url, { method: request.method, headers: headersFor(request), agent: false });
      outgoing.on("response", (response) => {
        incoming = response;
        readBody(response, pattern, end);
      });
      outgoing.on("error", (error) => end({ error: errorName(error) }));
      outgoing.end(request.body);
    } catch (error) {
      // Node refuses some requests before sending them: a method or header value it cannot send.
      end({ error: errorName(error) });
    }
  });
}

/** Reads the body up to the limit, then ends the exchange with the pattern's match over what was read. */
function readBody(
  response: http.IncomingMessage,
  pattern: RegExp | undefined,
  end: (ending: Ending) => void,
): void {
  const chunks: Buffer[] = [];
  let size = 0;
  const matched = (): Ending =>
    pattern === undefined
      ? {}
      : { bodyMatched: pattern.test(Buffer.concat(chunks).subarray(0, BODY_LIMIT_BYTES).toString("utf8")) };
  response.on("data", (chunk: Buffer) => {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= BODY_LIMIT_BYTES) end(matched());
  });
  response.on("end", () => end(matched()));
  response.on("error", (error) => end({ error: errorName(error) }));
}

/** Node's code for an error (ECONNRESET, CERT_HAS_EXPIRED, ...), or its message when it has none. */
function errorName(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === "string") return code;
  return error instanceof Error ? error.message : String(error);
}
