/**
 * The library for every CDK language: the jsii assembly that `npm run build` made, the other
 * languages' sources generated from it, and API.md generated from the same.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tunableProperty } from "../../lib/tunable-input";
import { TUNABLES } from "../../lib/tunables";
import { ROOT, sh } from "./apps";
import { readmeSnippets } from "./readme-snippets";

const bin = (tool: string) => join(ROOT, "node_modules", ".bin", tool);
const assembly = JSON.parse(readFileSync(join(ROOT, ".jsii"), "utf8"));

jest.setTimeout(5 * 60_000);

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), "hrp-jsii-"));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

test("jsii-pacmak generates Python, Java, .NET and Go sources without an error or a warning", () => {
  const targets = ["python", "java", "dotnet", "go"];
  const out = sh(
    bin("jsii-pacmak"),
    ["--code-only", "--outdir", scratch, ...targets.flatMap((t) => ["--target", t])],
    {
      cwd: ROOT,
      env: { ...process.env, JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION: "1" },
    },
  );
  expect(out.split("\n").filter((line) => /warn|error/i.test(line))).toEqual([]);
  const python = readFileSync(join(scratch, "python", "src", "ec2_http_reset_peer", "__init__.py"), "utf8");
  expect(python).toContain("class HttpResetPeerFault(");
  expect(python).toContain("target_service_port: typing.Optional[jsii.Number] = None");
});

test.each(readmeSnippets("python").map((s) => [`${s.page}, ${s.section}`, s.code]))(
  "the Python in %s uses only what the generated module has: its classes, their keywords, the enums' members",
  (_, code) => {
    // Needs the first test's module. The CDK's Python packages are not here to run the snippet.
    const module = join(scratch, "python", "src", "ec2_http_reset_peer", "__init__.py");
    const checked = JSON.parse(
      sh("python3", [join(__dirname, "fixtures", "check_python_snippet.py"), module, "ec2_http_reset_peer"], {
        input: code,
      }),
    ) as { imported: string[]; problems: string[] };
    expect(checked.imported.length).toBeGreaterThan(0);
    expect(checked.problems).toEqual([]);
  },
);

test("API.md is the one jsii-docgen makes from the code", () => {
  const fresh = join(scratch, "API.md");
  sh(bin("jsii-docgen"), ["-o", fresh], { cwd: ROOT });
  expect(readFileSync(join(ROOT, "API.md"), "utf8")).toBe(readFileSync(fresh, "utf8"));
});

test("FaultTunables has one documented, optional property per tunable, with its default", () => {
  const struct = assembly.types["ec2-http-reset-peer.FaultTunables"];
  expect(struct.kind).toBe("interface");
  expect(struct.datatype).toBe(true);
  const properties = Object.fromEntries(struct.properties.map((p: { name: string }) => [p.name, p]));
  expect(Object.keys(properties).sort()).toEqual(Object.keys(TUNABLES).map(tunableProperty).sort());
  for (const t of Object.values(TUNABLES)) {
    const p = properties[tunableProperty(t.key)];
    expect(p.optional).toBe(true);
    expect(p.docs.summary).toMatch(new RegExp(`^${t.key}: `));
    expect(p.docs.default).toBeDefined();
    if (t.kind === "enum") continue;
    expect(p.type.primitive).toBe(
      t.kind === "integer" ? "number" : t.kind === "boolean" ? "boolean" : "string",
    );
  }
});

test("a tunable with a closed set of values is typed by an enum with one member per value", () => {
  const struct = assembly.types["ec2-http-reset-peer.FaultTunables"];
  const properties = Object.fromEntries(struct.properties.map((p: { name: string }) => [p.name, p]));
  for (const t of Object.values(TUNABLES).filter((t) => t.kind === "enum")) {
    const type = assembly.types[properties[tunableProperty(t.key)].type.fqn];
    expect([t.key, type?.kind]).toEqual([t.key, "enum"]);
    expect(type.members.map((m: { name: string }) => m.name)).toEqual(t.values.map((v) => v.toUpperCase()));
  }
});

test("every enum member of the public API has documentation", () => {
  const enums = (Object.values(assembly.types) as { kind: string; assembly: string }[]).filter(
    (t) => t.kind === "enum" && t.assembly === "ec2-http-reset-peer",
  ) as unknown as { fqn: string; members: { name: string; docs?: { summary?: string } }[] }[];
  expect(enums.length).toBeGreaterThan(0);
  for (const type of enums)
    for (const m of type.members)
      expect([type.fqn, m.name, Boolean(m.docs?.summary)]).toEqual([type.fqn, m.name, true]);
});

test("every prop of the public API has documentation and a default", () => {
  interface AssemblyType {
    fqn: string;
    datatype?: boolean;
    assembly: string;
  }
  const props = (Object.values(assembly.types) as AssemblyType[]).filter(
    (t) => t.datatype && t.assembly === "ec2-http-reset-peer",
  ) as unknown as {
    fqn: string;
    properties: { name: string; optional?: boolean; docs?: { summary?: string; default?: string } }[];
  }[];
  expect(props.length).toBeGreaterThan(0);
  for (const type of props)
    for (const p of type.properties) {
      expect([type.fqn, p.name, Boolean(p.docs?.summary)]).toEqual([type.fqn, p.name, true]);
      if (p.optional)
        expect([type.fqn, p.name, p.docs?.default]).toEqual([type.fqn, p.name, expect.any(String)]);
    }
});
