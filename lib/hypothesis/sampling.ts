import { Duration, Token } from "aws-cdk-lib";
import type { ProbeOptions } from "./probe";
import type { SamplingSpec } from "./probe-spec";

/**
 * How a probe is taken while the experiment runs, as Harness's and Litmus's run properties say it:
 * every HTTP, target-health and command probe's samples, and an alarm or metric probe's checks
 * while the fault runs, which it gets with stopOnFailure alone.
 */
export interface SampledProbeOptions extends ProbeOptions {
  /**
   * The time between samples: from 5 seconds to 15 minutes.
   * @default Duration.seconds(10)
   */
  readonly interval?: Duration;
  /**
   * How long one attempt may take: from 1 second to 1 minute, and at most the interval.
   * @default Duration.seconds(5)
   */
  readonly timeout?: Duration;
  /**
   * How many times a sample that failed is tried again, at once, before it counts as failed: 0 to 5.
   * @default 0
   */
  readonly retries?: number;
  /**
   * How long after the experiment's start the first sample is taken: at most 1 hour.
   * @default Duration.seconds(0)
   */
  readonly initialDelay?: Duration;
  /**
   * Whether a failure while the fault runs stops the fault, as a stop-condition alarm does:
   * cleanup, a report with the verdict, and an execution failed with error ProbeFailed.
   * @default false
   */
  readonly stopOnFailure?: boolean;
}

/**
 * An alarm or metric probe's checks while the fault runs: with stopOnFailure, its sampling; without,
 * none, and the run properties refused, which would do nothing.
 */
export function renderChecks(
  refuse: (why: string) => never,
  probe: SampledProbeOptions,
  runsDuringFault: boolean,
): SamplingSpec | undefined {
  if (!probe.stopOnFailure) {
    const given = (["interval", "timeout", "retries", "initialDelay"] as const).filter(
      (k) => probe[k] !== undefined,
    );
    if (given.length)
      refuse(`${given.join(", ")} only take effect with stopOnFailure, which checks it while the fault runs`);
    return undefined;
  }
  if (!runsDuringFault) refuse("stopOnFailure needs a phase during the fault: DURING or CONTINUOUSLY");
  return renderSampling(refuse, probe);
}

/** Checks the sampling options; `refuse` names the probe. */
export function renderSampling(refuse: (why: string) => never, probe: SampledProbeOptions): SamplingSpec {
  const seconds = (name: string, value: Duration | undefined, fallback: number, min: number, max: number) => {
    const got = value === undefined ? fallback : value.toSeconds();
    if (Token.isUnresolved(got) || got < min || got > max) {
      refuse(`${name} must be from ${min} to ${max} seconds, known at synthesis; got ${got} s`);
    }
    return got;
  };
  const intervalSeconds = seconds("interval", probe.interval, 10, 5, 900);
  const timeoutSeconds = seconds("timeout", probe.timeout, 5, 1, 60);
  if (timeoutSeconds > intervalSeconds)
    refuse(`timeout (${timeoutSeconds} s) must be at most the interval (${intervalSeconds} s)`);
  const retries = probe.retries ?? 0;
  if (Token.isUnresolved(retries) || !Number.isInteger(retries) || retries < 0 || retries > 5) {
    refuse(`retries must be a whole number from 0 to 5; got ${retries}`);
  }
  return {
    intervalSeconds,
    timeoutSeconds,
    retries,
    initialDelaySeconds: seconds("initialDelay", probe.initialDelay, 0, 0, 3600),
    stopOnFailure: probe.stopOnFailure ?? false,
  };
}
