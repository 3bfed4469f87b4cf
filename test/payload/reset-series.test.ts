/**
 * The summary's series of resets over time: second by second as the clients met them, and within
 * what SSM returns of the output however long the window and however busy the port.
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { startDocument } from "./support/fault";
import { describeAsRoot } from "./support/root";
import { armed, useWorld } from "./support/scenario";
import { SERVER_V4 } from "./support/world";

interface Series {
  readonly start: string;
  readonly step: number;
  readonly counts: number[];
}

const SOURCES = join(__dirname, "..", "..", "ssm-documents", "src");

/** reset_series() of the program itself, on a counters page of `perSecond` from `firstSecond`. */
function resetSeries(
  perSecond: number[],
  firstSecond: number,
  started: number,
  ended: number,
  uncounted = 0,
): Series {
  const program = [
    "import json, sys",
    `sys.path.insert(0, ${JSON.stringify(SOURCES)})`,
    "from http_reset_peer.__main__ import FIRST_SECOND, reset_series",
    "per_second, first_second, started, ended, uncounted = json.load(sys.stdin)",
    "page = [0] * FIRST_SECOND + [first_second] + per_second",
    "print(json.dumps(reset_series(page, started, ended, uncounted)))",
  ].join("\n");
  const input = JSON.stringify([perSecond, firstSecond, started, ended, uncounted]);
  return JSON.parse(execFileSync("python3", ["-I", "-c", program], { input }).toString()) as Series;
}

const sum = (counts: number[]) => counts.reduce((a, b) => a + b, 0);
const epoch = (iso: string) => Date.parse(iso) / 1000;

describe("reset_series", () => {
  const T = 1_800_000_000; // a whole second, a multiple of every step

  test("counts each second from the window's start, the self-check's resets left out", () => {
    const series = resetSeries([0, 3, 1, 0, 5, 0, 0, 0, 0, 0], T, T + 1.4, T + 6.2, 2);
    expect(series).toEqual({ start: "2027-01-15T08:00:01Z", step: 1, counts: [1, 1, 0, 5, 0, 0] });
  });

  test("runs to the last reset when it comes after the window's end", () => {
    const series = resetSeries([0, 1, 0, 0, 0, 0, 0, 2, 0, 0], T, T + 1, T + 3.5);
    expect(series.counts).toEqual([1, 0, 0, 0, 0, 0, 2]);
  });

  test("a long, busy window gets coarser buckets, aligned to their step, within the budget", () => {
    const seconds = 43_200 + 30;
    const perSecond = Array.from({ length: seconds }, (_, i) => (i > 5 && i < 43_206 ? 99_999 : 0));
    const series = resetSeries(perSecond, T + 3, T + 5.5, T + 43_205.9);
    expect(series.step).toBeGreaterThan(1);
    expect(epoch(series.start) % series.step).toBe(0);
    expect(epoch(series.start)).toBeLessThanOrEqual(T + 5);
    expect(sum(series.counts)).toBe(sum(perSecond));
    // With every other field of the summary at its longest, the line stays within SSM's 2,500.
    expect(JSON.stringify(series).length).toBeLessThanOrEqual(1100);
  });

  test("a window with no reset at all is a series of zeros", () => {
    const series = resetSeries(Array(40).fill(0), T, T + 2, T + 7.1);
    expect(series).toMatchObject({ step: 1, counts: [0, 0, 0, 0, 0, 0] });
  });
});

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
