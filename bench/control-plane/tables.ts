/** Items 8's and 9's tables: one column per experiment, each cell over its runs. */
import { markdownTable } from "../markdown";
import { formatSpread, spread } from "../statistics";
import type { ExperimentRun, ExperimentSpec } from "./experiment";
import { whole } from "./money";

export interface Column {
  readonly label: string;
  readonly spec: ExperimentSpec;
}

/** One row's cell for one column: its runs, and what was run. */
export type Cell = (runs: ExperimentRun[], spec: ExperimentSpec) => string;

/** A measure over the runs, as "median (min–max)". */
export const over = (runs: ExperimentRun[], measure: (r: ExperimentRun) => number, format = whole): string =>
  formatSpread(spread(runs.map(measure)), format);

/** Every API call the run made, of whatever name. */
export const allCalls = (r: ExperimentRun): number => Object.values(r.calls).reduce((a, b) => a + b, 0);

/** `rows` of measures, then the API calls by name; `results` holds each column's runs. */
export function experimentTables(
  columns: readonly Column[],
  results: ExperimentRun[][],
  rows: readonly [string, Cell][],
): string {
  const head = (first: string) => [first, ...columns.map((c) => c.label)];
  const measures = markdownTable(
    head("Per experiment"),
    rows.map(([label, cell]) => [label, ...results.map((runs, i) => cell(runs, columns[i].spec))]),
  );
  const names = [...new Set(results.flatMap((runs) => runs.flatMap((r) => Object.keys(r.calls))))].sort();
  const calls = markdownTable(
    head("API calls by name"),
    names.map((name) => [`\`${name}\``, ...results.map((runs) => over(runs, (r) => r.calls[name] ?? 0))]),
  );
  return `${measures}\n\n${calls}`;
}
