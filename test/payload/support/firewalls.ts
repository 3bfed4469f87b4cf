/**
 * Host firewalls as instances have them, set up on a test server host. Each lets in only one TCP
 * port and SSH (22), over IPv4 and IPv6, plus loopback, established traffic and what else each
 * product lets in by default. The fault must reset the port's connections through any of them and
 * leave each ruleset exactly as it found it: `ruleset` is what a test compares.
 */
import { must } from "./exec";
import { firewallCmd, startFirewalld } from "./firewalld";
import { ownFiles } from "./host-files";
import { IPTABLES_SAVES, type World } from "./world";

/** The commands that the setups and `ruleset` run, all from Debian packages scripts/test.sh installs. */
export const FIREWALL_COMMANDS: readonly string[] = [
  ...["iptables", "ip6tables"].flatMap((tool) =>
    ["legacy", "nft"].flatMap((backend) => [`${tool}-${backend}-restore`, `${tool}-${backend}-save`]),
  ),
  "nft",
  "ufw",
  "firewalld",
  "firewall-cmd",
  "dbus-daemon",
];

export interface Firewall {
  readonly name: string;
  /**
   * What curl on the client reports for a port the firewall does not let in: "timeout" where it
   * drops, "refused" where it rejects (an ICMP error fails the connect like a refusal does).
   */
  readonly blocked: "timeout" | "refused";
  /**
   * Whether the hosts that have this firewall have iptables-legacy as their `iptables` (RHEL 7 and
   * Amazon Linux 2 with iptables-services do), so that the fault's rules go there too.
   */
  readonly legacyIptables: boolean;
  apply(world: World, port: number): Promise<void>;
}

const onServer = (world: World, argv: readonly string[], input?: string) =>
  must(world.enter(world.server, argv), { input });

type Backend = "legacy" | "nft";

/**
 * /etc/sysconfig/iptables and ip6tables of RHEL's and Amazon Linux 2's iptables-services, with the
 * port let in after SSH, as an admin adds it. With a DROP policy instead, the final REJECTs go.
 */
function sysconfig(family: 4 | 6, port: number, policy: "ACCEPT" | "DROP"): string {
  const [icmp, reject] =
    family === 4 ? ["icmp", "icmp-host-prohibited"] : ["ipv6-icmp", "icmp6-adm-prohibited"];
  return [
    "*filter",
    `:INPUT ${policy} [0:0]`,
    `:FORWARD ${policy} [0:0]`,
    ":OUTPUT ACCEPT [0:0]",
    "-A INPUT -m state --state RELATED,ESTABLISHED -j ACCEPT",
    `-A INPUT -p ${icmp} -j ACCEPT`,
    "-A INPUT -i lo -j ACCEPT",
    "-A INPUT -p tcp -m state --state NEW -m tcp --dport 22 -j ACCEPT",
    `-A INPUT -p tcp -m state --state NEW -m tcp --dport ${port} -j ACCEPT`,
    // The DHCPv6 client's answers, which the stock ip6tables file lets in.
    ...(family === 6
      ? ["-A INPUT -d fe80::/64 -p udp -m udp --dport 546 -m state --state NEW -j ACCEPT"]
      : []),
    ...(policy === "ACCEPT"
      ? [`-A INPUT -j REJECT --reject-with ${reject}`, `-A FORWARD -j REJECT --reject-with ${reject}`]
      : []),
    "COMMIT",
    "",
  ].join("\n");
}

const iptablesServices = (backend: Backend, policy: "ACCEPT" | "DROP"): Firewall => ({
  name: `iptables-services (${backend})${policy === "DROP" ? ", DROP policy" : ""}`,
  blocked: policy === "DROP" ? "timeout" : "refused",
  legacyIptables: backend === "legacy",
  async apply(world, port) {
    await onServer(world, [`iptables-${backend}-restore`], sysconfig(4, port, policy));
    await onServer(world, [`ip6tables-${backend}-restore`], sysconfig(6, port, policy));
  },
});

/**
 * ufw as Ubuntu and Debian set it up: default deny incoming, SSH and the port allowed. ufw runs
 * /usr/sbin/iptables, so its rules go to whichever backend the machine's iptables alternative
 * names (nft on Debian 12). It writes its configuration, so the host gets its own copy.
 */
const ufw: Firewall = {
  name: "ufw",
  blocked: "timeout",
  legacyIptables: false,
  async apply(world, port) {
    await ownFiles(world, ["/etc/ufw", "/etc/default/ufw"]);
    for (const args of [
      ["allow", "ssh"],
      ["allow", `${port}/tcp`],
      ["--force", "enable"],
    ]) {
      await onServer(world, ["ufw", ...args]);
    }
  },
};

/**
 * firewalld's default zone (public: SSH and DHCPv6 client allowed, the rest rejected) with the
 * port let in either as a port or as a service: http for port 80, otherwise a service of our own.
 */
const firewalld = (as: "port" | "service"): Firewall => ({
  name: `firewalld (nftables), ${as} in the default zone`,
  blocked: "refused",
  legacyIptables: false,
  async apply(world, port) {
    await startFirewalld(world);
    if (as === "port") {
      await firewallCmd(world, [`--add-port=${port}/tcp`]);
      return;
    }
    const service = port === 80 ? "http" : `hrp-${port}`;
    if (service !== "http") {
      // A new service exists only in the permanent configuration (the host's copy) until a reload.
      await firewallCmd(world, ["--permanent", `--new-service=${service}`]);
      await firewallCmd(world, ["--permanent", `--service=${service}`, `--add-port=${port}/tcp`]);
      await firewallCmd(world, ["--reload"]);
    }
    await firewallCmd(world, [`--add-service=${service}`]);
  },
});

/**
 * A user's own nftables ruleset: the nftables wiki's "simple ruleset for a server", in an inet
 * table with a base input chain at the given priority and policy drop. ICMPv6 neighbour discovery
 * is let in as there, without which IPv6 does not work at all.
 */
export const nftablesNative = (priority: number): Firewall => ({
  name: `nftables native (inet, policy drop, priority ${priority})`,
  blocked: "timeout",
  legacyIptables: false,
  async apply(world, port) {
    await onServer(
      world,
      ["nft", "-f", "-"],
      `table inet firewall {
        chain inbound_ipv4 {
          icmp type echo-request limit rate 5/second accept
        }
        chain inbound_ipv6 {
          icmpv6 type { nd-neighbor-solicit, nd-router-advert, nd-neighbor-advert } accept
          icmpv6 type echo-request limit rate 5/second accept
        }
        chain inbound {
          type filter hook input priority ${priority}; policy drop;
          ct state vmap { established : accept, related : accept, invalid : drop }
          iifname lo accept
          meta protocol vmap { ip : jump inbound_ipv4, ip6 : jump inbound_ipv6 }
          tcp dport { 22, ${port} } accept
        }
      }`,
    );
  },
});

/** Each setup by name, for a test about one of them. */
export const FIREWALL = {
  iptablesServicesLegacy: iptablesServices("legacy", "ACCEPT"),
  iptablesServicesLegacyDrop: iptablesServices("legacy", "DROP"),
  iptablesServicesNft: iptablesServices("nft", "ACCEPT"),
  iptablesServicesNftDrop: iptablesServices("nft", "DROP"),
  ufw,
  firewalldPort: firewalld("port"),
  firewalldService: firewalld("service"),
  // At the priority of iptables' filter chains, then before and after them: whichever way the
  // fault's own rules are ordered against the user's, connections to the port must be reset.
  nftables: nftablesNative(0),
  nftablesFirst: nftablesNative(-200),
  nftablesLast: nftablesNative(10),
} satisfies Record<string, Firewall>;

/** Every setup, for a test that must hold behind any firewall. */
export const FIREWALLS: readonly Firewall[] = Object.values(FIREWALL);

/** What each tool prints of the server host's rules; a table a backend never had prints nothing. */
const DUMPS: readonly (readonly string[])[] = [
  ...IPTABLES_SAVES.map((save) => [save]),
  // Stateless: without counters, quotas and the like.
  ["nft", "--stateless", "list", "ruleset"],
];

/**
 * The server host's whole firewall state, in every backend, as text that only a change of rules
 * changes: without counters, and without the save tools' comments (a date, and a warning that the
 * other backend has tables too).
 */
export async function ruleset(world: World): Promise<string> {
  const parts: string[] = [];
  for (const argv of DUMPS) {
    const lines = (await onServer(world, argv)).split("\n").filter((line) => !line.startsWith("#"));
    parts.push(`== ${argv.join(" ")}`, ...lines.map((line) => line.replace(/\[\d+:\d+\]/g, "[0:0]")));
  }
  return parts.join("\n");
}
