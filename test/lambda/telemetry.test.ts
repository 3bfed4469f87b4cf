import "./support/environment";
import { logger, metrics, MetricUnit, task } from "../../lambda/telemetry";
import { invoked, lambdaContext } from "./support/invoke";

afterEach(() => jest.restoreAllMocks());

test("a task logs its failure once, rethrows it, and flushes what it counted either way", async () => {
  const error = jest.spyOn(logger, "error");
  const publish = jest.spyOn(metrics, "publishStoredMetrics");
  const failing = invoked(
    task("demo", async () => {
      metrics.addMetric("Attempts", MetricUnit.Count, 1);
      throw new Error("boom");
    }),
  );
  await expect(failing({})).rejects.toThrow("boom");
  expect(error).toHaveBeenCalledWith("demo failed", expect.any(Error));
  expect(publish).toHaveBeenCalledTimes(1);
  const counting = invoked(
    task("demo", async (n: number) => {
      metrics.addMetric("Attempts", MetricUnit.Count, 1);
      return n + 1;
    }),
  );
  expect(await counting(1)).toBe(2);
  expect(publish).toHaveBeenCalledTimes(2);
});

test("a task that counted nothing publishes nothing, and warns of nothing", async () => {
  const publish = jest.spyOn(metrics, "publishStoredMetrics");
  const warn = jest.spyOn(console, "warn");
  await expect(invoked(task("demo", async () => Promise.reject(new Error("early"))))({})).rejects.toThrow(
    "early",
  );
  expect(publish).not.toHaveBeenCalled();
  expect(warn).not.toHaveBeenCalled();
});

test("every line carries the task and the invocation's context; a warm function forgets the last run's keys", async () => {
  const lines: Record<string, unknown>[] = [];
  const print = (text: string) => lines.push(JSON.parse(text) as Record<string, unknown>);
  jest.spyOn(console, "info").mockImplementation(print);
  // A logger that prints, to the global console (Powertools' dev mode), made for this test alone.
  const level = process.env.POWERTOOLS_LOG_LEVEL;
  Object.assign(process.env, { POWERTOOLS_LOG_LEVEL: "INFO", POWERTOOLS_DEV: "true" });
  let telemetry!: typeof import("../../lambda/telemetry");
  try {
    jest.isolateModules(() => {
      telemetry = jest.requireActual("../../lambda/telemetry");
    });
  } finally {
    process.env.POWERTOOLS_LOG_LEVEL = level;
    delete process.env.POWERTOOLS_DEV;
  }
  const run = telemetry.task("demo", async (experimentId: string) => {
    telemetry.logger.info("started");
    telemetry.logger.appendKeys({ experimentId });
    telemetry.logger.info("resolved");
  });
  const [first, second] = [lambdaContext(), lambdaContext()];
  await run("exp-1", first);
  await run("exp-2", second);
  expect(lines.map((l) => [l.message, l.task, l.experimentId, l.function_request_id])).toEqual([
    ["started", "demo", undefined, first.awsRequestId],
    ["resolved", "demo", "exp-1", first.awsRequestId],
    ["started", "demo", undefined, second.awsRequestId],
    ["resolved", "demo", "exp-2", second.awsRequestId],
  ]);
});
