import { homeRegion } from "../input/environment";
import { traced } from "../telemetry";

/**
 * Settings every SDK client shares. SSM and EC2 throttle bursts of calls with ThrottlingException;
 * adaptive retry backs off and slows the client's own rate instead of failing the task.
 */
export const RETRY = { retryMode: "adaptive", maxAttempts: 8 } as const;

/** A client configuration for the function's own account and region. */
export const homeConfig = () => ({ ...RETRY, region: homeRegion() });

type HomeConfig = ReturnType<typeof homeConfig>;

const kept = new Map<new (config: HomeConfig) => unknown, Map<string, unknown>>();

/**
 * A client with the function's own identity, in `region`, made once in a warm container and kept:
 * making one resolves its whole configuration (environment, shared files, endpoint rules), which
 * costs more than most of the calls a task makes with it. Lambda's own advice is the same: "Take
 * advantage of execution environment reuse ... Initialize SDK clients ... outside of the function
 * handler" (https://docs.aws.amazon.com/lambda/latest/dg/best-practices.html).
 */
export function homeClient<T>(Client: new (config: HomeConfig) => T, region = homeRegion()): T {
  let byRegion = kept.get(Client);
  if (!byRegion) kept.set(Client, (byRegion = new Map()));
  let client = byRegion.get(region) as T | undefined;
  if (!client) byRegion.set(region, (client = traced(new Client({ ...homeConfig(), region }))));
  return client;
}

/** Drops every kept client (tests, which change the function's identity or spy on client making). */
export function forgetHomeClients(): void {
  kept.clear();
}
