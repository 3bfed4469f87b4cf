/**
 * Every call the fake AWS answered (or throttled), with who made it: the access key that signed
 * the request, and the identity the fake STS knows that key as.
 */
export interface Call {
  readonly service: string;
  readonly operation: string;
  readonly input: Record<string, unknown>;
  readonly accessKeyId: string;
  /** The ARN of the identity that signed the call, or "unknown". */
  readonly identity: string;
  readonly region: string;
  readonly throttled: boolean;
  readonly at: number;
}

/**
 * The identity an instance's SSM agent calls with: the role of its instance profile, in a session
 * named after the instance, as CloudTrail shows it.
 */
export const instanceIdentity = (instanceId: string): string =>
  `arn:aws:sts::111111111111:assumed-role/instance-profile-role/${instanceId}`;

/** Whether an instance's agent made the call, rather than the fault's functions. */
export const byInstance = (call: Call): boolean =>
  call.identity.includes(":assumed-role/instance-profile-role/");

/** A small deterministic generator, so that a throttled run can be replayed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}

export class CallLog {
  readonly calls: Call[] = [];
  private throttleFraction = 0;
  private throttleFilter: (service: string, operation: string) => boolean = () => true;
  private random = seededRandom(42);

  /** From now on, `fraction` of the calls that `filter` picks are throttled. */
  throttle(fraction: number, filter?: (service: string, operation: string) => boolean, seed = 42): void {
    this.throttleFraction = fraction;
    this.throttleFilter = filter ?? (() => true);
    this.random = seededRandom(seed);
  }

  shouldThrottle(service: string, operation: string): boolean {
    return (
      this.throttleFraction > 0 &&
      this.throttleFilter(service, operation) &&
      this.random() < this.throttleFraction
    );
  }

  record(call: Omit<Call, "at">): void {
    this.calls.push({ ...call, at: Date.now() });
  }

  /** Calls of one operation ("SSM:SendCommand"), or of all when none is named; throttled ones included unless asked. */
  of(name?: string, { throttled = true } = {}): Call[] {
    return this.calls.filter(
      (c) => (!name || `${c.service}:${c.operation}` === name) && (throttled || !c.throttled),
    );
  }

  /** "Service:Operation" → number of calls, throttled ones included. */
  counts(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const c of this.calls)
      counts[`${c.service}:${c.operation}`] = (counts[`${c.service}:${c.operation}`] ?? 0) + 1;
    return counts;
  }

  throttledCount(): number {
    return this.calls.filter((c) => c.throttled).length;
  }

  clear(): void {
    this.calls.length = 0;
  }
}
