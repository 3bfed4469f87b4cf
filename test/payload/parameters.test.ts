/**
 * One definition of the tunables feeds the document's allowedPatterns and the script's own checks;
 * these tests prove the three agree, and that the patterns accept exactly what they should.
 */
import { execFileSync } from "node:child_process";
import { DOCUMENT_PARAMETERS, shellPattern } from "../../scripts/render-document";
import { TUNABLES, type TunableDefinition } from "../../lib/tunables";
import { loadDocument, scriptOf } from "./support/document";
import { HOSTILE_VALUES, OUT_OF_RANGE } from "./support/hostile";

const doc = loadDocument();
const script = scriptOf(doc);

/** The script's own check of one parameter, as its call of check_parameters has it. */
function scriptCheckOf(name: string): { pattern: string; longest: string } {
  const [, pattern, longest] = new RegExp(`^ {2}${name} "\\$SSM_${name}" '([^']*)' '([0-9]*)'`, "m").exec(
    script,
  )!;
  return { pattern, longest };
}

/**
 * Whether the script's own check (its check_parameters, run by sh as the script defines it) accepts
 * each value for the parameter: one sh for them all, each value checked in a subshell of its own.
 */
function scriptAccepts(name: string, values: string[]): boolean[] {
  // fail, and check_parameters with what it uses: the script's text up to its call.
  const definitions = script.slice(script.indexOf("fail() {"), script.indexOf("\ncheck_parameters \\\n"));
  const { pattern, longest } = scriptCheckOf(name);
  const program = `${definitions}
for value in "$@"; do
  if (check_parameters ${name} "$value" '${pattern}' '${longest}') >/dev/null 2>&1; then echo 1; else echo 0; fi
done`;
  const out = execFileSync("sh", ["-c", program, "sh", ...values], { encoding: "utf8", maxBuffer: 16 << 20 });
  return out
    .trim()
    .split("\n")
    .map((line) => line === "1");
}

/**
 * The fixed texts a pattern allows before its first bracket: `^(https?://[...` gives http:// and
 * https://, each alternative's own; `^(/[...` gives /; a pattern with none gives the empty text.
 */
function prefixesOf(pattern: string): string[] {
  const alternatives = pattern.replace(/^\^\(?/, "").split("|");
  const prefixes = alternatives.map((alternative) => /^[^[(\\]*/.exec(alternative)![0]);
  return [
    ...new Set(
      prefixes.flatMap((prefix) => {
        const optional = /^(.*?)(.)\?(.*)$/.exec(prefix);
        return optional ? [optional[1] + optional[3], optional[1] + optional[2] + optional[3]] : [prefix];
      }),
    ),
  ];
}

/**
 * The values to try a parameter on: with each prefix its pattern allows, every length around each
 * bound the pattern and the longest length name (two either side), of fillers its characters
 * include; the integers around each end of a range; the hostile values, the out-of-range ones, and
 * its default.
 */
function boundaryValues(p: (typeof DOCUMENT_PARAMETERS)[number]): string[] {
  const values = [p.default, ...HOSTILE_VALUES, ...OUT_OF_RANGE, ...(p.values ?? [])];
  const tunable = (Object.values(TUNABLES) as TunableDefinition[]).find(
    (t) => t.documentParameter === p.name,
  );
  if (tunable?.range) {
    const { min, max } = tunable.range;
    values.push(...[min - 1, min, min + 1, max - 1, max, max + 1, max * 10].map(String));
  }
  const bounds = [...p.pattern.matchAll(/\{(\d+)(?:,(\d+))?\}/g)]
    .flatMap((m) => [m[1], m[2] ?? m[1]])
    .map(Number);
  for (const prefix of prefixesOf(p.pattern)) {
    const around = [0, 1, ...bounds.map((b) => b + prefix.length), ...(p.maxLength ? [p.maxLength] : [])];
    const lengths = new Set(
      around.flatMap((n) => [n - 2, n - 1, n, n + 1, n + 2]).filter((n) => n >= prefix.length),
    );
    for (const filler of ["a", "A", "1", "-"]) {
      for (const n of lengths) values.push(prefix + filler.repeat(n - prefix.length));
    }
  }
  return [...new Set(values)];
}

describe("document parameters", () => {
  test.each(DOCUMENT_PARAMETERS.map((p) => [p.name, p]))("%s matches its definition", (name, p) => {
    const spec = doc.parameters[name];
    expect(spec.default).toBe(p.default);
    expect(spec.interpolationType).toBe("ENV_VAR");
    if (p.values) expect(spec.allowedValues).toEqual(p.values);
    else expect(spec.allowedPattern).toBe(p.pattern);
  });

  test("the document has no parameter the definition lacks", () => {
    expect(Object.keys(doc.parameters)).toEqual(DOCUMENT_PARAMETERS.map((p) => p.name));
  });

  test("the script checks every parameter again, with the same pattern", () => {
    const call = script.slice(script.indexOf("check_parameters \\\n"));
    const checks = [...call.matchAll(/^ {2}(\w+) "\$SSM_\1" '([^']*)' '([0-9]*)'/gm)].map((m) => [
      m[1],
      m[2],
      m[3],
    ]);
    expect(checks).toEqual(
      DOCUMENT_PARAMETERS.map((p) => [p.name, shellPattern(p), String(p.maxLength ?? "")]),
    );
  });

  // The script's own check opens the long bounds and checks the length apart: run as the script
  // has it, it must accept exactly what the document's pattern does, at every parameter's bounds and
  // with every prefix its pattern allows.
  test.each(DOCUMENT_PARAMETERS.map((p) => [p.name, p]))(
    "%s: the script's own check accepts exactly what the document's pattern does, at its bounds",
    (name, p) => {
      const documentRe = new RegExp(p.pattern);
      const values = boundaryValues(p);
      const accepted = scriptAccepts(name, values);
      const disagree = values.filter((v, i) => accepted[i] !== documentRe.test(v));
      expect(disagree.map((v) => `${v.length}: ${v.slice(0, 40)}`)).toEqual([]);
      // The bounds are really met: some value at the longest is accepted, and every longer one refused.
      if (p.maxLength !== undefined) {
        expect(values.some((v, i) => v.length === p.maxLength && accepted[i])).toBe(true);
        expect(values.filter((v, i) => v.length > p.maxLength! && accepted[i])).toEqual([]);
      }
    },
  );

  test.each(DOCUMENT_PARAMETERS.map((p) => [p.name, p.pattern]))(
    "%s rejects every hostile value",
    (_name, pattern) => {
      const re = new RegExp(pattern);
      expect(HOSTILE_VALUES.filter((v) => re.test(v))).toEqual([]);
    },
  );
});

/**
 * The integers a range's pattern is tried on: every one up to 100,000 (or the range's end and 1,000
 * past it), and beyond that each one around a change in the number of digits and around the end: a
 * pattern of alternatives by digit count goes wrong only there, and a billion tries would take minutes.
 */
function candidates(max: number): number[] {
  const all = Array.from({ length: Math.min(max + 1000, 100000) + 1 }, (_, n) => n);
  for (let power = 100000; power <= max * 10; power *= 10)
    for (let d = -1000; d <= 1000; d++) all.push(power + d, (power / 10) * 9 + d);
  for (let d = -1000; d <= 1000; d++) all.push(max + d);
  return all.filter((n) => n >= 0);
}

describe("integer tunables", () => {
  const integers = Object.values(TUNABLES).filter((t) => t.kind === "integer");

  test.each(integers.map((t) => [t.key, t]))(
    "%s accepts exactly its range, without leading zeros",
    (_key, t) => {
      const re = new RegExp(t.pattern);
      const { min, max } = t.range!;
      const wrong: number[] = [];
      for (const n of candidates(max)) if (re.test(String(n)) !== (n >= min && n <= max)) wrong.push(n);
      expect(wrong).toEqual([]);
      expect(re.test(`0${max}`)).toBe(false);
      expect(re.test(`+${min + 1}`)).toBe(false);
      expect(OUT_OF_RANGE.filter((v) => re.test(v))).toEqual([]);
    },
  );
});

describe("string tunables", () => {
  const cases: [keyof typeof TUNABLES, string[], string[]][] = [
    [
      "NETWORK_INTERFACE",
      ["eth0", "ens5", "enp0s3", "eth0.100", "br-1a2b3c", "veth_x"],
      ["", "eth0:1", "eth+", "a/b", "x".repeat(16)],
    ],
    [
      "PROXY",
      ["", "http://proxy:3128", "https://10.0.0.1:8080/", "http://proxy.internal/%7Ea"],
      ["ftp://x", "http://", "proxy:3128", "https://user:pa%40ss@10.0.0.1:8080/"],
    ],
    ["REGION", ["", "us-east-1", "eu-central-2", "us-gov-west-1"], ["US-EAST-1", "useast1", "us-east"]],
    [
      "EC2_INSTANCE_ID",
      ["", "i-0123456789abcdef0", "i-01234567,i-0123456789abcdef0"],
      ["i-xyz", "i-0123456789abcdef0,", "i-0123 ,i-1"],
    ],
    [
      "EC2_INSTANCE_TAG",
      ["", "team:checkout", "env:", "aws:cloudformation:stack-name:web"],
      [":value", "no-colon"],
    ],
    [
      "ASSUME_ROLE_ARN",
      ["", "arn:aws:iam::123456789012:role/chaos", "arn:aws-cn:iam::123456789012:role/a/b"],
      ["arn:aws:iam::123:role/x", "role/x"],
    ],
  ];
  test.each(cases)("%s", (key, good, bad) => {
    const re = new RegExp(TUNABLES[key].pattern);
    expect(good.filter((v) => !re.test(v))).toEqual([]);
    expect(bad.filter((v) => re.test(v))).toEqual([]);
  });
});
