/**
 * The fault's main promise, run for real in network namespaces: during the window every new and
 * existing connection to the port is reset, other ports are untouched, and afterwards the host is
 * exactly as before.
 */
import { waitFor } from "./support/exec";
import { runDocument, startDocument } from "./support/fault";
import { describeAsRoot } from "./support/root";
import { armed, useWorld } from "./support/scenario";
import { SERVER_V4, SERVER_V6 } from "./support/world";

const PORT = 80;
const OTHER_PORT = 8080;
const URL_V4 = `http://${SERVER_V4}:${PORT}/`;
const URL_V6 = `http://[${SERVER_V6}]:${PORT}/`;
const OTHER_URL = `http://${SERVER_V4}:${OTHER_PORT}/`;

describeAsRoot("Inject", () => {
  const world = useWorld();

  test("resets remote IPv4, IPv6 and local clients for the window, then restores the host", async () => {
    const w = world();
    await w.serveHttp([PORT, OTHER_PORT]);
    expect(await w.curl(w.client, URL_V4)).toBe(200);
    expect(await w.curl(w.client, URL_V6)).toBe(200);

    const fault = startDocument(w, { DurationSeconds: "4", ExperimentId: "exp-main" });
    await armed(w);
    const during = {
      curlV4: await w.curl(w.client, URL_V4),
      nodeV4: await w.nodeGet(w.client, URL_V4),
      curlV6: await w.curl(w.client, URL_V6),
      curlLocal: await w.curl(w.server, `http://localhost:${PORT}/`),
      otherPort: await w.curl(w.client, OTHER_URL),
    };
    expect(during).toEqual({
      curlV4: "reset",
      nodeV4: "reset",
      curlV6: "reset",
      curlLocal: "reset",
      otherPort: 200,
    });

    const result = await fault.done;
    expect(result.code).toBe(0);
    expect(result.summary).toMatchObject({
      action: "Inject",
      experimentId: "exp-main",
      targetPort: PORT,
      interface: "eth0",
      durationSeconds: 4,
      connectionsReset: 4,
      remoteConnectionsReset: 3,
      localConnectionsReset: 1,
      remoteTraffic: "Reset",
      verified: true,
      verifiedBy: ["remote peers", "localhost"],
      restored: true,
      ipv6: true,
      outcome: "completed",
    });
    const { startedAt, endedAt } = result.summary as { startedAt: string; endedAt: string };
    expect(startedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    // The whole window, never less; how closely it keeps to DurationSeconds is benchmarked (item 5).
    expect(Date.parse(endedAt) - Date.parse(startedAt)).toBeGreaterThanOrEqual(4000);
    // The summary line within what SSM's listing keeps; the clients' rows may follow it.
    expect(result.stdout.split("\n")[0].length).toBeLessThan(2500);

    expect(await w.faultTraces()).toEqual({ rules: [], processes: [] });
    expect(await w.curl(w.client, URL_V4)).toBe(200);
    expect(await w.curl(w.client, URL_V6)).toBe(200);
    expect(await w.nodeGet(w.client, URL_V4)).toBe(200);
    expect(await w.curl(w.server, `http://localhost:${PORT}/`)).toBe(200);
  });

  test("resets a keep-alive connection opened before the fault on its first request during it", async () => {
    const w = world();
    await w.serveHttp([PORT]);
    const probe = w.start(w.client, ["node", `${__dirname}/fixtures/probe.js`, "keepalive", URL_V4]);
    const lines: { outcome: unknown; reused: boolean }[] = [];
    probe.stdout!.on("data", (d: Buffer) =>
      lines.push(
        ...d
          .toString()
          .trim()
          .split("\n")
          .map((l) => JSON.parse(l)),
      ),
    );
    const exited = new Promise((resolve) => probe.on("exit", resolve));
    await waitFor("the keep-alive client's first answer", () => lines.length > 0);
    expect(lines[0]).toMatchObject({ outcome: 200, reused: false });

    const fault = startDocument(w, { DurationSeconds: "3" });
    await armed(w);
    probe.stdin!.end("go\n");
    await exited;
    expect(lines[1]).toMatchObject({ outcome: "reset", reused: true });
    expect((await fault.done).code).toBe(0);
  });

  test("resets a client that connects and sends nothing after a short deadline", async () => {
    const w = world();
    await w.serveHttp([PORT]);
    // A window far longer than the deadline, so that a reset by the deadline cannot be mistaken
    // for one at the window's end.
    const fault = startDocument(w, { DurationSeconds: "12" });
    await armed(w);
    const r = await w.on(w.client, ["node", `${__dirname}/fixtures/probe.js`, "silent", URL_V4]);
    const seen = JSON.parse(r.stdout.trim());
    expect(seen.outcome).toBe("reset");
    // Not before the deadline (1 s), and long before the window ends.
    expect(seen.t).toBeGreaterThanOrEqual(900);
    expect(seen.t).toBeLessThan(6000);
    expect((await fault.done).summary).toMatchObject({ connectionsReset: 1 });
  });

  test("a request head that arrives in pieces is reset once it is whole, and the window runs to its end", async () => {
    const w = world();
    await w.serveHttp([PORT]);
    const fault = startDocument(w, { DurationSeconds: "4" });
    await armed(w);
    // The first piece comes with the connection, the rest later: the proxy waits for it with epoll.
    const client = String.raw`
import socket, sys, time
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=3)
s.sendall(b"GET / HTTP/1.1\r\nHost: test\r\n")
time.sleep(0.3)
try:
    s.sendall(b"User-Agent: pieces\r\n\r\n")
    print("closed" if not s.recv(1) else "answered")
except ConnectionResetError:
    print("reset")
`;
    const r = await w.on(w.client, ["python3", "-c", client, SERVER_V4, String(PORT)]);
    expect(r.stdout.trim()).toBe("reset");
    expect((await fault.done).summary).toMatchObject({ outcome: "completed", connectionsReset: 1 });
  });

  test("a Docker-style DNAT rule for the port does not bypass the fault", async () => {
    const w = world();
    await w.serveHttp([PORT]);
    await w.serveHttp([8081], "container");
    // What Docker puts in for a published port: a jump from PREROUTING to DNAT towards the container.
    for (const rule of [
      ["-N", "DOCKER"],
      ["-A", "PREROUTING", "-m", "addrtype", "--dst-type", "LOCAL", "-j", "DOCKER"],
      [
        "-A",
        "DOCKER",
        "-p",
        "tcp",
        "--dport",
        String(PORT),
        "-j",
        "DNAT",
        "--to-destination",
        `${SERVER_V4}:8081`,
      ],
    ]) {
      expect((await w.on(w.server, ["iptables", "-t", "nat", ...rule])).code).toBe(0);
    }
    const body = async () => (await w.on(w.client, ["curl", "-sS", "-m", "3", URL_V4])).stdout;
    expect(await body()).toBe("container");

    const fault = startDocument(w, { DurationSeconds: "3" });
    await armed(w);
    expect(await w.curl(w.client, URL_V4)).toBe("reset");
    expect((await fault.done).code).toBe(0);
    expect(await body()).toBe("container");
  });

  test("works the same with an agent older than 3.3.2746.0, which substitutes parameters into the text", async () => {
    const w = world();
    await w.serveHttp([PORT]);
    const fault = startDocument(
      w,
      { DurationSeconds: "2", ExperimentId: "legacy-agent" },
      { legacyAgent: true },
    );
    await armed(w);
    expect(await w.curl(w.client, URL_V4)).toBe("reset");
    const result = await fault.done;
    expect(result.code).toBe(0);
    expect(result.summary).toMatchObject({
      experimentId: "legacy-agent",
      connectionsReset: 1,
      restored: true,
    });
    expect(await w.curl(w.client, URL_V4)).toBe(200);
  });

  test("a client port the last injection reset is reset by the next one, never refused, then answered", async () => {
    const w = world();
    await w.serveHttp([PORT]);
    // Source ports fixed, as a busy client reuses them: conntrack still holds the first run's
    // entries for these connections (CLOSE, 10 s) when the second run starts, and after it.
    const ports = [40001, 40002, 40003];
    const requests = async () => {
      const outcomes = [];
      for (const port of ports) outcomes.push(await w.curl(w.client, URL_V4, port));
      return outcomes;
    };
    const first = startDocument(w, { DurationSeconds: "2", ExperimentId: "first" });
    await armed(w);
    expect(await requests()).toEqual(["reset", "reset", "reset"]);
    expect((await first.done).code).toBe(0);
    const second = startDocument(w, { DurationSeconds: "2", ExperimentId: "second" });
    await armed(w);
    expect(await requests()).toEqual(["reset", "reset", "reset"]);
    expect((await second.done).code).toBe(0);
    // And once the fault is over, the same ports reach the server.
    expect(await requests()).toEqual([200, 200, 200]);
  });

  test("with no ExperimentId, names the run itself; with no remote client, says so", async () => {
    const w = world();
    await w.serveHttp([PORT]);
    const result = await runDocument(w, { DurationSeconds: "1" });
    expect(result.code).toBe(0);
    expect(result.summary.experimentId).toMatch(/^manual-\d{8}T\d{6}Z$/);
    expect(result.summary).toMatchObject({
      connectionsReset: 0,
      remoteConnectionsReset: 0,
      remoteSynsCaught: 0,
      remoteTraffic: "NoRemoteClients",
      selfCheck: { "127.0.0.1": "reset", "::1": "reset" },
      verified: true,
      verifiedBy: ["localhost"],
    });
  });

  test("remote clients caught but dropped before the reset: not verified, and named", async () => {
    const w = world();
    await w.serveHttp([PORT]);
    // Something after the fault's rules drops the clients: here a rule of the host's own.
    const drop = ["INPUT", "-i", "eth0", "-p", "tcp", "--dport", String(PORT), "-j", "DROP"];
    expect((await w.on(w.server, ["iptables", "-A", ...drop])).code).toBe(0);
    const fault = startDocument(w, { DurationSeconds: "3" });
    await armed(w);
    expect(await w.curl(w.client, URL_V4)).toBe("timeout");
    const result = await fault.done;
    expect(result.code).toBe(1);
    expect(result.summary).toMatchObject({
      outcome: "completed",
      remoteConnectionsReset: 0,
      remoteTraffic: "InterceptedNotReset",
      verified: false,
      verifiedBy: ["localhost"],
      restored: true,
    });
    expect(result.summary.remoteSynsCaught).toBeGreaterThan(0);
    expect(result.summary.error).toMatch(
      /connection attempts from remote peers were caught but none was reset/,
    );
  });
});
