import type { IConstruct } from "constructs";
import { HttpResetPeerValidationError } from "../errors";

/** What every alarm and metric probe has. */
export interface ProbeOptions {
  /** The probe's name in the verdict: letters, digits, `.`, `_` and `-`, at most 64. */
  readonly name: string;
  /**
   * The probe's share of the score, from 1 to 100.
   * @default 1
   */
  readonly weight?: number;
}

/** Refuses a probe at synthesis, naming its kind and name: `hypothesis metric probe "errors": …`. */
export const refusal =
  (scope: IConstruct, kind: string, name: string) =>
  (why: string): never => {
    throw new HttpResetPeerValidationError(scope, `hypothesis ${kind} probe "${name}": ${why}`);
  };
