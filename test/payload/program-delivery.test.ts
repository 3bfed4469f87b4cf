/**
 * The program as the document's download steps deliver it: parts that did not arrive, or that
 * make another program than the one the document was made with, are refused by name with exit 3
 * before anything on the host changes, for Inject and for Cleanup; no copy of the program is ever
 * written on the host.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { committedDownloads, loadDocument, type Download } from "./support/document";
import { runDocument, startDocument, type FaultResult } from "./support/fault";
import { describeAsRoot } from "./support/root";
import { armed, useWorld } from "./support/scenario";
import { aptLog, withoutIptables } from "./support/stand-in-installer";
import { SERVER_V4, type World } from "./support/world";

const delivered = committedDownloads(loadDocument());

/** The downloads with one part's content changed (or gone, with undefined). */
const withPart = (index: number, content: string | undefined): Download[] =>
  delivered.map((d, i) => (i === index ? { ...d, content } : d));

/** Part 1 as another deployment's: one line of the program is not the same. */
const anotherProgram = (): string => {
  const part = JSON.parse(delivered[0].content!);
  const lines: string[] = part.mainSteps[0].inputs.runCommand;
  lines[lines.length - 1] = lines[lines.length - 1] + "  # another deployment";
  return JSON.stringify(part);
};

async function expectRefusedUntouched(w: World, result: FaultResult, reason: RegExp) {
  expect(result.code).toBe(3);
  expect(result.summary.error).toMatch(reason);
  expect(result.stderr.trim().split("\n")).toEqual([`http-reset-peer: ${result.summary.error}`]);
  expect(await w.faultTraces()).toEqual({ rules: [], processes: [] });
  expect(readdirSync(w.stateDir)).toEqual([]);
  expect(await w.curl(w.client, `http://${SERVER_V4}/`)).toBe(200);
}

describeAsRoot("the program's parts", () => {
  const world = useWorld();

  test.each(["Inject", "Cleanup"])(
    "%s: a part the download step did not fetch is refused by name, nothing changed",
    async (action) => {
      const w = world();
      await w.serveHttp([80]);
      const result = await runDocument(w, { Action: action }, { downloads: withPart(1, undefined) });
      expect(result.summary.action).toBe(action);
      await expectRefusedUntouched(
        w,
        result,
        /^the program's part http-reset-peer\/program-2\.json was not fetched: the download step before this one says why$/,
      );
    },
  );

  test.each(["Inject", "Cleanup"])(
    "%s: parts of another deployment's program are refused by name, nothing changed",
    async (action) => {
      const w = world();
      await w.serveHttp([80]);
      const result = await runDocument(w, { Action: action }, { downloads: withPart(0, anotherProgram()) });
      await expectRefusedUntouched(
        w,
        result,
        /^the program fetched \(SHA-256 [0-9a-f]{64}\) is not the one this document runs \([0-9a-f]{64}\): deploy the document and its program parts together$/,
      );
    },
  );

  test("a refused run removes the state directory it made", async () => {
    const w = world();
    await w.serveHttp([80]);
    const fresh = join(w.stateDir, "made-by-this-run");
    const result = await runDocument(
      w,
      {},
      { downloads: withPart(0, anotherProgram()), env: { HTTP_RESET_PEER_STATE_DIR: fresh } },
    );
    expect(result.code).toBe(3);
    expect(existsSync(fresh)).toBe(false);
  });

  test("a part that is not a document is refused by name, nothing changed", async () => {
    const w = world();
    await w.serveHttp([80]);
    const result = await runDocument(w, {}, { downloads: withPart(0, "<html>Service Unavailable</html>") });
    await expectRefusedUntouched(
      w,
      result,
      /^the program's part http-reset-peer\/program-1\.json cannot be read as a fetched document/,
    );
  });

  test("a run writes no copy of the program on the host: its state holds pid files and counters only", async () => {
    const w = world();
    await w.serveHttp([80]);
    const fault = startDocument(w, { DurationSeconds: "2" });
    await armed(w);
    const files = readdirSync(w.stateDir, { recursive: true }).map(String);
    expect(files.filter((f) => /\.py|program/.test(f))).toEqual([]);
    expect(files.some((f) => f.endsWith(".pid"))).toBe(true);
    expect((await fault.done).code).toBe(0);
  });

  test("another program is refused before a missing dependency is installed", async () => {
    const w = world();
    await w.serveHttp([80]);
    const scratch = mkdtempSync(join(tmpdir(), "hrp-install-"));
    try {
      const result = await runDocument(
        w,
        {},
        { ...withoutIptables(scratch), downloads: withPart(0, anotherProgram()) },
      );
      expect(result.code).toBe(3);
      expect(result.summary.error).toMatch(/^the program fetched .* is not the one this document runs/);
      expect(existsSync(aptLog(scratch))).toBe(false);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
