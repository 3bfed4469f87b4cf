/**
 * The host firewalls that the fault must work through, set up for real on a test server host in
 * front of nginx: each lets in the port and SSH, from every kind of client, over IPv4 and IPv6,
 * keeps every other port out, and its ruleset reads the same whenever it is read.
 */
import { fetchPool, keepAliveClient } from "./support/clients";
import { must } from "./support/exec";
import { FIREWALL, FIREWALL_COMMANDS, FIREWALLS, ruleset } from "./support/firewalls";
import { startNginx } from "./support/nginx";
import { describeAsRootWith } from "./support/root";
import { useWorld } from "./support/scenario";
import { SERVER_V4, SERVER_V6 } from "./support/world";

const PORT = 80;
const OTHER_PORT = 8080;
const SSH_PORT = 22;
const urls = (port: number) => [`http://${SERVER_V4}:${port}/`, `http://[${SERVER_V6}]:${port}/`];

describeAsRootWith([...FIREWALL_COMMANDS, "nginx"])("Host firewalls", () => {
  const world = useWorld();

  test.each(FIREWALLS)("$name lets in only the port and SSH, keeps its ruleset", async (firewall) => {
    const w = world();
    const nginx = await startNginx(w, PORT);
    // The fixture server stands for sshd on 22: an answer there shows that SSH is let in.
    await w.serveHttp([OTHER_PORT, SSH_PORT]);
    await firewall.apply(w, PORT);
    const before = await ruleset(w);

    const curl = (port: number) => Promise.all(urls(port).map((url) => w.curl(w.client, url)));
    const [port, ssh, other] = await Promise.all([curl(PORT), curl(SSH_PORT), curl(OTHER_PORT)]);
    expect({ port, ssh, other }).toEqual({
      port: [200, 200],
      ssh: [200, 200],
      other: [firewall.blocked, firewall.blocked],
    });
    // The other port answers on the host itself: it is the firewall that keeps it out.
    expect(await w.curl(w.server, `http://localhost:${OTHER_PORT}/`)).toBe(200);

    const clients = await Promise.all(
      urls(PORT).flatMap((url) => [keepAliveClient(w, w.client, url), fetchPool(w, w.client, url)]),
    );
    for (const client of clients) {
      expect(client.first.map((s) => s.outcome)).toEqual(client.first.map(() => 200));
      const again = await client.round();
      expect(again.map((s) => s.outcome)).toEqual(again.map(() => 200));
    }
    // curl's two, and each client's two rounds: every request got through to nginx.
    const rounds = clients.reduce((sum, client) => sum + client.seen.length, 0);
    expect(nginx.accessLog()).toHaveLength(port.length + rounds);

    expect(await ruleset(w)).toBe(before);
  });

  test("ufw puts its rules in through the machine's iptables, in that one backend", async () => {
    const w = world();
    await FIREWALL.ufw.apply(w, PORT);
    const version = await must(w.enter(w.server, ["iptables", "--version"]));
    const [used, unused] = version.includes("nf_tables") ? ["nft", "legacy"] : ["legacy", "nft"];
    for (const family of ["iptables", "ip6tables"]) {
      expect(await must(w.enter(w.server, [`${family}-${used}-save`]))).toMatch(/^:ufw6?-user-input /m);
      expect(await must(w.enter(w.server, [`${family}-${unused}-save`]))).not.toContain("ufw");
    }
  });

  test("firewalld lets in a port other than http's as a service of its own", async () => {
    const w = world();
    const port = 8081;
    await w.serveHttp([port, PORT]);
    await FIREWALL.firewalldService.apply(w, port);
    const [inV4, inV6, outV4] = await Promise.all(
      [...urls(port), urls(PORT)[0]].map((url) => w.curl(w.client, url)),
    );
    expect({ inV4, inV6, outV4 }).toEqual({ inV4: 200, inV6: 200, outV4: "refused" });
  });
});
