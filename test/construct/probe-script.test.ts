/**
 * The probe document's script, run with bash as the SSM agent runs it once SSM has put the Probe
 * parameter in: each name runs its own command exactly as given, whatever quotes, `;;`, `esac` or
 * `{{ }}` it holds, and no other name runs anything.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { NO_SUCH_PROBE_EXIT, PROBE_PARAMETER, probeScript } from "../../lib/hypothesis/probe-script";

const PROBES = [
  { name: "log-resets", command: `printf 'connection reset by peer\\n' | grep -c "reset"` },
  {
    name: "tricky.one_2",
    command: [`echo "it's ;; esac {{ Probe }} \\$HOME"`, "case x in x) echo inner;; esac", "exit 3"].join(
      "\n",
    ),
  },
];

/** The script with the parameter as SSM interpolates it, run by bash. */
function run(name: string) {
  const script = probeScript(PROBES).join("\n").replaceAll(`{{ ${PROBE_PARAMETER} }}`, name);
  return spawnSync("bash", ["-c", script], { encoding: "utf8" });
}

test("each probe's name runs its command, as given", () => {
  expect(run("log-resets")).toMatchObject({ status: 0, stdout: "1\n" });
  expect(run("tricky.one_2")).toMatchObject({
    status: 3,
    stdout: `it's ;; esac {{ Probe }} $HOME\ninner\n`,
  });
});

test("a name it has no command for runs nothing and exits 2", () => {
  const result = run("other");
  expect(result.status).toBe(NO_SUCH_PROBE_EXIT);
  expect(result.stdout).toBe("");
  expect(result.stderr).toContain("no command probe named other");
});

test("the parameter appears only where SSM puts the probe's name: no command's text is in the script", () => {
  const script = probeScript(PROBES).join("\n");
  expect(script.match(/\{\{ Probe \}\}/g)).toHaveLength(2);
  expect(script).not.toContain("grep");
  // The script itself is valid bash.
  expect(() => execFileSync("bash", ["-n", "-c", script])).not.toThrow();
});
