import { Token, type Duration } from "aws-cdk-lib";
import type { IConstruct } from "constructs";
import { refusal } from "./probe";
import type { HttpProbeSpec, StatusRange } from "./probe-spec";
import { checkPattern, renderRated, type RatedProbeOptions } from "./rated";

/** The HTTP methods an HTTP probe sends. */
export enum HttpProbeMethod {
  /** GET. */
  GET = "GET",
  /** HEAD. */
  HEAD = "HEAD",
  /** POST, with the probe's body. */
  POST = "POST",
  /** PUT, with the probe's body. */
  PUT = "PUT",
  /** PATCH, with the probe's body. */
  PATCH = "PATCH",
  /** DELETE. */
  DELETE = "DELETE",
  /** OPTIONS. */
  OPTIONS = "OPTIONS",
}

/** Status codes that pass, from `min` to `max`, both included. */
export interface HttpStatusRange {
  /** The lowest status code that passes: 100 to 599. */
  readonly min: number;
  /**
   * The highest status code that passes: from `min` to 599.
   * @default - `min`: that one status code
   */
  readonly max?: number;
}

/**
 * The end user's view: a request sent from a function of the fault's, sampled over the probe's
 * phase, a share of which must get an expected answer. It goes to the URL given alone: no redirect
 * is followed, so its headers reach no other address. The status codes, errors and latencies seen
 * are the evidence.
 */
export interface HttpProbe extends RatedProbeOptions {
  /**
   * An http:// or https:// URL, without credentials in it. Where it is private, give the
   * hypothesis's `httpProbeVpc`.
   */
  readonly url: string;
  /**
   * The method.
   * @default HttpProbeMethod.GET
   */
  readonly method?: HttpProbeMethod;
  /**
   * Headers sent with each request, to the URL alone. They are part of the state machine's
   * definition and of each experiment's records: give no secret here that those may not hold.
   * @default - none
   */
  readonly headers?: Record<string, string>;
  /**
   * The body, with POST, PUT and PATCH; at most 8 KiB.
   * @default - none
   */
  readonly body?: string;
  /**
   * The status codes that pass.
   * @default - 200 to 299
   */
  readonly expectStatus?: HttpStatusRange[];
  /**
   * A JavaScript regular expression the first 64 KiB of the response body must match.
   * @default - the body is not looked at
   */
  readonly bodyPattern?: string;
  /**
   * The longest a response may take, to the end of its body: at most the timeout.
   * @default - the timeout alone
   */
  readonly maxLatency?: Duration;
}

/** Headers Node.js would refuse to send, or that would make the request another one. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const FORBIDDEN_HEADERS = ["content-length", "transfer-encoding", "connection"];

function statusRanges(refuse: (why: string) => never, given: HttpStatusRange[] | undefined): StatusRange[] {
  const ranges = (given ?? [{ min: 200, max: 299 }]).map((r) => ({ from: r.min, to: r.max ?? r.min }));
  if (!ranges.length) refuse("expectStatus must hold at least one range");
  for (const { from, to } of ranges) {
    if (![from, to].every((code) => Number.isInteger(code) && code >= 100 && code <= 599) || to < from) {
      refuse(`expectStatus ranges take whole codes from 100 to 599, min ≤ max; got ${from}-${to}`);
    }
  }
  return ranges;
}

function checkUrl(refuse: (why: string) => never, url: string): void {
  if (Token.isUnresolved(url)) {
    // A load balancer's DNS name, for one: the scheme must still be fixed here.
    if (!/^https?:\/\//.test(url)) refuse("url must start with http:// or https:// before any token");
    return;
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return refuse(`url is not a URL: ${JSON.stringify(url)}`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:")
    refuse(`url must be http:// or https://; got ${parsed.protocol}`);
  if (parsed.username || parsed.password)
    refuse("url must not hold credentials, which every report would show: send them in a header");
}

export function renderHttpProbe(scope: IConstruct, probe: HttpProbe, weight: number): HttpProbeSpec {
  const refuse = refusal(scope, "HTTP", probe.name);
  checkUrl(refuse, probe.url);
  const method = probe.method ?? HttpProbeMethod.GET;
  if (!Object.values(HttpProbeMethod).includes(method))
    refuse(`method must be an HttpProbeMethod; got ${JSON.stringify(method)}`);
  if (probe.body !== undefined) {
    if (![HttpProbeMethod.POST, HttpProbeMethod.PUT, HttpProbeMethod.PATCH].includes(method))
      refuse(`a body goes with POST, PUT or PATCH; the method is ${method}`);
    if (!Token.isUnresolved(probe.body) && Buffer.byteLength(probe.body) > 8192)
      refuse("body must be at most 8 KiB");
  }
  const headers = probe.headers ?? {};
  for (const [name, value] of Object.entries(headers)) {
    if (!HEADER_NAME.test(name) || FORBIDDEN_HEADERS.includes(name.toLowerCase()))
      refuse(
        `header ${JSON.stringify(name)} cannot be given: a token name, not ${FORBIDDEN_HEADERS.join(", ")}`,
      );
    if (!Token.isUnresolved(value) && /[\r\n\0]/.test(value))
      refuse(`header ${JSON.stringify(name)} holds a line break or NUL`);
  }
  checkPattern(refuse, "bodyPattern", probe.bodyPattern);
  const rated = renderRated(refuse, probe);
  const { sampling } = rated;
  const maxLatencyMs = probe.maxLatency?.toMilliseconds();
  if (maxLatencyMs !== undefined && (maxLatencyMs < 1 || maxLatencyMs > sampling.timeoutSeconds * 1000))
    refuse(
      `maxLatency must be from 1 ms to the timeout (${sampling.timeoutSeconds} s); got ${maxLatencyMs} ms`,
    );
  return {
    kind: "Http",
    name: probe.name,
    weight,
    phase: rated.phase,
    request: {
      url: probe.url,
      method,
      headers,
      ...(probe.body === undefined ? {} : { body: probe.body }),
    },
    expect: {
      statusRanges: statusRanges(refuse, probe.expectStatus),
      ...(probe.bodyPattern === undefined ? {} : { bodyPattern: probe.bodyPattern }),
      ...(maxLatencyMs === undefined ? {} : { maxLatencyMs }),
    },
    successRate: rated.successRate,
    windowSeconds: rated.windowSeconds,
    sampling,
  };
}
