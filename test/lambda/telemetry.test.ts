import "./support/environment";
import { logger, metrics, MetricUnit, task } from "../../lambda/telemetry";

afterEach(() => jest.restoreAllMocks());

test("a task logs its failure once, rethrows it, and flushes what it counted either way", async () => {
  const error = jest.spyOn(logger, "error");
  const publish = jest.spyOn(metrics, "publishStoredMetrics");
  const failing = task("demo", async () => {
    metrics.addMetric("Attempts", MetricUnit.Count, 1);
    throw new Error("boom");
  });
  await expect(failing({}, undefined)).rejects.toThrow("boom");
  expect(error).toHaveBeenCalledWith("demo failed", expect.any(Error));
  expect(publish).toHaveBeenCalledTimes(1);
  const counting = task("demo", async (n: number) => {
    metrics.addMetric("Attempts", MetricUnit.Count, 1);
    return n + 1;
  });
  expect(await counting(1)).toBe(2);
  expect(publish).toHaveBeenCalledTimes(2);
});

test("a task that counted nothing publishes nothing, and warns of nothing", async () => {
  const publish = jest.spyOn(metrics, "publishStoredMetrics");
  const warn = jest.spyOn(console, "warn");
  await expect(task("demo", async () => Promise.reject(new Error("early")))({})).rejects.toThrow("early");
  expect(publish).not.toHaveBeenCalled();
  expect(warn).not.toHaveBeenCalled();
});
