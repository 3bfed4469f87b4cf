import { World } from "./harness";
import { loadHaproxy, loadOurs } from "./payload";
async function main() {
  process.env.PATH = `/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:${process.env.PATH}`;
  for (const f of (process.argv[2] ?? "oh").split("")) {
    const w = await World.create();
    try {
      await w.serveHttp([80, 8080]);
      const r = f === "o" ? await loadOurs(w) : await loadHaproxy(w);
      console.log(f, JSON.stringify({ lat: [r.latency.p50Ms?.toFixed(2), r.latency.p99Ms?.toFixed(2)], c64: Math.round(r.c64.resets / r.c64.seconds), c512: Math.round(r.c512.resets / r.c512.seconds), cpu: Math.round(r.cpuPercent), rss: r.peakRssMiB.toFixed(1) }));
    } finally { await w.destroy(); }
  }
}
main().catch((e) => { console.error(e); process.exit(1); });
