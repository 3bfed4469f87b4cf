/** BENCHMARKS.md, from each part's last result. */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { format, resolveConfig } from "prettier";
import { markdownTable } from "./markdown";
import { loadResult, PARTS, type Part, type PartResult } from "./parts";

const OUTPUT = join(__dirname, "..", "BENCHMARKS.md");

const TITLES: Record<Part, string> = {
  payload: "The payload under load (items 1 to 7)",
  forwarding: "Forwarding under load (item 12)",
  "control-plane": "The control plane (items 8 and 9)",
  package: "The package (item 10)",
  stop: "Stop conditions (item 11)",
  baseline: "Beside an earlier commit (items 1, 3, 4, 5 and 12)",
};

const SHORT: Record<Part, string> = {
  payload: "Payload (1–7)",
  forwarding: "Forwarding (12)",
  "control-plane": "Control plane (8–9)",
  package: "Package (10)",
  stop: "Stop (11)",
  baseline: "Baseline",
};

function machineTable(results: [Part, PartResult][]): string {
  const row = (label: string, value: (r: PartResult) => string) => [
    label,
    ...results.map(([, r]) => value(r)),
  ];
  return markdownTable(
    ["", ...results.map(([part]) => SHORT[part])],
    [
      row("Run", (r) => `${r.date}, ${r.runs} runs, ${Math.ceil(r.seconds / 60)} min`),
      row("CPU", (r) => r.machine.cpuModel),
      row("Cores", (r) => String(r.machine.cores)),
      row("Memory", (r) => `${r.machine.memoryGiB} GiB`),
      row("Kernel", (r) => r.machine.kernel),
      row("Load average (1 min)", (r) => r.load),
      row("Software", (r) => `Node ${r.machine.node}, ${r.software}`),
    ],
  );
}

function document(results: [Part, PartResult][]): string {
  return `# Benchmarks

How hard, how fast and how cheaply the fault bites. The payload of the SSM document
(\`ssm-documents/http-reset-peer.yaml\`) is measured under load, resetting and passing requests on, with HAProxy measured in the same runs for comparison;
the control plane (the state machine and its Lambda tasks) is counted and priced per experiment and at fleet scale; the
package is weighed, and what it adds to a user's synthesis timed; how soon a stop-condition alarm ends the fault is
timed in a whole local experiment. These
figures come from runs of the command below on the machine described here; they are not part of the test suite and
nothing asserts on them.

## How to run

\`\`\`sh
sudo npm run bench                   # everything (as root), then rewrites this file
sudo npm run bench -- payload        # items 1 to 7 only: network namespaces and iptables need root
sudo npm run bench -- forwarding     # item 12 only: requests passed on under ResetMethods, beside HAProxy
npm run bench -- control-plane       # items 8 and 9 only: no root, nothing sent anywhere
npm run bench -- package             # item 10 only: no root; installs fresh apps from the npm registry
sudo npm run bench -- stop           # item 11 only: a whole local experiment on namespace-backed instances
BENCH_BASELINE=<git revision> sudo npm run bench -- baseline   # items 1, 3, 4, 5 and 12's measures, this commit beside that one
\`\`\`

\`BENCH_RUNS=N\` sets the number of runs (default 5). Each part keeps its last results in \`bench/results/\`, and this
file is written from all of them, so running one part keeps the others' figures (the table below dates each). The payload and forwarding parts
install \`wrk\` and \`haproxy\` from Debian when they are missing. Every run is bounded in time and removes the
namespaces, rules and processes it made, even when it fails.

## Machine

${machineTable(results)}

${results.map(([part, r]) => `## ${TITLES[part]}\n\n${r.section}`).join("\n\n")}
`;
}

/** Writes BENCHMARKS.md from every part that has a result. */
export async function writeReport(): Promise<void> {
  const results = PARTS.flatMap((part): [Part, PartResult][] => {
    const result = loadResult(part);
    return result ? [[part, result]] : [];
  });
  const options = { ...(await resolveConfig(OUTPUT)), parser: "markdown" };
  writeFileSync(OUTPUT, await format(document(results), options));
}
