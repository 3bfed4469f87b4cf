/**
 * Every refusal happens before the host is touched: no rule, no process, no state, and a one-line
 * reason that says what to do.
 */
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FaultResult, runDocument } from "./support/fault";
import { HOSTILE_VALUES, PWNED_MARKER } from "./support/hostile";
import { describeAsRoot } from "./support/root";
import { useWorld } from "./support/scenario";
import { AGENT_PATH } from "./support/sbin";
import { SERVER_V4, World } from "./support/world";
import { DOCUMENT_PARAMETERS } from "../../scripts/render-document";

async function expectRefused(w: World, result: FaultResult, code: number, reason: string) {
  expect(result.code).toBe(code);
  expect(result.summary.error).toContain(reason);
  expect(result.stderr.trim().split("\n")).toEqual([`http-reset-peer: ${result.summary.error}`]);
  expect(await w.faultTraces()).toEqual({ rules: [], processes: [] });
  expect(readdirSync(w.stateDir)).toEqual([]);
}

describeAsRoot("refusals", () => {
  const world = useWorld();

  test("nothing listens on the port", async () => {
    const w = world();
    const result = await runDocument(w, { TargetServicePort: "8080" });
    await expectRefused(w, result, 3, "nothing listens on TCP port 8080");
  });

  test("the interface does not exist", async () => {
    const w = world();
    await w.serveHttp([80]);
    const result = await runDocument(w, { NetworkInterface: "eth9" });
    await expectRefused(w, result, 3, "network interface eth9 does not exist");
  });

  test("iptables is missing and InstallDependencies is False", async () => {
    const w = world();
    await w.serveHttp([80]);
    const result = await runDocument(
      w,
      { InstallDependencies: "False" },
      { hide: ["/usr/sbin", "/usr/local/sbin"] },
    );
    await expectRefused(w, result, 3, "missing iptables: install it");
  });

  test("a kernel without TPROXY: refused before anything jumps to the fault's rules", async () => {
    const w = world();
    await w.serveHttp([80]);
    const withoutTproxy = join(__dirname, "fixtures", "kernel-without-tproxy");
    const result = await runDocument(w, {}, { env: { PATH: `${withoutTproxy}:${AGENT_PATH}` } });
    expect(result.code).toBe(3);
    expect(result.summary.error).toMatch(
      /^the kernel cannot run the fault's rules \(iptables-restore failed: .*\): it needs TPROXY/,
    );
    expect(await w.faultTraces()).toEqual({ rules: [], processes: [] });
    expect(readdirSync(join(w.stateDir, "experiments"))).toEqual([]);
    expect(await w.curl(w.client, `http://${SERVER_V4}/`)).toBe(200);
  });

  test.each(DOCUMENT_PARAMETERS.map((p) => p.name))(
    "%s: every hostile value is refused, and none runs",
    async (name) => {
      const w = world();
      await w.serveHttp([80]);
      for (const value of HOSTILE_VALUES) {
        const result = await runDocument(w, { [name]: value });
        expect([value, result.code]).toEqual([value, 2]);
        expect(result.summary).toEqual({
          action: "unknown",
          error: expect.stringMatching(new RegExp(`^parameter ${name} `)),
        });
      }
      expect(existsSync(PWNED_MARKER)).toBe(false);
      expect(await w.faultTraces()).toEqual({ rules: [], processes: [] });
      expect(readdirSync(w.stateDir)).toEqual([]);
    },
  );

  test("valid edge values get past the checks", async () => {
    const w = world();
    // Nothing listens on 65535, so the run stops at the next check, after the parameters passed.
    const result = await runDocument(w, {
      TargetServicePort: "65535",
      DurationSeconds: "43200",
      Proxy: "http://proxy.internal:3128/",
      ExperimentId: "a".repeat(128),
    });
    expect(result.summary.error).toBe(
      "nothing listens on TCP port 65535: the fault needs the HTTP service running",
    );
  });
});

describeAsRoot("the state directory is trusted only when it is root's alone", () => {
  const world = useWorld();
  let scratch: string;
  beforeEach(async () => {
    scratch = mkdtempSync(join(tmpdir(), "hrp-trust-"));
    await world().serveHttp([80]);
  });
  afterEach(() => rmSync(scratch, { recursive: true, force: true }));

  /** Runs the fault with this state directory: refused, and nothing in it or on the host changed. */
  async function expectDistrusted(stateDir: string, reason: string) {
    const w = world();
    const before = existsSync(stateDir) ? readdirSync(stateDir) : undefined;
    const result = await runDocument(w, {}, { env: { HTTP_RESET_PEER_STATE_DIR: stateDir } });
    expect(result.code).toBe(3);
    expect(result.summary.error).toBe(reason);
    expect(await w.faultTraces()).toEqual({ rules: [], processes: [] });
    expect(existsSync(stateDir) ? readdirSync(stateDir) : undefined).toEqual(before);
  }

  const dir = (mode: number, uid = 0) => {
    const path = mkdtempSync(join(scratch, "state-"));
    chmodSync(path, mode);
    chownSync(path, uid, 0);
    return path;
  };

  test("owned by another user", async () => {
    const path = dir(0o700, 65534);
    await expectDistrusted(path, `the state directory cannot be trusted: ${path} is not owned by root`);
  });

  test("writable by its group", async () => {
    const path = dir(0o770);
    await expectDistrusted(
      path,
      `the state directory cannot be trusted: ${path} is writable by others than root`,
    );
  });

  test("a symbolic link, even to a folder of root's", async () => {
    const link = join(scratch, "link");
    symlinkSync(dir(0o700), link);
    await expectDistrusted(link, `the state directory cannot be trusted: ${link} is a symbolic link`);
  });

  test("inside a folder anyone may write to that is not sticky", async () => {
    const parent = dir(0o777);
    const path = join(parent, "state");
    await expectDistrusted(
      path,
      `the state directory cannot be trusted: ${parent} is writable by others than root`,
    );
    expect(existsSync(path)).toBe(false);
  });

  test("a relative path", async () => {
    await expectDistrusted("run/http-reset-peer", "HTTP_RESET_PEER_STATE_DIR must be an absolute path");
  });

  test("a symbolic link inside it is never followed", async () => {
    const w = world();
    const target = join(scratch, "target");
    writeFileSync(target, "not the fault's");
    symlinkSync(target, join(w.stateDir, "lock"));
    const result = await runDocument(w, {});
    expect(result.code).toBe(3);
    expect(result.summary.error).toBe("the state directory holds symbolic links (lock): remove them");
    expect(readFileSync(target, "utf8")).toBe("not the fault's");
    expect(await w.faultTraces()).toEqual({ rules: [], processes: [] });
  });

  test("a folder of root's alone inside a sticky one, as the tests' own are: trusted", async () => {
    const w = world();
    const path = join(dir(0o1777), "state");
    mkdirSync(path, { mode: 0o700 });
    const result = await runDocument(
      w,
      { DurationSeconds: "1" },
      { env: { HTTP_RESET_PEER_STATE_DIR: path } },
    );
    expect(result.code).toBe(0);
  });
});
