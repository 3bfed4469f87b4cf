import { readTunables, type TunableKey, type TunableValues } from "./tunables";

/**
 * Tunable values as people give them: strings, numbers or booleans, keyed as the seed names
 * them. Keys left out take the seed's defaults.
 */
export type TunableInput = { readonly [K in TunableKey]?: string | number | boolean };

/**
 * Reads layers of tunables (later layers win) and throws one error naming every problem, so that
 * a bad default or schedule input stops the synthesis rather than a run.
 */
export function checkedTunables(what: string, ...layers: TunableInput[]): TunableValues {
  const { values, problems } = readTunables(...layers);
  if (problems.length) throw new Error(`${what}: ${problems.join("; ")}`);
  return values;
}

/** The given keys only, each in the string form its pattern takes: what TUNABLE_DEFAULTS carries. */
export function tunableDefaultsText(defaults: TunableInput): Record<string, string> {
  const values = checkedTunables("tunableDefaults", defaults);
  return Object.fromEntries(Object.keys(defaults).map((key) => [key, values[key as TunableKey]]));
}
