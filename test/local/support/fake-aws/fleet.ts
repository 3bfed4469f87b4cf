/** The instances the fake EC2 and SSM share: their EC2 state and tags, and their SSM agent. */
import type { Agent } from "../agents/agent";

export type InstanceStateName =
  "pending" | "running" | "stopping" | "stopped" | "shutting-down" | "terminated";

const STATE_CODES: Record<InstanceStateName, number> = {
  pending: 0,
  running: 16,
  "shutting-down": 32,
  terminated: 48,
  stopping: 64,
  stopped: 80,
};

export const stateCode = (name: InstanceStateName): number => STATE_CODES[name];

export interface FakeInstance {
  readonly id: string;
  state: InstanceStateName;
  tags: Record<string, string>;
  /** Whether an SSM agent ever registered: unregistered instances are unknown to SSM. */
  managed: boolean;
  pingStatus: "Online" | "ConnectionLost" | "Inactive";
  platform: "Linux" | "Windows" | "MacOS";
  /** What runs commands sent to the instance; without one, commands stay Pending until they time out. */
  agent?: Agent;
}

export interface InstanceOptions {
  readonly tags?: Record<string, string>;
  readonly state?: InstanceStateName;
  readonly managed?: boolean;
  readonly pingStatus?: FakeInstance["pingStatus"];
  readonly platform?: FakeInstance["platform"];
  readonly agent?: Agent;
  /** The instance ID; one is made up otherwise. */
  readonly id?: string;
}

let counter = 0;
const newInstanceId = (): string => `i-${(0x0a000000 + ++counter).toString(16).padStart(17, "0")}`;

export class Fleet {
  private readonly byId = new Map<string, FakeInstance>();

  add(options: InstanceOptions = {}): FakeInstance {
    const instance: FakeInstance = {
      id: options.id ?? newInstanceId(),
      state: options.state ?? "running",
      tags: { ...options.tags },
      managed: options.managed ?? true,
      pingStatus: options.pingStatus ?? "Online",
      platform: options.platform ?? "Linux",
      agent: options.agent,
    };
    this.byId.set(instance.id, instance);
    return instance;
  }

  /** `count` instances alike. */
  addMany(count: number, options: Omit<InstanceOptions, "id"> = {}): FakeInstance[] {
    return Array.from({ length: count }, () => this.add(options));
  }

  get(id: string): FakeInstance | undefined {
    return this.byId.get(id);
  }

  all(): FakeInstance[] {
    return [...this.byId.values()];
  }
}
