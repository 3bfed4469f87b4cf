/**
 * The README's commands, walked as a newcomer walks them: in a fresh copy of the repository (its
 * tracked files, nothing built), every command of every `sh` block, block after block in the
 * README's order. Each block starts from the clone's state again, with only what `npm ci` installed
 * kept, so that a command that needs a build it does not name fails here as it would for them.
 * Commands that need an AWS account or run on an instance are listed, not run.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

const ROOT = join(__dirname, "..");

/** What is not run here, and why. The rest must be. */
const NOT_RUN: { pattern: RegExp; why: string }[] = [
  { pattern: /^bash scripts\/test\.sh\b/, why: "the whole test suite, which is running this test" },
  { pattern: /^(npx cdk deploy|npm run integ)\b|\baws [a-z]/, why: "it needs an AWS account" },
  { pattern: /^(iptables|ip6tables|pkill)\b/, why: "it is run on an instance, by hand" },
];

interface Command {
  readonly block: number;
  readonly line: string;
}

/** The README's `sh` blocks' commands, a line each (continuations joined, comments dropped). */
function readmeCommands(): Command[] {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const blocks = [...readme.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
  return blocks.flatMap((text, block) =>
    text
      .replace(/\\\n\s*/g, " ")
      .split("\n")
      .map((line) => line.replace(/\s+#.*$/, "").trim())
      .filter((line) => line && !line.startsWith("#"))
      .map((line) => ({ block, line })),
  );
}

/** A copy of the repository's tracked files as they are in the working tree: what a clone of it gives. */
function freshClone(): string {
  const dir = mkdtempSync(join(tmpdir(), "hrp-readme-"));
  const tracked = execFileSync("git", ["ls-files", "-z"], { cwd: ROOT, encoding: "utf8" }).split("\0");
  for (const path of tracked.filter(Boolean)) {
    const source = join(ROOT, path);
    const stat = statSync(source, { throwIfNoEntry: false });
    if (!stat?.isFile()) continue;
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    copyFileSync(source, join(dir, path));
    chmodSync(join(dir, path), stat.mode);
  }
  const git = (...args: string[]) => execFileSync("git", args, { cwd: dir, stdio: "pipe" });
  git("init", "-q");
  git("add", "-A");
  git("-c", "user.name=readme", "-c", "user.email=readme@example.com", "commit", "-qm", "clone");
  return dir;
}

const isRoot = process.getuid?.() === 0;

jest.setTimeout(20 * 60_000);

let clone: string;
beforeAll(() => {
  clone = freshClone();
});
afterAll(() => rmSync(clone, { recursive: true, force: true }));

test("the README gives its commands in sh blocks, and this test knows each one it does not run", () => {
  const commands = readmeCommands();
  expect(commands.map((c) => c.line)).toContain("npm ci && npm run build && npx cdk synth");
  expect(commands.map((c) => c.line)).toContain("sudo npm run demo");
  for (const { line } of commands.filter((c) => NOT_RUN.some((n) => n.pattern.test(c.line))))
    console.log(`not run: ${line}`);
});

test("every command the README gives works on a fresh clone, in the README's order", () => {
  let block = -1;
  for (const { block: at, line } of readmeCommands()) {
    const skipped = NOT_RUN.find((n) => n.pattern.test(line));
    if (skipped) continue;
    if (at !== block) {
      // The clone as it was, but for what npm ci installed.
      execFileSync("git", ["clean", "-fdxq", "-e", "node_modules"], { cwd: clone });
      block = at;
    }
    let command = line;
    if (command.startsWith("sudo ")) {
      if (!isRoot) {
        console.warn(`SKIPPED "${line}": it needs root`);
        continue;
      }
      command = command.slice("sudo ".length);
    }
    try {
      execFileSync("bash", ["-c", command], {
        cwd: clone,
        stdio: "pipe",
        maxBuffer: 64 << 20,
        // As a newcomer's shell has it: no CI flag of this run's, nor jest's own variables.
        env: { PATH: process.env.PATH, HOME: process.env.HOME, LANG: "C.UTF-8" },
      });
    } catch (e) {
      const { stdout, stderr } = e as { stdout?: Buffer; stderr?: Buffer };
      throw new Error(
        `The README's command \`${line}\` failed on a fresh clone:\n${stdout?.toString().slice(-4000) ?? ""}\n${stderr?.toString().slice(-4000) ?? ""}`,
        { cause: e },
      );
    }
  }
});
