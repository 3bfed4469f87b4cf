/**
 * The settings the construct gives every task function, read from the environment on each call so
 * that a bad deployment fails with a message naming the variable.
 */
import { ENVIRONMENT } from "../../lib/task-environment";
import { parseTag, type Tag } from "../targets/tags";

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`The function's environment lacks ${name}: redeploy the construct`);
  return value;
}

function json(name: string, fallback: string): unknown {
  const text = process.env[name] || fallback;
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`The function's environment variable ${name} is not JSON: redeploy the construct`);
  }
}

function stringList(name: string): string[] {
  const value = json(name, "[]");
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) {
    throw new Error(`The function's environment variable ${name} must be a JSON array of strings`);
  }
  return value;
}

export const documentName = (): string => required(ENVIRONMENT.documentName);

export const faultRoleArn = (): string => required(ENVIRONMENT.faultRoleArn);

export const recordsBucket = (): string => required(ENVIRONMENT.recordsBucket);

export const stateMachineArn = (): string => required(ENVIRONMENT.stateMachineArn);

export const httpProbeFunction = (): string => required(ENVIRONMENT.httpProbeFunction);

export const probeDocument = (): string => required(ENVIRONMENT.probeDocument);

export const safetyLeverParameter = (): string => required(ENVIRONMENT.safetyLeverParameter);

export function tunableDefaults(): Record<string, unknown> {
  const value = json(ENVIRONMENT.tunableDefaults, "{}");
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Error(
      `The function's environment variable ${ENVIRONMENT.tunableDefaults} must be a JSON object`,
    );
  }
  return value as Record<string, unknown>;
}

export function optInTag(): Tag | undefined {
  const text = process.env[ENVIRONMENT.optInTag];
  return text ? parseTag(text) : undefined;
}

export const stopConditionAlarms = (): string[] => stringList(ENVIRONMENT.stopConditionAlarms);

export const allowedRoleArns = (): string[] => stringList(ENVIRONMENT.allowedRoleArns);

export const allowedSecretArns = (): string[] => stringList(ENVIRONMENT.allowedSecretArns);

/** The region the function runs in, which is where the fault is deployed. */
export const homeRegion = (): string => process.env.AWS_REGION ?? "";
