/**
 * A small fleet of namespace-backed instances: each a World serving HTTP, known to the fake EC2
 * and SSM, with an agent that runs the real document, and a client sending requests to it all
 * the time. Everything is torn down by `destroy`, whatever happened.
 */
import { waitFor } from "../../payload/support/exec";
import { World } from "../../payload/support/world";
import { NamespaceAgent } from "./agents/namespace";
import type { FakeAws, FakeInstance } from "./fake-aws";
import { commandStatus, ENDED } from "./fake-aws/ssm-commands";
import { Traffic } from "../../payload/support/traffic";

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

  /**
   * Resolves once every command sent so far has ended (each Inject, cancelled or not, and every
   * Cleanup, the abort rule's included), and with it each script the agents ran for it: from then
   * on nothing changes an instance until the next command.
   */
  commandsEnded(): Promise<void> {
    const ended = () => this.aws.ssm.commands.every((c) => ENDED.has(commandStatus(c)));
    return waitFor("every command sent to the fleet to end", ended, 50);
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
