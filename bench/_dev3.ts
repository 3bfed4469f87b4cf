import { World } from "./harness";
async function main() {
  process.env.PATH = `${process.env.PATH}:/usr/sbin:/sbin`;
  const w = await World.create();
  const wr = async (label: string) => {
    const r = await w.on(
      w.client,
      ["wrk", "-t2", "-c32", "-d3s", "-H", "Connection: close", "http://198.18.0.1:8080/"],
      { timeoutMs: 20000 },
    );
    const m = /Requests\/sec:\s+([\d.]+)/.exec(r.stdout);
    const lat = /Latency\s+(\S+)\s+(\S+)\s+(\S+)/.exec(r.stdout);
    console.log(label, m?.[1], lat?.slice(1).join(" "), /Socket errors.*/.exec(r.stdout)?.[0] ?? "");
  };
  try {
    await w.serveHttp([80, 8080]);
    await wr("none");
    await wr("none");
    await w.on(w.server, [
      "iptables",
      "-t",
      "nat",
      "-A",
      "PREROUTING",
      "-p",
      "tcp",
      "--dport",
      "9",
      "-j",
      "RETURN",
    ]);
    await wr("nat-rule");
    await wr("nat-rule");
    await w.on(w.server, ["iptables", "-t", "nat", "-F", "PREROUTING"]);
    await wr("flushed");
    await w.on(w.server, [
      "iptables",
      "-t",
      "raw",
      "-A",
      "PREROUTING",
      "-p",
      "tcp",
      "--dport",
      "9",
      "-j",
      "RETURN",
    ]);
    await wr("raw-rule");
    await w.on(w.server, [
      "iptables",
      "-t",
      "filter",
      "-A",
      "INPUT",
      "-p",
      "tcp",
      "--dport",
      "9",
      "-m",
      "conntrack",
      "--ctstate",
      "ESTABLISHED",
      "-j",
      "RETURN",
    ]);
    await wr("ct-filter-rule");
    await w
      .on(w.server, [
        "sh",
        "-c",
        "cat /proc/sys/net/netfilter/nf_conntrack_count; sysctl net.netfilter.nf_conntrack_tcp_timeout_time_wait",
      ])
      .then((r) => console.log(r.stdout));
  } finally {
    await w.destroy();
  }
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
