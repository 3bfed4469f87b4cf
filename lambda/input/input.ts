/** An execution input, read as tunables over the construct's defaults and the Harness fault's. */
import { readTunables, type TunableValues } from "../../lib/tunables";
import { tunableDefaults } from "./environment";
import { InvalidInputError } from "../errors";

const SELECTORS = ["EC2_INSTANCE_ID", "EC2_INSTANCE_TAG"] as const;

/**
 * The construct's defaults under the input. A selector in the input replaces a default selector
 * of either kind, so that a deployment that targets a tag by default can still be run by ID.
 */
export function readInput(input: unknown): TunableValues {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    const kind = input === null ? "null" : Array.isArray(input) ? "an array" : typeof input;
    throw new InvalidInputError(`The execution input must be a JSON object of tunables, not ${kind}`);
  }
  const defaults = { ...tunableDefaults() };
  const given = input as Record<string, unknown>;
  if (SELECTORS.some((key) => given[key])) SELECTORS.forEach((key) => delete defaults[key]);
  const { values, problems } = readTunables(defaults, given);
  if (problems.length) {
    throw new InvalidInputError(
      `The execution input is invalid: ${problems.join("; ")}. The README's input table lists every key`,
    );
  }
  const selectors = SELECTORS.filter((key) => values[key]);
  if (selectors.length !== 1) {
    throw new InvalidInputError(
      `Set exactly one of EC2_INSTANCE_ID and EC2_INSTANCE_TAG (${selectors.length ? "both are" : "neither is"} set)`,
    );
  }
  return values;
}
