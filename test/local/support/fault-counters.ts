/**
 * What the fault on a namespace-backed instance has counted so far, read from its counters page
 * as its own processes write it (reset_peer.py: the resets by origin, the epoch second of the
 * first slot, then the resets of each second): the live view shows the per-second resets that
 * the report's series and the dashboard show once the experiment ends.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { programIntegers } from "./program-constants";

const [FIRST_SECOND, FIRST_SLOT] = programIntegers("FIRST_SECOND", "FIRST_SLOT");

/** The resets the fault counted in the whole second before `now` (epoch ms), or null with no fault running. */
export function faultResetsLastSecond(stateDir: string, now = Date.now()): number | null {
  const root = join(stateDir, "experiments");
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return null;
  }
  for (const name of names) {
    let page: Buffer;
    try {
      page = readFileSync(join(root, name, "resets"));
    } catch {
      continue; // being made, or removed as the fault ends
    }
    if (page.length < 8 * (FIRST_SLOT + 1)) continue;
    const slots = new BigUint64Array(page.buffer, page.byteOffset, Math.floor(page.length / 8));
    const slot = FIRST_SLOT + Math.floor(now / 1000) - 1 - Number(slots[FIRST_SECOND]);
    return slot >= FIRST_SLOT && slot < slots.length ? Number(slots[slot]) : 0;
  }
  return null;
}
