/**
 * `npm run demo`'s experiment, run whole, and the report page it leaves, opened in headless
 * Chromium as a person would open it from the records bucket: it loads without an error or a
 * request for anything outside itself, and its timeline has a row for every instance targeted,
 * with the resets the fault counted on it, and its clients' section names the client that sent its
 * orders again unsafely, and shows when each client came back.
 */
import "./support/environment";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runDemo, verdictLines } from "../../demo/demo";
import type { Report, Verdict } from "../../lambda/contract";
import { describeAsRoot } from "../payload/support/root";
import { withPage } from "../support/chromium";

describeAsRoot("the demo's report page", () => {
  const dir = mkdtempSync(join(tmpdir(), "hrp-demo-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("opens in Chromium without errors, its timeline showing every instance targeted", async () => {
    const demo = await runDemo({ live: false, outputDir: dir });
    expect(demo.status).toBe("SUCCEEDED");
    expect(demo.targets).toHaveLength(2);
    const report = JSON.parse(readFileSync(join(dir, "report.json"), "utf8")) as Report;
    for (const instance of report.instances) {
      expect(instance.resetSeries?.counts.some((count) => count > 0)).toBe(true);
      // The GETs and the orders, both from the instance's one client host; the orders sent again
      // unsafely, and the client back within the 5 s the demo watches.
      expect(instance.clients).toMatchObject({ seen: 1, reconnected: 1, notSeenAgain: 0 });
      expect(instance.clients?.unsafeRetries?.POST).toBeGreaterThan(0);
    }
    expect(report.clients?.rows.map((r) => r.instanceId).sort()).toEqual([...demo.targets].sort());
    expect(report.clients?.rows.every((r) => r.unsafeRequests.includes("POST /orders"))).toBe(true);
    // The verdict: the orders a real client sent twice, told by the real program, reject the
    // hypothesis; the demo reports it rather than failing.
    expect(demo.verdict).toMatchObject({ result: "Failed", score: 0 });
    expect(demo.verdict?.probes).toEqual([
      expect.objectContaining({
        name: "no-order-twice",
        outcome: "Failed",
        evidence: expect.objectContaining({ unsafeRetries: { POST: expect.any(Number) } }),
      }),
    ]);
    expect(verdictLines(demo.verdict as Verdict)[0]).toMatch(
      /^Verdict: Failed, score 0 \(No order is sent twice/,
    );
    await withPage(demo.reportPage, async (page) => {
      expect(page.errors).toEqual([]);
      expect(page.requests).toEqual([]);
      expect([...page.instanceRows].sort()).toEqual([...demo.targets].sort());
      for (const id of demo.targets) {
        expect(await page.count(`svg g[data-instance-id="${id}"] rect.bar`)).toBeGreaterThan(0);
      }
      expect(await page.count("section.clients tr.unsafe")).toBe(demo.targets.length);
      expect(await page.count("section.clients svg circle.retry")).toBeGreaterThan(0);
      expect(await page.count("section.clients svg path.back")).toBe(demo.targets.length);
      // The page opens with the verdict, the failed probe's row marked.
      expect(await page.count("section.verdict.failed tr.failed")).toBe(1);
    });
  }, 120_000);
});
