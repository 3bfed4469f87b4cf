/**
 * A host without iptables, and a stand-in apt-get that records how it is called and links the
 * hidden binaries back (test/payload/fixtures/fake-bin/apt-get): the tests reach no package
 * repository.
 */
import { join } from "node:path";
import type { AgentOptions } from "./fault";
import { AGENT_PATH } from "./sbin";

/** Where the stand-in apt-get writes each call, below `scratch`. */
export const aptLog = (scratch: string): string => join(scratch, "apt.log");

/** The agent's options that hide iptables, with the stand-in installer first on PATH. */
export const withoutIptables = (scratch: string, env: NodeJS.ProcessEnv = {}): AgentOptions => ({
  hide: ["/usr/sbin"],
  originalsAt: join(scratch, "originals"),
  env: {
    PATH: `${join(__dirname, "..", "fixtures", "fake-bin")}:${AGENT_PATH}`,
    FAKE_APT_LOG: aptLog(scratch),
    FAKE_APT_ORIGINALS: join(scratch, "originals"),
    ...env,
  },
});
