/** The machine the benchmarks ran on, for the table in BENCHMARKS.md. */
import { readFileSync } from "node:fs";
import { cpus, release } from "node:os";

export interface Machine {
  readonly cpuModel: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly kernel: string;
  readonly node: string;
}

export function machine(): Machine {
  const kib = Number(/MemTotal:\s+(\d+) kB/.exec(readFileSync("/proc/meminfo", "utf8"))?.[1] ?? 0);
  const model = /^model name\s*:\s*(.+)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1]?.trim();
  return {
    cpuModel: model ?? "unknown",
    cores: cpus().length,
    memoryGiB: Math.round((kib / 1024 / 1024) * 10) / 10,
    kernel: release(),
    node: process.version,
  };
}

/** The 1-minute load average: what else the machine was doing. */
export const loadAverage = (): string => readFileSync("/proc/loadavg", "utf8").split(" ")[0];
