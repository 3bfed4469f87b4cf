import type { IConstruct } from "constructs";
import { HttpResetPeerValidationError } from "./errors";
import type { FaultTunables } from "./fault-tunables";
import { ownEntry, readTunables, TUNABLES, type TunableKey, type TunableValues } from "./tunables";

/**
 * Tunable values as an execution input holds them, keyed as the Harness fault this one is
 * modelled on names them: strings, numbers or booleans, as people type them.
 */
export type TunableInput = { readonly [K in TunableKey]?: string | number | boolean };

/** The FaultTunables property that carries a tunable: its key in camelCase. */
export const tunableProperty = (key: string): string =>
  key.toLowerCase().replace(/_([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());

type CamelCase<S extends string> = S extends `${infer Head}_${infer Tail}`
  ? `${Lowercase<Head>}${Capitalize<CamelCase<Tail>>}`
  : Lowercase<S>;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** Fails to compile unless FaultTunables has exactly one property per tunable, named as tunableProperty names it. */
export const ONE_PROPERTY_PER_TUNABLE: Same<keyof FaultTunables, CamelCase<TunableKey>> = true;

const KEY_OF_PROPERTY: Record<string, TunableKey> = Object.fromEntries(
  (Object.keys(TUNABLES) as TunableKey[]).map((key) => [tunableProperty(key), key]),
);

/**
 * The execution input that FaultTunables stand for, keyed as the console takes it. Properties
 * that are not tunables (a JavaScript caller's typo, or a key written as the console writes it)
 * are named in `problems`.
 */
export function tunableInput(tunables: FaultTunables): { input: TunableInput; problems: string[] } {
  const input: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [property, value] of Object.entries(tunables)) {
    const key = ownEntry(KEY_OF_PROPERTY, property);
    if (key) {
      if (value !== undefined) input[key] = value;
      continue;
    }
    const near = ownEntry(KEY_OF_PROPERTY, tunableProperty(property)) ? tunableProperty(property) : undefined;
    problems.push(`${property} is not a tunable${near ? `: did you mean ${near}?` : ""}`);
  }
  return { input: input as TunableInput, problems };
}

/**
 * Reads layers of tunables (later layers win) and throws one error naming the construct and every
 * problem, so that a bad default or schedule input stops the synthesis rather than a run.
 */
export function checkedTunables(scope: IConstruct, what: string, ...layers: FaultTunables[]): TunableValues {
  const inputs = layers.map(tunableInput);
  const { values, problems } = readTunables(...inputs.map((i) => i.input));
  // Named as the caller wrote them: the property, then the tunable's key.
  const named = problems.map((p) =>
    p.replace(/^([A-Z0-9_]+) /, (_, key: string) => `${tunableProperty(key)} (${key}) `),
  );
  const all = [...inputs.flatMap((i) => i.problems), ...named];
  if (all.length) throw new HttpResetPeerValidationError(scope, `${what}: ${all.join("; ")}`);
  return values;
}

/** The given tunables only, keyed as the console takes them, each in the string form its pattern takes: what TUNABLE_DEFAULTS carries. */
export function tunableDefaultsText(scope: IConstruct, defaults: FaultTunables): Record<string, string> {
  const values = checkedTunables(scope, "tunableDefaults", defaults);
  const { input } = tunableInput(defaults);
  return Object.fromEntries(Object.keys(input).map((key) => [key, values[key as TunableKey]]));
}
