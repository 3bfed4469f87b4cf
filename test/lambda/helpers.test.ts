import { resetEnvironment, setEnvironment } from "./support/environment";
import { chunk } from "../../lambda/chunks";
import { ERROR_NAMES } from "../../lambda/contract";
import { documentSummary } from "../../lambda/document-output";
import * as environment from "../../lambda/environment";
import * as errors from "../../lambda/errors";
import { experimentIdFor } from "../../lambda/experiment-id";
import { collectPages } from "../../lambda/pages";
import { HISTORY_EVENTS, MAX_TARGETS, pollSeconds } from "../../lib/execution-limits";
import { sample } from "../../lambda/sample";

afterEach(resetEnvironment);

test("each error class carries one of the contract's error names, and all are covered", () => {
  const names = Object.values(errors).map((E) => new E("m").name);
  expect(names.sort()).toEqual([...ERROR_NAMES].sort());
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
    [1, 1, 1],
    [30, 1, 10],
    [43200, 1, 17],
    [30, 10, 10],
    [43200, 10, 165],
    [60, 500, 29],
  ])("a %i s fault on %i group(s) is checked every %i s", (duration, groups, expected) => {
    expect(pollSeconds(duration, groups)).toBe(expected);
  });

  test("one execution's history holds every group and every check, up to the largest run", () => {
    const { limit, fixed, perGroup, perCheck } = HISTORY_EVENTS;
    for (const duration of [1, 7, 30, 599, 3600, 43200])
      for (const groups of [1, 3, 10, 250, MAX_TARGETS]) {
        const checksPerGroup = Math.ceil(duration / pollSeconds(duration, groups)) + 1;
        expect(fixed + groups * (perGroup + perCheck * checksPerGroup)).toBeLessThanOrEqual(limit);
      }
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
