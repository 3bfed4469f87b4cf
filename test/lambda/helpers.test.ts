import { resetEnvironment, setEnvironment } from "./support/environment";
import { chunk } from "../../lambda/aws/chunks";
import { documentSummary } from "../../lambda/ssm-commands/document-output";
import * as environment from "../../lambda/input/environment";
import * as errors from "../../lambda/errors";
import { experimentIdFor } from "../../lambda/input/experiment-id";
import { collectPages } from "../../lambda/aws/pages";
import {
  batching,
  HISTORY_EVENTS,
  MAX_TARGETS,
  PARALLEL_BATCH,
  pollSeconds,
} from "../../lib/execution-limits";
import { sample } from "../../lambda/targets/sample";
import { TASK_ERRORS } from "../../lib/task-errors";

afterEach(resetEnvironment);

test("each error class carries one of the contract's error names, and all are covered", () => {
  const names = Object.values(errors).map((E) => new E("m").name);
  expect(names.sort()).toEqual(Object.values(TASK_ERRORS).sort());
  expect(new errors.InvalidInputError("m")).toBeInstanceOf(Error);
});

test("chunks of 50 by default", () => {
  expect(chunk([...Array(101).keys()]).map((c) => c.length)).toEqual([50, 50, 1]);
  expect(chunk([], 3)).toEqual([]);
});

test("collects every page, following NextToken", async () => {
  const pages: { Items?: number[]; NextToken?: string }[] = [
    { Items: [1, 2], NextToken: "a" },
    { Items: [3], NextToken: "b" },
    {},
  ];
  const tokens: (string | undefined)[] = [];
  const items = await collectPages(
    async (token) => {
      tokens.push(token);
      return pages[tokens.length - 1];
    },
    (p) => p.Items,
  );
  expect(items).toEqual([1, 2, 3]);
  expect(tokens).toEqual([undefined, "a", "b"]);
});

describe("experiment IDs", () => {
  test("a fitting execution name is kept as it is", () => {
    expect(experimentIdFor("run_2026-01-01")).toBe("run_2026-01-01");
  });

  test("other names fit the document's pattern and stay distinct", () => {
    const a = experimentIdFor("run:1");
    const b = experimentIdFor("run.1");
    expect(a).toMatch(/^[A-Za-z0-9_-]{1,128}$/);
    expect(a).not.toBe(b);
    expect(experimentIdFor("é".repeat(200))).toMatch(/^[A-Za-z0-9_-]{1,128}$/);
  });
});

describe("progress checks", () => {
  test.each([
    [1, 1],
    [30, 10],
    [3600, 10],
    [43200, 16],
  ])("a %i s fault is checked every %i s", (duration, expected) => {
    expect(pollSeconds(duration)).toBe(expected);
  });

  test("a child execution's history holds its group's every check, up to the longest fault", () => {
    const { limit, fixed, perCheck } = HISTORY_EVENTS;
    for (const duration of [1, 7, 30, 599, 3600, 43200]) {
      const checks = Math.ceil(duration / pollSeconds(duration)) + 1;
      expect(fixed + perCheck * checks).toBeLessThanOrEqual(limit);
    }
  });
});

describe("batches", () => {
  test.each([
    ["serial", 5000, 1, 1],
    ["parallel", 1, PARALLEL_BATCH, 1],
    ["parallel", 500, PARALLEL_BATCH, 1],
    ["parallel", 501, PARALLEL_BATCH, 2],
    ["parallel", MAX_TARGETS, PARALLEL_BATCH, 20],
  ] as const)("%s over %i: %i per child, %i at once", (sequence, targets, size, concurrency) => {
    expect(batching(sequence, targets)).toEqual({ size, concurrency });
  });
});

describe("sampling", () => {
  test.each([
    [0, 10, 1],
    [10, 10, 1],
    [25, 10, 3],
    [24, 10, 2],
    [66, 3, 2],
    [100, 10, 10],
    [50, 1, 1],
  ])("%i%% of %i instances is %i", (percent, count, expected) => {
    const picked = sample([...Array(count).keys()], percent);
    expect(picked).toHaveLength(expected);
    expect(new Set(picked).size).toBe(expected);
  });
});

describe("the document's first line", () => {
  test.each([
    ['{"action":"Cleanup","removed":0}\nmore', { action: "Cleanup", removed: 0 }],
    ["not json\n{}", {}],
    ["[1]", {}],
    [undefined, {}],
  ])("%j", (output, expected) => {
    expect(documentSummary(output)).toEqual(expected);
  });
});

describe("the function's environment", () => {
  test("a missing required variable is named", () => {
    setEnvironment({ DOCUMENT_NAME: "" });
    expect(() => environment.documentName()).toThrow("lacks DOCUMENT_NAME");
  });

  test.each([
    ["STOP_CONDITION_ALARMS", "not json", "is not JSON"],
    ["ALLOWED_ROLE_ARNS", '{"a":1}', "must be a JSON array of strings"],
    ["TUNABLE_DEFAULTS", "[1]", "must be a JSON object"],
  ])("%s=%s is refused", (name, value, message) => {
    setEnvironment({ [name]: value });
    const read = {
      STOP_CONDITION_ALARMS: environment.stopConditionAlarms,
      ALLOWED_ROLE_ARNS: environment.allowedRoleArns,
      TUNABLE_DEFAULTS: environment.tunableDefaults,
    }[name];
    expect(read).toThrow(message);
  });

  test("an empty OPT_IN_TAG means none; otherwise it splits at the first colon", () => {
    expect(environment.optInTag()).toBeUndefined();
    setEnvironment({ OPT_IN_TAG: "chaos:a:b" });
    expect(environment.optInTag()).toEqual({ key: "chaos", value: "a:b" });
  });
});
