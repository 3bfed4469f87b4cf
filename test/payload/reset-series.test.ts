/**
 * The summary's series of resets over time, second by second as the clients met them (the series'
 * buckets and budget, for any window, are unit-tested in ssm-documents/tests/test_series.py).
 */
import { startDocument } from "./support/fault";
import { describeAsRoot } from "./support/root";
import { armed, useWorld } from "./support/scenario";
import { SERVER_V4 } from "./support/world";

interface Series {
  readonly start: string;
  readonly step: number;
  readonly counts: number[];
}

const sum = (counts: number[]) => counts.reduce((a, b) => a + b, 0);
const epoch = (iso: string) => Date.parse(iso) / 1000;

describeAsRoot("the summary's series", () => {
  const world = useWorld();

  test("shows the clients' resets in the seconds they met them, and adds up to the total", async () => {
    const w = world();
    await w.serveHttp([80]);
    const fault = startDocument(w, { DurationSeconds: "6", ExperimentId: "exp-series" });
    await armed(w);
    const met: number[] = [];
    for (let second = 0; second < 3; second++) {
      const began = Date.now();
      for (let i = 0; i < 4 * (second + 1); i++) {
        expect(await w.curl(w.client, `http://${SERVER_V4}:80/`)).toBe("reset");
        met.push(Date.now() / 1000);
      }
      await new Promise((r) => setTimeout(r, Math.max(0, 1500 - (Date.now() - began))));
    }
    const { summary } = await fault.done;
    const series = summary.resetSeries as Series;
    expect(series.step).toBe(1);
    expect(sum(series.counts)).toBe(summary.connectionsReset);
    expect(sum(series.counts)).toBe(met.length);
    // Each reset in the bucket of the second the client met it (or the one before, across a tick).
    const perBucket = series.counts.map(() => 0);
    for (const t of met) perBucket[Math.floor(t - epoch(series.start))] += 1;
    const drift = series.counts.reduce((total, count, i) => total + Math.abs(count - perBucket[i]), 0);
    expect(drift).toBeLessThanOrEqual(2 * 3);
    expect(epoch(series.start)).toBeLessThanOrEqual(epoch(summary.startedAt as string));
    expect(epoch(series.start) + series.counts.length).toBeGreaterThanOrEqual(
      Math.floor(epoch(summary.endedAt as string)),
    );
  });
});
