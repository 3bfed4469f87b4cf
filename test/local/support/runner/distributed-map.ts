/**
 * A Distributed Map state, which aws-local-stepfunctions does not run: the items read as the
 * ItemReader reads a JSON object from S3 (or taken from ItemsPath), batched as the ItemBatcher
 * says, and each batch run as a child execution with a history of its own, at most MaxConcurrency
 * at once. As on AWS with no tolerated failures, the first child that does not succeed fails the
 * Map Run: no more children start, those running are stopped, and the state fails with
 * States.ExceedToleratedFailureThreshold.
 */
import { statesRuntimeError } from "./states-errors";

type Json = Record<string, unknown>;

/** What a Map Run needs of the runner. */
export interface MapRunHost {
  /** An object's text from the (fake) S3. */
  readObject(bucket: string, key: string): string;
  /** Starts a child execution of the item processor with `input`. */
  startChild(input: unknown): { readonly done: Promise<{ status: string; output?: unknown }>; abort(): void };
}

/** The value at a reference path such as "$.plan.batchSize" (the only paths the fault uses here). */
function atPath(input: unknown, path: string): unknown {
  if (!/^\$(\.[A-Za-z0-9_]+)*$/.test(path))
    throw new Error(`the emulated Distributed Map reads no path like ${path}`);
  return path
    .split(".")
    .slice(1)
    .reduce<unknown>((value, key) => (value as Json | undefined)?.[key], input);
}

/** A payload template: "key.$" fields take the value at their path. */
function resolveTemplate(template: Json | undefined, input: unknown): Json {
  const resolved: Json = {};
  for (const [key, value] of Object.entries(template ?? {})) {
    if (key.endsWith(".$")) resolved[key.slice(0, -2)] = atPath(input, String(value));
    else resolved[key] = value && typeof value === "object" ? resolveTemplate(value as Json, input) : value;
  }
  return resolved;
}

function integerAt(state: Json, field: string, input: unknown, least: number): number | undefined {
  const value =
    state[field] ??
    (state[`${field}Path`] === undefined ? undefined : atPath(input, String(state[`${field}Path`])));
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || (value as number) < least) {
    throw statesRuntimeError(
      `${field} must be an integer of at least ${least}; got ${JSON.stringify(value)}`,
    );
  }
  return value as number;
}

const UNSUPPORTED = ["ItemSelector", "ResultWriter", "ToleratedFailurePercentage", "ToleratedFailureCount"];

export const isDistributedMap = (state: Json): boolean =>
  state.Type === "Map" &&
  ((state.ItemProcessor as Json | undefined)?.ProcessorConfig as Json | undefined)?.Mode === "DISTRIBUTED";

function items(state: Json, input: unknown, host: MapRunHost): unknown[] {
  const reader = state.ItemReader as Json | undefined;
  let value: unknown;
  if (reader) {
    const config = reader.ReaderConfig as Json | undefined;
    if (reader.Resource !== "arn:aws:states:::s3:getObject" || config?.InputType !== "JSON") {
      throw new Error(`the emulated Distributed Map reads JSON objects only; got ${JSON.stringify(reader)}`);
    }
    const { Bucket, Key } = resolveTemplate(reader.Parameters as Json, input);
    value = JSON.parse(host.readObject(String(Bucket), String(Key)));
  } else {
    value = atPath(input, String(state.ItemsPath ?? "$"));
  }
  if (!Array.isArray(value)) {
    throw statesRuntimeError("the Map's items are not a JSON array");
  }
  return value;
}

/** The children's inputs: each item, or batches of them with the batcher's BatchInput. */
function childInputs(state: Json, input: unknown, all: unknown[]): unknown[] {
  const batcher = state.ItemBatcher as Json | undefined;
  if (!batcher) return all;
  const size = integerAt(batcher, "MaxItemsPerBatch", input, 1) ?? all.length;
  const batchInput =
    batcher.BatchInput === undefined ? undefined : resolveTemplate(batcher.BatchInput as Json, input);
  const batches: unknown[] = [];
  for (let i = 0; i < all.length; i += size) {
    batches.push({ Items: all.slice(i, i + size), ...(batchInput ? { BatchInput: batchInput } : {}) });
  }
  return batches;
}

/** Runs the Map Run of `state` on `input`; resolves to the children's outputs, in item order. */
export async function runMapRun(state: Json, input: unknown, host: MapRunHost): Promise<unknown[]> {
  const unsupported = UNSUPPORTED.filter((field) => field in state || `${field}Path` in state);
  if (unsupported.length)
    throw new Error(`the emulated Distributed Map does not run ${unsupported.join(", ")}`);
  const inputs = childInputs(state, input, items(state, input, host));
  const limit = integerAt(state, "MaxConcurrency", input, 0) || inputs.length;
  const outputs: unknown[] = new Array(inputs.length);
  const running = new Set<ReturnType<MapRunHost["startChild"]>>();
  let next = 0;
  let failed: string | undefined;

  await new Promise<void>((resolve) => {
    const startMore = () => {
      while (!failed && running.size < limit && next < inputs.length) {
        const index = next++;
        const child = host.startChild(inputs[index]);
        running.add(child);
        void child.done.then((outcome) => {
          running.delete(child);
          if (outcome.status === "SUCCEEDED") outputs[index] = outcome.output;
          else if (!failed) {
            failed = outcome.status;
            for (const other of running) other.abort();
          }
          startMore();
        });
      }
      if (running.size === 0) resolve();
    };
    startMore();
  });

  if (failed) {
    throw Object.assign(new Error("The specified tolerated failure threshold was exceeded"), {
      name: "States.ExceedToleratedFailureThreshold",
    });
  }
  return outputs;
}
