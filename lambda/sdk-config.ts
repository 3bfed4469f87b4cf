import { homeRegion } from "./environment";

/**
 * Settings every SDK client shares. SSM and EC2 throttle bursts of calls with ThrottlingException;
 * adaptive retry backs off and slows the client's own rate instead of failing the task.
 */
export const RETRY = { retryMode: "adaptive", maxAttempts: 8 } as const;

/** A client configuration for the function's own account and region. */
export const homeConfig = () => ({ ...RETRY, region: homeRegion() });
