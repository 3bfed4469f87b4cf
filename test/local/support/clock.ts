/**
 * Simulated time for one experiment, moved only by its Wait states. A Wait of N seconds entered
 * at simulated time t lasts a millisecond of real time and, just before it ends, moves the clock
 * to t + N unless it is there already; the simulated instances hold their faults by this clock.
 * So each group is checked exactly as often as the plan's poll interval makes it on AWS, however
 * long the local work between two Waits takes, child executions waiting side by side move the
 * clock once, and an experiment of minutes runs in the time its control plane works.
 */
import { pollSeconds } from "../../../lib/execution-limits";
import type { AgentClock } from "./agents/simulated";

const WAIT_MS = 1;

/**
 * The fake AWS's timing for a run on the clock: commands are known and delivered at once, so that
 * their faults start before the next Wait moves the clock; their time on the instance is on it.
 */
export const TIMING_ON_THE_CLOCK = { visibilityMs: 0, deliveryMs: 0 };

interface Timer {
  readonly at: number;
  readonly fn: () => void;
}

export class SimulatedClock implements AgentClock {
  private seconds = 0;
  private timers: Timer[] = [];

  /** How long the experiment has run, in simulated seconds. */
  get elapsedSeconds(): number {
    return this.seconds;
  }

  after(seconds: number, fn: () => void): () => void {
    const timer = { at: this.seconds + seconds, fn };
    this.timers.push(timer);
    return () => (this.timers = this.timers.filter((t) => t !== timer));
  }

  /**
   * RunOptions.waitMs for a run without ramps: each Wait as long as on AWS, where the plan sets the
   * poll interval for faults of `durationSeconds`.
   */
  waitsOfRun(durationSeconds: number): (state: string) => number {
    const seconds: Record<string, number> = {
      "Wait for progress": pollSeconds(durationSeconds),
      "Ramp up": 0,
      "Ramp down": 0,
    };
    return (state) => this.wait(seconds[state]);
  }

  /** The real milliseconds a Wait of `seconds` lasts; by their end, the clock is `seconds` later. */
  wait(seconds: number): number {
    // Timers of one duration fire in the order they were made: this one fires after the fake SSM's
    // deliveries of commands sent before the Wait (so their faults start before the clock moves),
    // and before the runner's own timer for this Wait, which is made right after this returns.
    const until = this.seconds + seconds;
    setTimeout(() => this.advanceTo(until), WAIT_MS);
    return WAIT_MS;
  }

  private advanceTo(until: number): void {
    this.seconds = Math.max(this.seconds, until);
    const due = this.timers.filter((t) => t.at <= this.seconds).sort((a, b) => a.at - b.at);
    this.timers = this.timers.filter((t) => t.at > this.seconds);
    for (const timer of due) timer.fn();
  }
}
