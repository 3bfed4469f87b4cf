/**
 * The runner's Distributed Map keeps what Step Functions promises of one: items read from S3 or
 * from the input, batched, run as child executions at most MaxConcurrency at once, and the first
 * child that fails stops the Map Run.
 */
import { runMapRun, type MapRunHost } from "./support/runner/distributed-map";

type Outcome = { status: string; output?: unknown };

/** A host whose children end when the test says, and that records what ran. */
function host(objects: Record<string, string> = {}) {
  const children: { input: unknown; end: (o: Outcome) => void; aborted: boolean }[] = [];
  let running = 0;
  let mostRunning = 0;
  const map: MapRunHost = {
    readObject: (bucket, key) => objects[`${bucket}/${key}`],
    startChild(input) {
      running++;
      mostRunning = Math.max(mostRunning, running);
      let end: (o: Outcome) => void = () => undefined;
      const done = new Promise<Outcome>((resolve) => (end = resolve)).finally(() => running--);
      const child = { input, end, aborted: false };
      children.push(child);
      return { done, abort: () => ((child.aborted = true), end({ status: "ABORTED" })) };
    },
  };
  return { map, children, mostRunning: () => mostRunning };
}

const tick = () => new Promise((r) => setImmediate(r));

test("reads a JSON array from S3, batches it with the BatchInput, and runs MaxConcurrencyPath children at once", async () => {
  const items = [1, 2, 3, 4, 5].map((n) => ({ instanceId: `i-${n}` }));
  const h = host({ "records/run/targets.json": JSON.stringify(items) });
  const state = {
    ItemReader: {
      Resource: "arn:aws:states:::s3:getObject",
      ReaderConfig: { InputType: "JSON" },
      Parameters: { Bucket: "records", "Key.$": "$.targets.key" },
    },
    ItemBatcher: { MaxItemsPerBatchPath: "$.plan.size", BatchInput: { "plan.$": "$.plan" } },
    MaxConcurrencyPath: "$.plan.concurrency",
  };
  const plan = { size: 2, concurrency: 2 };
  const run = runMapRun(state, { plan, targets: { key: "run/targets.json" } }, h.map);
  await tick();
  expect(h.children.map((c) => c.input)).toEqual([
    { Items: items.slice(0, 2), BatchInput: { plan } },
    { Items: items.slice(2, 4), BatchInput: { plan } },
  ]);
  h.children[1].end({ status: "SUCCEEDED", output: "b" });
  await tick();
  expect(h.children[2].input).toEqual({ Items: items.slice(4), BatchInput: { plan } });
  h.children[0].end({ status: "SUCCEEDED", output: "a" });
  h.children[2].end({ status: "SUCCEEDED", output: "c" });
  await expect(run).resolves.toEqual(["a", "b", "c"]);
  expect(h.mostRunning()).toBe(2);
});

test("the first child that fails stops the others, starts no more, and fails the state", async () => {
  const h = host();
  const run = runMapRun({ ItemsPath: "$.items", MaxConcurrency: 2 }, { items: [1, 2, 3] }, h.map);
  await tick();
  h.children[0].end({ status: "FAILED" });
  await expect(run).rejects.toMatchObject({ name: "States.ExceedToleratedFailureThreshold" });
  expect(h.children).toHaveLength(2);
  expect(h.children[1].aborted).toBe(true);
});

test("MaxConcurrency 0 runs every child at once; what it does not emulate, it refuses", async () => {
  const h = host();
  const run = runMapRun({ ItemsPath: "$.items", MaxConcurrency: 0 }, { items: [1, 2, 3] }, h.map);
  await tick();
  expect(h.children).toHaveLength(3);
  h.children.forEach((c) => c.end({ status: "SUCCEEDED", output: c.input }));
  await expect(run).resolves.toEqual([1, 2, 3]);
  await expect(runMapRun({ ItemsPath: "$", ResultWriter: {} }, [], h.map)).rejects.toThrow(
    "does not run ResultWriter",
  );
  await expect(
    runMapRun({ ItemsPath: "$.items", MaxConcurrencyPath: "$.n" }, { items: [1], n: -1 }, h.map),
  ).rejects.toMatchObject({ name: "States.Runtime" });
});
