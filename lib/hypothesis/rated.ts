import { Duration, Token } from "aws-cdk-lib";
import { ProbePhase } from "./probe-phase";
import type { PhaseName, SamplingSpec } from "./probe-spec";
import { renderSampling, type SampledProbeOptions } from "./sampling";

/**
 * What HTTP and command probes share: each sample passes or fails, and a share of the samples in each
 * window of the probe's phase must pass.
 */
export interface RatedProbeOptions extends SampledProbeOptions {
  /**
   * The share of samples in each of the phase's windows that must pass, in percent: 1 to 100.
   * @default 100
   */
  readonly successRate?: number;
  /**
   * When it is sampled and judged. BEFORE (and BEFORE_AND_AFTER, CONTINUOUSLY) make it part of the
   * steady state: one sample before the fault, which must pass, or nothing is injected.
   * @default ProbePhase.DURING
   */
  readonly phase?: ProbePhase;
  /**
   * How long the After window lasts from the fault's end: from the interval to 1 hour. The
   * experiment goes on sampling until it has passed.
   * @default Duration.minutes(1)
   */
  readonly window?: Duration;
}

/** The rated part of a probe's spec. */
export interface RatedSpec {
  readonly phase: PhaseName;
  readonly successRate: number;
  readonly windowSeconds: number;
  readonly sampling: SamplingSpec;
}

export function renderRated(refuse: (why: string) => never, probe: RatedProbeOptions): RatedSpec {
  const phase = probe.phase ?? ProbePhase.DURING;
  if (!Object.values(ProbePhase).includes(phase))
    refuse(`phase must be a ProbePhase; got ${JSON.stringify(phase)}`);
  const sampling = renderSampling(refuse, probe);
  const rate = probe.successRate ?? 100;
  if (Token.isUnresolved(rate) || !(rate >= 1 && rate <= 100))
    refuse(`successRate must be a percentage from 1 to 100; got ${rate}`);
  const window = (probe.window ?? Duration.minutes(1)).toSeconds();
  if (window < sampling.intervalSeconds || window > 3600)
    refuse(`window must be from the interval (${sampling.intervalSeconds} s) to 1 hour; got ${window} s`);
  return { phase, successRate: rate / 100, windowSeconds: window, sampling };
}

/** Refuses a pattern that is not a JavaScript regular expression. */
export function checkPattern(
  refuse: (why: string) => never,
  name: string,
  pattern: string | undefined,
): void {
  if (pattern === undefined) return;
  try {
    new RegExp(pattern);
  } catch (error) {
    refuse(`${name} is not a regular expression: ${(error as Error).message}`);
  }
}
