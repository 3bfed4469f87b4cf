/**
 * The documented command that prints what runs as root (docs/how-it-works.md), run against the
 * documents the constructs deploy (an `aws` stand-in answers `ssm get-document` from the synthesized
 * template, as SSM would from the deployed documents), with the real jq: every file of the program
 * comes out byte for byte as it is in the repository, and nothing else does.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Template } from "aws-cdk-lib/assertions";
import { HttpResetPeerFault } from "../../lib";
import { programFiles } from "../../scripts/program-parts";
import { newStack } from "../construct/support";
import { hasCommand } from "./support/sbin";

const ROOT = join(__dirname, "..", "..");
const FAKE_AWS_CLI = join(__dirname, "fixtures", "fake-aws-cli");

/** The README's (or a docs/ page's) command that begins so. */
function documentedCommand(start: string): string {
  const pages = [
    join(ROOT, "README.md"),
    ...readdirSync(join(ROOT, "docs"))
      .filter((f) => f.endsWith(".md"))
      .map((f) => join(ROOT, "docs", f)),
  ];
  const lines = pages.flatMap((page) =>
    readFileSync(page, "utf8")
      .split("\n")
      .map((line) => line.trim()),
  );
  const found = lines.filter((line) => line.startsWith(start));
  if (found.length !== 1)
    throw new Error(`expected one documented command beginning "${start}", found ${found.length}`);
  return found[0];
}

/** The files a printed bundle holds, by path: each after its header, its length as the header says. */
function filesOf(printed: Buffer): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  let at = 0;
  while (at < printed.length) {
    const end = printed.indexOf("\n", at);
    const header = /^# ==> (\S+) \(([0-9]+) bytes\) <==$/.exec(printed.subarray(at, end).toString("utf8"));
    if (!header)
      throw new Error(`no file header at byte ${at}: ${printed.subarray(at, end).toString("utf8")}`);
    const size = Number(header[2]);
    files.set(header[1], printed.subarray(end + 1, end + 1 + size));
    at = end + 1 + size;
  }
  return files;
}

if (!hasCommand("jq") && process.env.CI)
  throw new Error("jq is not installed (bash scripts/test.sh installs it)");

(hasCommand("jq") ? test : test.skip)(
  "the documented command prints, from the deployed documents, exactly the program in ssm-documents/src",
  () => {
    const deployed = mkdtempSync(join(tmpdir(), "hrp-review-"));
    try {
      const stack = newStack();
      new HttpResetPeerFault(stack, "Fault");
      for (const document of Object.values(Template.fromStack(stack).findResources("AWS::SSM::Document"))) {
        // As CloudFormation creates it from the template: the content object, as JSON.
        writeFileSync(
          join(deployed, `${document.Properties.Name}.json`),
          JSON.stringify(document.Properties.Content),
        );
      }
      const printed = execFileSync(
        "bash",
        ["-c", documentedCommand("aws ssm get-document --name Ec2HttpResetPeer ")],
        {
          env: { ...process.env, PATH: `${FAKE_AWS_CLI}:${process.env.PATH}`, FAKE_SSM_DOCUMENTS: deployed },
          maxBuffer: 16 << 20,
        },
      );
      const files = filesOf(printed);
      const sources = programFiles();
      expect([...files.keys()]).toEqual(sources.map((f) => f.path));
      for (const source of sources) expect(files.get(source.path)!.equals(source.content)).toBe(true);
      const onDisk = join(ROOT, "ssm-documents", "src", "http_reset_peer", "__main__.py");
      expect(files.get("http_reset_peer/__main__.py")!.equals(readFileSync(onDisk))).toBe(true);
    } finally {
      rmSync(deployed, { recursive: true, force: true });
    }
  },
);
if (!hasCommand("jq")) console.warn("SKIPPED the documented review command: jq is not installed");
