/**
 * ResetPercentage, run for real in network namespaces against nginx: a share of the connections
 * is reset, each chosen once (all its requests share its fate), the others get nginx's own
 * answers, and the report counts both exactly.
 */
import { join } from "node:path";
import { waitFor } from "./support/exec";
import { runDocument, startDocument } from "./support/fault";
import { startNginx } from "./support/nginx";
import { describeAsRootWith } from "./support/root";
import { armed, expectRestored, useWorld } from "./support/scenario";
import { SERVER_V4, SERVER_V6 } from "./support/world";

const PORT = 80;
const CONNECTIONS = join(__dirname, "fixtures", "connections.py");

describeAsRootWith(["nginx"])("ResetPercentage", () => {
  const world = useWorld();

  test("30 resets 30% of 2,000 new connections, within a binomial bound, and the rest get nginx's answers", async () => {
    const w = world();
    await startNginx(w, PORT);
    const n = 2000;
    const fault = startDocument(w, { DurationSeconds: "60", ResetPercentage: "30", ExperimentId: "share" });
    await armed(w);
    const tally = JSON.parse(
      (await w.on(w.client, ["python3", CONNECTIONS, "new", SERVER_V4, String(PORT), String(n)])).stdout,
    );
    // Five standard deviations of Binomial(2000, 0.3): a correct fault fails this once in 3.5 million runs.
    const bound = 5 * Math.sqrt(n * 0.3 * 0.7);
    expect(tally.other).toEqual({});
    expect(tally.reset + tally.answered).toBe(n);
    expect(Math.abs(tally.reset - 0.3 * n)).toBeLessThan(bound);

    // The window is long enough for any machine; Cleanup ends it once the clients are done.
    expect((await runDocument(w, { Action: "Cleanup", ExperimentId: "share" })).code).toBe(0);
    const result = await fault.done;
    expect(result.summary).toMatchObject({
      outcome: "stopped by Cleanup",
      resetPercentage: 30,
      remoteConnectionsReset: tally.reset,
      connectionsSpared: tally.answered,
      verified: true,
    });
    await expectRestored(w);
  });

  test("keep-alive connections opened before the fault: a spared one answers every later request, a chosen one is reset at the first", async () => {
    const w = world();
    await startNginx(w, PORT);
    const n = 200;
    const client = w.start(w.client, ["python3", CONNECTIONS, "kept", SERVER_V6, String(PORT), String(n)]);
    let out = "";
    client.stdout!.on("data", (d: Buffer) => (out += d.toString()));
    const exited = new Promise((resolve) => client.on("exit", resolve));
    await waitFor("the connections to be open and answered", () => out.startsWith("ready\n"));

    const fault = startDocument(w, { DurationSeconds: "5", ResetPercentage: "50" });
    await armed(w);
    client.stdin!.end("go\n");
    await exited;
    const outcomes: string[][] = JSON.parse(out.split("\n")[1]);
    const spared = outcomes.filter((o) => o[0] === "answered");
    // Every connection shares its fate: both later requests answered, or the first one reset.
    expect(outcomes.filter((o) => o[0] !== "answered" && o[0] !== "reset")).toEqual([]);
    expect(spared.every((o) => o[1] === "answered")).toBe(true);
    expect(Math.abs(spared.length - n / 2)).toBeLessThan(5 * Math.sqrt(n / 4));
    // The chosen ones are reset by the kernel, not the proxy, and only the spared are counted.
    expect((await fault.done).summary).toMatchObject({ connectionsSpared: spared.length });
  });

  test("SIGKILL of the command's whole group with the chains of choice in: the host is restored", async () => {
    const w = world();
    await startNginx(w, PORT);
    const fault = startDocument(w, { DurationSeconds: "30", ResetPercentage: "10" });
    await armed(w);
    expect((await w.faultTraces()).rules.join("\n")).toContain("--probability 0.1");
    fault.killGroup();
    await expectRestored(w);
    expect(await w.curl(w.client, `http://${SERVER_V4}:${PORT}/`)).toBe(200);
  });

  test("at 100, the default, no rule of choice goes in and every connection is reset", async () => {
    const w = world();
    await startNginx(w, PORT);
    const fault = startDocument(w, { DurationSeconds: "3" });
    await armed(w);
    const rules = (await w.faultTraces()).rules.join("\n");
    expect(rules).not.toMatch(/CHOOSE|SPARE|statistic|connmark/);
    expect(await w.curl(w.client, `http://${SERVER_V4}:${PORT}/`)).toBe("reset");
    expect((await fault.done).summary).toMatchObject({ resetPercentage: 100, connectionsSpared: 0 });
  });

  test("refuses a percentage outside 1 to 100 before touching the host", async () => {
    const w = world();
    for (const value of ["0", "101", "50.5"]) {
      const result = await runDocument(w, { ResetPercentage: value });
      expect([result.code, result.summary.error]).toEqual([2, expect.stringContaining("ResetPercentage")]);
    }
    expect(await w.faultTraces()).toEqual({ rules: [], processes: [] });
  });
});
