import { Token, type Duration } from "aws-cdk-lib";
import type { IConstruct } from "constructs";
import { refusal } from "./probe";
import type { ClientsProbeSpec } from "./probe-spec";

/**
 * Bounds on what the instances saw the real clients do (docs/how-it-works.md, "What the clients
 * did"), over every instance.
 */
export interface ClientsExpectation {
  /**
   * The probe's name in the verdict.
   * @default "clients"
   */
  readonly name?: string;
  /**
   * At most this many retries that were not safe to send again (a POST without an idempotency
   * key, for one). Needs RESET_AT=request or response, under which requests are read.
   * @default - not bounded
   */
  readonly maxUnsafeRetries?: number;
  /**
   * Every client the fault reset is seen again within this time of the window's end: the pools
   * recovered. Needs OBSERVE_RECOVERY_SECONDS at least as long, or the probe is Inconclusive.
   * @default - not bounded
   */
  readonly backWithin?: Duration;
  /**
   * The probe's share of the score, from 1 to 100.
   * @default 1
   */
  readonly weight?: number;
}

export function renderClientsProbe(
  scope: IConstruct,
  clients: ClientsExpectation,
  weight: number,
): ClientsProbeSpec {
  const name = clients.name ?? "clients";
  const refuse = refusal(scope, "clients", name);
  const max = clients.maxUnsafeRetries;
  if (max !== undefined && (Token.isUnresolved(max) || !Number.isInteger(max) || max < 0)) {
    refuse(`maxUnsafeRetries must be a whole number from 0; got ${max}`);
  }
  const back = clients.backWithin?.toSeconds();
  if (back !== undefined && (back < 1 || back > 3600))
    refuse(`backWithin must be from 1 second to 1 hour; got ${back} s`);
  if (max === undefined && back === undefined) refuse("give maxUnsafeRetries, backWithin, or both");
  return {
    kind: "Clients",
    name,
    weight,
    ...(max === undefined ? {} : { maxUnsafeRetries: max }),
    ...(back === undefined ? {} : { backWithinSeconds: back }),
  };
}
