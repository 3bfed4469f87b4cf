/**
 * Constants of the program the document runs (ssm-documents/src/http_reset_peer), read from its
 * source: what the local stand-ins mimic of it (the series' steps, the counters page's layout)
 * follows it rather than a copy.
 */
import { programFiles } from "../../../scripts/program-parts";

const PROGRAM = programFiles()
  .map((file) => file.content.toString("utf8"))
  .join("\n");

/** The integers a top-level assignment gives `names`, in order: `A, B = 2, 3` or `C = (1, 2)`. */
export function programIntegers(...names: string[]): number[] {
  const line = new RegExp(`^${names.join(", ")} = \\(?([0-9, ]+)\\)?$`, "m").exec(PROGRAM);
  if (!line) throw new Error(`the program assigns no ${names.join(", ")}`);
  return line[1].split(",").map((n) => Number(n.trim()));
}
