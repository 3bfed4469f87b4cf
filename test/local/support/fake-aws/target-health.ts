/**
 * One registered target's health as an Elastic Load Balancing health checker moves it, with the
 * reason codes and descriptions DescribeTargetHealth gives for each state
 * (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html):
 * a new target is `initial` until a run of checks decides it, `healthyThreshold` consecutive passes
 * making it (or an unhealthy one) `healthy` and `unhealthyThreshold` consecutive failures making it
 * (or a healthy one) `unhealthy`; a deregistered target is `draining` until it is gone, after which
 * the API calls it `unused`.
 */
import type { TargetHealth, TargetHealthStateEnum } from "@aws-sdk/client-elastic-load-balancing-v2";

export type TargetState = Extract<
  TargetHealthStateEnum,
  "initial" | "healthy" | "unhealthy" | "draining" | "unused"
>;

/** One change of a target's state, for tests to read. */
export interface StateChange {
  readonly state: TargetState;
  readonly at: Date;
}

export interface Thresholds {
  readonly healthyThreshold: number;
  readonly unhealthyThreshold: number;
}

/** What DescribeTargetHealth says of each state; a healthy target has no reason. */
export const HEALTH: Record<TargetState, TargetHealth> = {
  initial: {
    State: "initial",
    Reason: "Elb.RegistrationInProgress",
    Description: "Target registration is in progress",
  },
  healthy: { State: "healthy" },
  unhealthy: { State: "unhealthy", Reason: "Target.FailedHealthChecks", Description: "Health checks failed" },
  draining: {
    State: "draining",
    Reason: "Target.DeregistrationInProgress",
    Description: "Target deregistration is in progress",
  },
  unused: {
    State: "unused",
    Reason: "Target.NotRegistered",
    Description: "Target is not registered to the target group",
  },
};

export class Target {
  private current: TargetState = "initial";
  private passes = 0;
  private failures = 0;
  /** Set while a check is out, so a slow check is not overtaken by the next interval's. */
  checking = false;
  /** Ends the deregistration delay of a draining target. */
  drainTimer?: NodeJS.Timeout;

  constructor(
    readonly id: string,
    readonly port: number,
    private readonly history: StateChange[],
  ) {
    history.push({ state: "initial", at: new Date() });
  }

  get state(): TargetState {
    return this.current;
  }

  /** Counts one health check's verdict, changing the state when a run of them reaches its threshold. */
  count(passed: boolean, { healthyThreshold, unhealthyThreshold }: Thresholds): void {
    // A deregistered target's verdicts, even one that was out when it left, no longer count.
    if (this.current === "draining" || this.current === "unused") return;
    this.passes = passed ? this.passes + 1 : 0;
    this.failures = passed ? 0 : this.failures + 1;
    if (this.current !== "healthy" && this.passes >= healthyThreshold) this.enter("healthy");
    else if (this.current !== "unhealthy" && this.failures >= unhealthyThreshold) this.enter("unhealthy");
  }

  drain(): void {
    this.enter("draining");
  }

  /** The target is gone from its group: the history says what DescribeTargetHealth now answers. */
  remove(): void {
    this.enter("unused");
  }

  private enter(state: TargetState): void {
    this.current = state;
    this.history.push({ state, at: new Date() });
  }
}
