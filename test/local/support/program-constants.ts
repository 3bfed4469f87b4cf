/**
 * Constants of the program the document runs (ssm-documents/src/reset_peer.py), read from its
 * source: what the local stand-ins mimic of it (the series' steps, the counters page's layout)
 * follows it rather than a copy.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

const PROGRAM = readFileSync(
  join(__dirname, "..", "..", "..", "ssm-documents", "src", "reset_peer.py"),
  "utf8",
);

/** The integers a top-level assignment gives `names`, in order: `A, B = 2, 3` or `C = (1, 2)`. */
export function programIntegers(...names: string[]): number[] {
  const line = new RegExp(`^${names.join(", ")} = \\(?([0-9, ]+)\\)?$`, "m").exec(PROGRAM);
  if (!line) throw new Error(`reset_peer.py assigns no ${names.join(", ")}`);
  return line[1].split(",").map((n) => Number(n.trim()));
}
