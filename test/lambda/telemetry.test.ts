import "./support/environment";
import { logger, metrics, task } from "../../lambda/telemetry";

afterEach(() => jest.restoreAllMocks());

test("a task logs its failure once, rethrows it, and flushes its metrics either way", async () => {
  const error = jest.spyOn(logger, "error");
  const publish = jest.spyOn(metrics, "publishStoredMetrics");
  const failing = task("demo", async () => {
    throw new Error("boom");
  });
  await expect(failing({}, undefined)).rejects.toThrow("boom");
  expect(error).toHaveBeenCalledWith("demo failed", expect.any(Error));
  expect(publish).toHaveBeenCalledTimes(1);
  expect(await task("demo", async (n: number) => n + 1)(1)).toBe(2);
  expect(publish).toHaveBeenCalledTimes(2);
});
