/**
 * The fault on hardened hosts: behind each host firewall an instance may have, letting in only the
 * service's port and SSH, every client of nginx is reset during the window, over IPv4 and IPv6,
 * never timed out, refused or answered with ICMP; nginx sees none of their requests; the report
 * says remote peers were reset; and afterwards the firewall's ruleset is what it was.
 */
import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fetchPool, keepAliveClient } from "./support/clients";
import { runDocument, startDocument, type AgentOptions } from "./support/fault";
import { FIREWALL_COMMANDS, FIREWALLS, type Firewall, ruleset } from "./support/firewalls";
import { startNginx } from "./support/nginx";
import { describeAsRootWith } from "./support/root";
import { AGENT_PATH } from "./support/sbin";
import { armed, expectRestored, useWorld } from "./support/scenario";
import { SERVER_V4, SERVER_V6, type World } from "./support/world";

const PORT = 80;
const URLS = [`http://${SERVER_V4}:${PORT}/`, `http://[${SERVER_V6}]:${PORT}/`];
const IPTABLES_TOOLS = [
  "iptables",
  "iptables-save",
  "iptables-restore",
  "ip6tables",
  "ip6tables-save",
  "ip6tables-restore",
];

describeAsRootWith([...FIREWALL_COMMANDS, "nginx"])("the fault through each host firewall", () => {
  const world = useWorld();
  let legacyBin: string;
  beforeAll(() => {
    // Where the firewall is iptables-legacy, as on RHEL 7 and Amazon Linux 2, so is the `iptables`
    // the fault finds: the agent's PATH with the legacy tools first, under their plain names.
    legacyBin = mkdtempSync(join(tmpdir(), "hrp-legacy-"));
    for (const tool of IPTABLES_TOOLS)
      symlinkSync(`/usr/sbin/${tool.replace(/^(ip6?tables)/, "$1-legacy")}`, join(legacyBin, tool));
  });
  afterAll(() => rmSync(legacyBin, { recursive: true, force: true }));

  const agentFor = (firewall: Firewall): AgentOptions =>
    firewall.legacyIptables ? { env: { PATH: `${legacyBin}:${AGENT_PATH}` } } : {};

  /**
   * The ruleset as a test compares it. On the legacy backend the kernel keeps a table once it was
   * used, and cannot drop it: the fault's mangle and nat tables stay behind, empty, with ACCEPT
   * policies. They hold no rule, so they are left out; every rule and every other table counts.
   */
  const rules = async (w: World): Promise<string> =>
    (await ruleset(w)).replace(/^\*(mangle|nat)\n(:[A-Z]+ ACCEPT \[0:0\]\n)+COMMIT\n/gm, "");

  test.each(FIREWALLS)(
    "$name: every client reset, nginx untouched, the ruleset as it was",
    async (firewall) => {
      const w = world();
      const nginx = await startNginx(w, PORT);
      await firewall.apply(w, PORT);
      // Clients with connections opened before the fault, as a service's callers have them.
      const held = await Promise.all(
        URLS.flatMap((url) => [keepAliveClient(w, w.client, url), fetchPool(w, w.client, url)]),
      );
      const before = await rules(w);

      const fault = startDocument(w, { DurationSeconds: "4", ExperimentId: "hardened" }, agentFor(firewall));
      await armed(w);
      const during = {
        newConnections: await Promise.all(URLS.map((url) => w.curl(w.client, url))),
        heldConnections: (await Promise.all(held.map((c) => c.round()))).flat().map((s) => s.outcome),
        localhost: await w.curl(w.server, `http://localhost:${PORT}/`),
        secondInjection: (await runDocument(w, { ExperimentId: "second" }, agentFor(firewall))).summary.error,
      };
      const result = await fault.done;

      expect(during).toEqual({
        newConnections: ["reset", "reset"],
        heldConnections: during.heldConnections.map(() => "reset"),
        localhost: "reset",
        secondInjection: "another injection is active on this instance (hardened)",
      });
      expect(result.code).toBe(0);
      expect(result.summary).toMatchObject({
        remoteConnectionsReset: 2,
        remoteTraffic: "Reset",
        verified: true,
        verifiedBy: ["remote peers", "localhost"],
        restored: true,
        ipv6: true,
      });
      const { startedAt, endedAt } = result.summary as { startedAt: string; endedAt: string };
      const inWindow = nginx
        .accessLog()
        .filter((r) => r.at >= Date.parse(startedAt) && r.at <= Date.parse(endedAt));
      expect(inWindow).toEqual([]);

      expect(await rules(w)).toBe(before);
      expect(await Promise.all(URLS.map((url) => w.curl(w.client, url)))).toEqual([200, 200]);
    },
  );

  test.each(FIREWALLS)(
    "$name: SIGKILL of the command's process group restores host and ruleset",
    async (firewall) => {
      const w = world();
      await startNginx(w, PORT);
      await firewall.apply(w, PORT);
      const before = await rules(w);
      const fault = startDocument(w, { DurationSeconds: "60" }, agentFor(firewall));
      await armed(w);
      expect(await w.curl(w.client, URLS[1])).toBe("reset");
      fault.killGroup();
      await expectRestored(w);
      expect(await rules(w)).toBe(before);
      expect(await Promise.all(URLS.map((url) => w.curl(w.client, url)))).toEqual([200, 200]);
    },
  );
});
