/**
 * Every refusal happens before the host is touched: no rule, no process, no state, and a one-line
 * reason that says what to do.
 */
import { existsSync, readdirSync } from "node:fs";
import { FaultResult, runDocument } from "./support/fault";
import { HOSTILE_VALUES, PWNED_MARKER } from "./support/hostile";
import { describeAsRoot } from "./support/root";
import { useWorld } from "./support/scenario";
import { World } from "./support/world";
import { DOCUMENT_PARAMETERS } from "../../scripts/render-document";

async function expectRefused(w: World, result: FaultResult, code: number, reason: string) {
  expect(result.code).toBe(code);
  expect(result.summary.error).toContain(reason);
  expect(result.stderr.trim().split("\n")).toEqual([`http-reset-peer: ${result.summary.error}`]);
  expect(await w.faultTraces()).toEqual({ rules: [], processes: [] });
  expect(readdirSync(w.stateDir)).toEqual([]);
}

describeAsRoot("refusals", () => {
  const world = useWorld();

  test("nothing listens on the port", async () => {
    const w = world();
    const result = await runDocument(w, { TargetServicePort: "8080" });
    await expectRefused(w, result, 3, "nothing listens on TCP port 8080");
  });

  test("the interface does not exist", async () => {
    const w = world();
    await w.serveHttp([80]);
    const result = await runDocument(w, { NetworkInterface: "eth9" });
    await expectRefused(w, result, 3, "network interface eth9 does not exist");
  });

  test("iptables is missing and InstallDependencies is False", async () => {
    const w = world();
    await w.serveHttp([80]);
    const result = await runDocument(
      w,
      { InstallDependencies: "False" },
      { hide: ["/usr/sbin", "/usr/local/sbin"] },
    );
    await expectRefused(w, result, 4, "missing iptables: install it");
  });

  test.each(DOCUMENT_PARAMETERS.map((p) => p.name))(
    "%s: every hostile value is refused, and none runs",
    async (name) => {
      const w = world();
      await w.serveHttp([80]);
      for (const value of HOSTILE_VALUES) {
        const result = await runDocument(w, { [name]: value });
        expect([value, result.code]).toEqual([value, 2]);
        expect(result.summary).toEqual({
          action: "unknown",
          error: expect.stringMatching(new RegExp(`^parameter ${name} `)),
        });
      }
      expect(existsSync(PWNED_MARKER)).toBe(false);
      expect(await w.faultTraces()).toEqual({ rules: [], processes: [] });
      expect(readdirSync(w.stateDir)).toEqual([]);
    },
  );

  test("valid edge values get past the checks", async () => {
    const w = world();
    // Nothing listens on 65535, so the run stops at the next check, after the parameters passed.
    const result = await runDocument(w, {
      TargetServicePort: "65535",
      DurationSeconds: "43200",
      Proxy: "http://user:pass@proxy.internal:3128/",
      ExperimentId: "a".repeat(128),
    });
    expect(result.summary.error).toBe(
      "nothing listens on TCP port 65535: the fault needs the HTTP service running",
    );
  });
});
