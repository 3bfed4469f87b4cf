/**
 * Elastic Load Balancing v2 target groups of instance targets, each with a health checker on a real
 * timer, and DescribeTargetHealth as AWS answers it
 * (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_DescribeTargetHealth.html):
 * every registered target, or the ones asked for, where one that is not registered is `unused`; a
 * malformed ARN is a ValidationError and an unknown one TargetGroupNotFound.
 */
import {
  ElasticLoadBalancingV2ServiceException,
  TargetGroupNotFoundException,
  type DescribeTargetHealthCommandInput,
  type TargetDescription,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { randomBytes } from "node:crypto";
import { serviceError, type ServiceExceptionClass } from "./errors";
import { HEALTH, Target, type StateChange, type Thresholds } from "./target-health";

/** How a target group checks its targets; `check` says whether one answers as healthy. */
export interface HealthCheck extends Thresholds {
  readonly intervalMs: number;
  readonly check: (instanceId: string) => boolean | Promise<boolean>;
}

interface TargetGroup {
  readonly healthCheck: HealthCheck;
  readonly targets: Map<string, Target>;
  /** Each instance's changes of state, kept after it is gone and through re-registrations. */
  readonly histories: Map<string, StateChange[]>;
  readonly timer: NodeJS.Timeout;
}

const Base = ElasticLoadBalancingV2ServiceException as unknown as ServiceExceptionClass;

/** Names: 1 to 32 alphanumerics or hyphens, not beginning or ending with a hyphen. */
const NAME = /^(?!-)[A-Za-z0-9-]{1,32}(?<!-)$/;
const TARGET_GROUP_ARN =
  /^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:targetgroup\/[A-Za-z0-9-]{1,32}\/[0-9a-f]{16}$/;

export class FakeLoadBalancing {
  private readonly groups = new Map<string, TargetGroup>();

  constructor(
    private readonly region: string,
    private readonly account: string,
    /** How long a deregistered target drains; AWS's default of 300 s, scaled to milliseconds. */
    private readonly deregistrationDelayMs = 300,
  ) {}

  /** Creates a target group whose checker starts at once, and returns its ARN. */
  /**
   * A target group; `id`, the ARN's last part, is random as AWS makes it unless given, for a
   * deployment synthesized before the group is made.
   */
  createTargetGroup(name: string, healthCheck: HealthCheck, id = randomBytes(8).toString("hex")): string {
    if (!NAME.test(name)) throw new Error(`${name} is not a valid target group name`);
    if ([...this.groups.keys()].some((arn) => arn.split("/")[1] === name)) {
      throw new Error(`a target group named ${name} already exists`);
    }
    const arn = `arn:aws:elasticloadbalancing:${this.region}:${this.account}:targetgroup/${name}/${id}`;
    const group: TargetGroup = {
      healthCheck,
      targets: new Map(),
      histories: new Map(),
      timer: setInterval(() => this.checkAll(group), healthCheck.intervalMs),
    };
    this.groups.set(arn, group);
    return arn;
  }

  /**
   * Registers an instance, which starts `initial`. As RegisterTargets, registering a registered
   * target again changes nothing, and registering a draining one makes it a new target.
   */
  register(targetGroupArn: string, instanceId: string, port = 80): void {
    const group = this.group(targetGroupArn);
    const existing = group.targets.get(instanceId);
    if (existing && existing.port !== port) {
      throw new Error(
        `${instanceId} is registered on port ${existing.port}: the fake keeps one port a target`,
      );
    }
    if (existing && existing.state !== "draining") return;
    clearTimeout(existing?.drainTimer);
    const history = group.histories.get(instanceId) ?? [];
    group.histories.set(instanceId, history);
    group.targets.set(instanceId, new Target(instanceId, port, history));
  }

  /** Deregisters an instance: it drains for the deregistration delay, then is gone. */
  deregister(targetGroupArn: string, instanceId: string): void {
    const group = this.group(targetGroupArn);
    const target = group.targets.get(instanceId);
    if (!target) throw new Error(`${instanceId} is not registered`);
    if (target.state === "draining") return;
    target.drain();
    target.drainTimer = setTimeout(() => {
      group.targets.delete(instanceId);
      target.remove();
    }, this.deregistrationDelayMs);
  }

  /** Every change of an instance's state in a target group, oldest first. */
  history(targetGroupArn: string, instanceId: string): StateChange[] {
    return [...(this.group(targetGroupArn).histories.get(instanceId) ?? [])];
  }

  DescribeTargetHealth(input: DescribeTargetHealthCommandInput) {
    const arn = input.TargetGroupArn;
    if (!arn || !TARGET_GROUP_ARN.test(arn)) {
      throw serviceError(Base, "ValidationError", `'${arn}' is not a valid target group ARN`);
    }
    const group = this.groups.get(arn);
    if (!group) {
      throw serviceError(
        TargetGroupNotFoundException as unknown as ServiceExceptionClass,
        "TargetGroupNotFound",
        "One or more target groups not found",
      );
    }
    const describe = (target: Target) => ({
      Target: { Id: target.id, Port: target.port },
      HealthCheckPort: String(target.port),
      TargetHealth: HEALTH[target.state],
    });
    const unused = ({ Id, Port }: TargetDescription) => ({
      Target: { Id, Port },
      ...(Port === undefined ? {} : { HealthCheckPort: String(Port) }),
      TargetHealth: HEALTH.unused,
    });
    const asked = input.Targets ?? [];
    return {
      TargetHealthDescriptions: asked.length
        ? asked.map((t) => {
            const target = group.targets.get(t.Id ?? "");
            return target && (t.Port === undefined || t.Port === target.port) ? describe(target) : unused(t);
          })
        : [...group.targets.values()].map(describe),
    };
  }

  /** Stops every health checker and every deregistration delay still running. */
  dispose(): void {
    for (const group of this.groups.values()) {
      clearInterval(group.timer);
      for (const target of group.targets.values()) clearTimeout(target.drainTimer);
    }
  }

  private group(arn: string): TargetGroup {
    const group = this.groups.get(arn);
    if (!group) throw new Error(`no target group ${arn}`);
    return group;
  }

  /** One round of checks; a check that throws or rejects has failed, as a timeout does for ELB. */
  private checkAll(group: TargetGroup): void {
    for (const target of group.targets.values()) {
      if (target.checking) continue;
      target.checking = true;
      void Promise.resolve()
        .then(() => group.healthCheck.check(target.id))
        .catch(() => false)
        .then((passed) => {
          target.checking = false;
          target.count(passed, group.healthCheck);
        });
    }
  }
}
