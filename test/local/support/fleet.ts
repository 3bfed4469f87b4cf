/**
 * A small fleet of namespace-backed instances: each a World serving HTTP, known to the fake EC2
 * and SSM, with an agent that runs the real document, and a client sending requests to it all
 * the time. Everything is torn down by `destroy`, whatever happened.
 */
import { World } from "../../payload/support/world";
import { NamespaceAgent } from "./agents/namespace";
import type { FakeAws, FakeInstance } from "./fake-aws";
import { Traffic } from "./traffic";

export const PORT = 8080;

export interface NamespaceInstance {
  readonly instance: FakeInstance;
  readonly world: World;
  readonly agent: NamespaceAgent;
  readonly traffic: Traffic;
}

export class NamespaceFleet {
  readonly members: NamespaceInstance[] = [];

  private constructor(private readonly aws: FakeAws) {}

  static async create(aws: FakeAws, count: number, tags: (n: number) => Record<string, string> = () => ({})) {
    const fleet = new NamespaceFleet(aws);
    try {
      for (let n = 0; n < count; n++) {
        const world = await World.create();
        // Pushed first so that destroy finds it even if what follows fails.
        const member = { world } as NamespaceInstance;
        fleet.members.push(member);
        await world.serveHttp([PORT, PORT + 1]);
        const agent = new NamespaceAgent(world);
        Object.assign(member, {
          agent,
          instance: aws.fleet.add({ tags: tags(n), agent }),
          traffic: new Traffic(world, PORT),
        });
      }
    } catch (e) {
      await fleet.destroy();
      throw e;
    }
    return fleet;
  }

  byId(id: string): NamespaceInstance {
    const member = this.members.find((m) => m.instance.id === id);
    if (!member) throw new Error(`${id} is not in the namespace fleet`);
    return member;
  }

  get ids(): string[] {
    return this.members.map((m) => m.instance.id);
  }

  /** Whether no rule, chain or process of the fault remains on any instance. */
  async allClean(): Promise<boolean> {
    const clean = await Promise.all(this.members.map((m) => m.world.isClean()));
    return clean.every(Boolean);
  }

  async destroy(): Promise<void> {
    await this.aws.dispose();
    for (const m of this.members) m.traffic?.stop();
    await Promise.all(this.members.map((m) => m.world.destroy()));
  }
}
