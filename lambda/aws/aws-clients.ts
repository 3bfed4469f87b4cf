/**
 * Every AWS client the task handlers use comes from here, so that tests can hand in others.
 */
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { EC2Client } from "@aws-sdk/client-ec2";
import { SSMClient } from "@aws-sdk/client-ssm";
import { checkAccess } from "./access-policy";
import type { Plan } from "../contract";
import { faultCredentials, type FaultAccess } from "./credentials";
import { forgetHomeClients, homeClient, RETRY } from "./sdk-config";
import { traced } from "../telemetry";

export type { FaultAccess } from "./credentials";

/** Clients that act on the targets, in REGION, with the experiment's credentials. */
export interface FaultClients {
  readonly ec2: EC2Client;
  readonly ssm: SSMClient;
}

export type FaultClientFactory = (access: FaultAccess) => Promise<FaultClients>;

/**
 * Clients a warm function already holds, by access. An experiment's tasks run every few seconds,
 * and need not ask STS (or Secrets Manager) each time, nor make clients again (see homeClient):
 * they are kept, with their credentials, until five minutes before those expire, and a
 * credentials file's keys for fifteen minutes.
 */
const held = new Map<string, { readonly clients: FaultClients; readonly until: number }>();
const RENEW_BEFORE_EXPIRY_MS = 5 * 60_000;
const HOLD_AT_MOST_MS = 15 * 60_000;

/** Drops every client and credential held (tests, which change identities between runs). */
export function forgetClients(): void {
  forgetHomeClients();
  held.clear();
}

async function clientsWithFaultCredentials(access: FaultAccess): Promise<FaultClients> {
  const key = JSON.stringify(access);
  const now = Date.now();
  for (const [k, h] of held) if (h.until <= now) held.delete(k);
  const kept = held.get(key);
  if (kept) return kept.clients;
  // One set of credentials, shared by both clients.
  const credentials = await faultCredentials(access);
  const config = { ...RETRY, region: access.region, credentials };
  const clients = { ec2: traced(new EC2Client(config)), ssm: traced(new SSMClient(config)) };
  const expiry = credentials.expiration?.getTime() ?? Infinity;
  held.set(key, { clients, until: Math.min(expiry - RENEW_BEFORE_EXPIRY_MS, now + HOLD_AT_MOST_MS) });
  return clients;
}

let factory: FaultClientFactory = clientsWithFaultCredentials;

/** Replaces how fault clients are made (tests); without an argument, restores the real one. */
export function setFaultClientFactory(replacement?: FaultClientFactory): void {
  factory = replacement ?? clientsWithFaultCredentials;
}

/** The clients for an experiment, once its credentials are known to be allowed. */
export async function faultClients(access: FaultAccess): Promise<FaultClients> {
  checkAccess(access);
  return factory(access);
}

/** CloudWatch where the fault is deployed (its stop-condition alarms, metrics and dashboards), with the function's own identity. */
export const cloudWatchClient = (): CloudWatchClient => homeClient(CloudWatchClient);

/** Who the experiment a plan describes acts as, and where. */
export const accessFor = (plan: Plan): FaultAccess => ({
  region: plan.region,
  assumeRoleArn: plan.assumeRoleArn,
  authenticationSecret: plan.authenticationSecret,
  experimentId: plan.experimentId,
});

export const clientsForPlan = (plan: Plan): Promise<FaultClients> => faultClients(accessFor(plan));
