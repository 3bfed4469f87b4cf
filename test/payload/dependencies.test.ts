/**
 * Installing what is missing: with iptables hidden from the script, a stand-in apt-get records how
 * it is called and links the binaries back (support/stand-in-installer.ts).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startDocument } from "./support/fault";
import { describeAsRoot } from "./support/root";
import { armed, useWorld } from "./support/scenario";
import { aptLog, withoutIptables } from "./support/stand-in-installer";
import { SERVER_V4 } from "./support/world";

describeAsRoot("InstallDependencies", () => {
  const world = useWorld();
  let scratch: string;
  beforeEach(() => {
    scratch = mkdtempSync(join(tmpdir(), "hrp-install-"));
  });
  afterEach(() => rmSync(scratch, { recursive: true, force: true }));

  test("installs iptables through the proxy given, then runs the fault", async () => {
    const w = world();
    await w.serveHttp([80]);
    const proxy = "http://proxy.internal:3128";
    const fault = startDocument(w, { DurationSeconds: "2", Proxy: proxy }, withoutIptables(scratch));
    await armed(w);
    expect(await w.curl(w.client, `http://${SERVER_V4}/`)).toBe("reset");
    const result = await fault.done;
    expect(result.code).toBe(0);
    expect(readFileSync(aptLog(scratch), "utf8").trim().split("\n")).toEqual([
      `update -q http_proxy=${proxy}`,
      `install -y -q --no-install-recommends iptables http_proxy=${proxy}`,
    ]);
    expect(await w.isClean()).toBe(true);
  });

  test("a failed install is reported with the installer's last line, and nothing is changed", async () => {
    const w = world();
    await w.serveHttp([80]);
    const result = await startDocument(w, {}, withoutIptables(scratch, { FAKE_APT_FAIL: "1" })).done;
    expect(result.code).toBe(4);
    expect(result.summary.error).toBe("could not install iptables: E: Unable to locate package iptables");
    expect(await w.faultTraces()).toEqual({ rules: [], processes: [] });
  });
});
