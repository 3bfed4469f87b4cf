/**
 * The payload under load (items 1 to 7): every measurement on network namespaces of its own, the
 * fault's proxy beside HAProxy. Needs root (network namespaces, iptables); installs wrk and
 * HAProxy from Debian when missing. Bounded in time; removes every namespace, rule and process it
 * made, even on failure.
 */
import { BenchHosts, prepareRootRun, rootPartResult } from "./hosts";
import { loadAverage } from "./machine";
import { progress, type PartResult } from "./parts";
import {
  bystander,
  BYSTANDER_PORT,
  KernelRun,
  loadHaproxy,
  loadKernel,
  loadOurs,
  LoadRun,
  PORT,
  restoreAfterKill,
  window,
  WindowRun,
} from "./payload";
import { payloadSection } from "./payload-section";
import { BYSTANDER_MEASURES, BystanderRun, payloadTable, table } from "./payload-table";
import type { WrkResult } from "./tools";

const TIME_LIMIT_MS = 16 * 60 * 1000;

export async function runPayload(runs: number): Promise<PartResult> {
  prepareRootRun("the payload benchmarks");
  const started = Date.now();
  const loadAtStart = loadAverage();
  const hosts = new BenchHosts([PORT, BYSTANDER_PORT], TIME_LIMIT_MS);
  const ours: LoadRun[] = [];
  const theirs: LoadRun[] = [];
  const kernel: KernelRun[] = [];
  const windows: WindowRun[] = [];
  const kills: number[] = [];
  const bystanders: BystanderRun[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      // Turn the order from run to run, so that none always meets the machine in the same state.
      const loads = [
        async () => ours.push(await hosts.fresh(loadOurs)),
        async () => theirs.push(await hosts.fresh(loadHaproxy)),
        async () =>
          kernel.push({
            c64: await hosts.fresh((w) => loadKernel(w, 64)),
            c512: await hosts.fresh((w) => loadKernel(w, 512)),
          }),
      ];
      for (let j = 0; j < loads.length; j++) await loads[(i + j) % loads.length]();
      progress(`load run ${i + 1}/${runs}`, started);
    }
    for (let i = 0; i < runs; i++) {
      windows.push(await hosts.fresh(window));
      kills.push(await hosts.fresh(restoreAfterKill));
      progress(`window and SIGKILL run ${i + 1}/${runs}`, started);
    }
    for (let i = 0; i < runs; i++) {
      const run: Partial<Record<string, { without?: WrkResult; with?: WrkResult }>> = {};
      for (const { key, who, keepAlive } of BYSTANDER_MEASURES) {
        const pair: { without?: WrkResult; with?: WrkResult } = {};
        for (const faulted of i % 2 ? [true, false] : [false, true]) {
          pair[faulted ? "with" : "without"] = await hosts.fresh((w) =>
            bystander(w, who, keepAlive, faulted),
          );
        }
        run[key] = pair;
      }
      bystanders.push(run as BystanderRun);
      progress(`bystander run ${i + 1}/${runs}`, started);
    }
  } finally {
    hosts.close();
  }
  const results = payloadTable(table(ours, theirs, kernel, windows, kills, bystanders));
  console.log(`\n${results}\n`);
  return rootPartResult(started, loadAtStart, runs, payloadSection(results, runs));
}
