/**
 * The real clients that the payload tests watch the fault through: that they keep their
 * connections, and that each names a reset, a drop and a refusal for what it is, so that a test
 * reading "reset" knows the client saw an RST.
 */
import { fetchPool, keepAliveClient, type Seen } from "./support/clients";
import { must } from "./support/exec";
import { startNginx } from "./support/nginx";
import { describeAsRootWith } from "./support/root";
import { useWorld } from "./support/scenario";
import { CLIENT_V4, CLIENT_V6, SERVER_V4, SERVER_V6, type World } from "./support/world";

const PORT = 80;
const CLOSED_PORT = 81;
const URL_V4 = `http://${SERVER_V4}:${PORT}/`;
const URL_V6 = `http://[${SERVER_V6}]:${PORT}/`;
const outcomes = (seen: Seen[]) => seen.map((s) => s.outcome);

/**
 * What the server host's firewall does to segments that carry a request: longer than any segment
 * of a handshake or a bare ACK (80 bytes at most, an IPv6 SYN with its options). Connections
 * still open, so that a reset comes on an established connection, as the fault's does.
 */
const onRequests = (world: World, verdict: string) =>
  must(world.enter(world.server, ["nft", "-f", "-"]), {
    input: `table inet harness
      delete table inet harness
      table inet harness {
        chain input {
          type filter hook input priority 0;
          tcp dport ${PORT} meta length > 80 ${verdict}
        }
      }`,
  });

describeAsRootWith(["nginx", "nft"])("Clients", () => {
  const world = useWorld();

  test("the keep-alive client and the fetch pool send each round on the connections they opened", async () => {
    const w = world();
    const nginx = await startNginx(w, PORT, "from nginx");
    expect(await must(w.enter(w.client, ["curl", "-sS", "-g", URL_V6]))).toBe("from nginx");
    const keepAlive = await keepAliveClient(w, w.client, URL_V4);
    const pool = await fetchPool(w, w.client, URL_V6, 4);
    expect(await keepAlive.round()).toMatchObject([{ outcome: 200, reused: true }]);
    expect(outcomes(await pool.round())).toEqual([200, 200, 200, 200]);

    const log = nginx.accessLog();
    const fromKeepAlive = log.filter((entry) => entry.remote === CLIENT_V4);
    expect(fromKeepAlive.map((entry) => entry.connectionRequests)).toEqual([1, 2]);
    expect(new Set(fromKeepAlive.map((entry) => entry.connection)).size).toBe(1);
    const fromPool = log.filter((entry) => entry.remote === CLIENT_V6);
    expect(fromPool).toHaveLength(1 + 8);
    // curl's connection, and the pool's four.
    expect(new Set(fromPool.map((entry) => entry.connection)).size).toBe(1 + 4);
    expect(fromPool.every((entry) => entry.status === 200 && entry.request === "GET / HTTP/1.1")).toBe(true);
    expect(log.every((entry) => Math.abs(entry.at - Date.now()) < 60_000)).toBe(true);
  });

  test("each client reports a reset as reset, a drop as timeout and a closed port as refused", async () => {
    const w = world();
    await startNginx(w, PORT);
    const keepAlive = await keepAliveClient(w, w.client, URL_V4);
    const pool = await fetchPool(w, w.client, URL_V6, 2);
    // All at once: a drop costs each client its whole timeout.
    const everyClient = async () => {
      const [curlV4, curlV6, keepAliveSeen, poolSeen] = await Promise.all([
        w.curl(w.client, URL_V4),
        w.curl(w.client, URL_V6),
        keepAlive.round(),
        pool.round(),
      ]);
      return { curlV4, curlV6, keepAlive: outcomes(keepAliveSeen), pool: outcomes(poolSeen) };
    };

    await onRequests(w, "reject with tcp reset");
    expect(await everyClient()).toEqual({
      curlV4: "reset",
      curlV6: "reset",
      keepAlive: ["reset"],
      pool: ["reset", "reset"],
    });

    await onRequests(w, "drop");
    expect(await everyClient()).toEqual({
      curlV4: "timeout",
      curlV6: "timeout",
      keepAlive: ["timeout"],
      pool: ["timeout", "timeout"],
    });

    const closed = [`http://${SERVER_V4}:${CLOSED_PORT}/`, `http://[${SERVER_V6}]:${CLOSED_PORT}/`];
    expect({
      curl: await Promise.all(closed.map((url) => w.curl(w.client, url))),
      keepAlive: outcomes((await keepAliveClient(w, w.client, closed[0])).first),
      pool: outcomes((await fetchPool(w, w.client, closed[1], 2)).first),
    }).toEqual({ curl: ["refused", "refused"], keepAlive: ["refused"], pool: ["refused", "refused"] });
  });
});
