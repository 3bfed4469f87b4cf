/**
 * One definition of the tunables feeds the document's allowedPatterns and the script's own checks;
 * these tests prove the three agree, and that the patterns accept exactly what they should.
 */
import { DOCUMENT_PARAMETERS, shellPattern } from "../../scripts/render-document";
import { TUNABLES } from "../../lib/tunables";
import { loadDocument, scriptOf } from "./support/document";
import { HOSTILE_VALUES, OUT_OF_RANGE } from "./support/hostile";

const doc = loadDocument();
const script = scriptOf(doc);

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

  // The shell's pattern opens the long bounds and checks the length apart: the two must accept
  // exactly what the document's pattern does, at every length around the bound.
  test.each(DOCUMENT_PARAMETERS.filter((p) => p.maxLength !== undefined).map((p) => [p.name, p]))(
    "%s: the shell's length and pattern accept what the document's pattern does",
    (_name, p) => {
      const documentRe = new RegExp(p.pattern);
      const shellRe = new RegExp(shellPattern(p));
      expect(shellPattern(p)).not.toMatch(/\{[0-9]+,[0-9]{3,}\}/);
      const prefix = p.pattern.includes("https?://") ? "https://" : p.pattern.startsWith("^(/") ? "/" : "";
      const wrong: number[] = [];
      for (let n = 0; n <= p.maxLength! + 10; n++) {
        const value = prefix + "a".repeat(Math.max(n - prefix.length, 0));
        if (documentRe.test(value) !== (value.length <= p.maxLength! && shellRe.test(value))) wrong.push(n);
      }
      expect(wrong).toEqual([]);
      expect(documentRe.test(prefix + "a".repeat(p.maxLength! - prefix.length))).toBe(true);
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
