/**
 * The environment the construct and Lambda give the task functions, pointed at the fake AWS.
 * Imported first by every local test, before any SDK client is made.
 */
import "./polyfill";
import { FUNCTION_ACCESS_KEY } from "./fake-aws";

export const REGION = "eu-west-1";
export const DOCUMENT_NAME = "HttpResetPeer-Document";
export const FAULT_ROLE_ARN = "arn:aws:iam::111111111111:role/http-reset-peer-fault";

/** The variables the construct sets, by the contract's names, with what a plain deployment sets. */
export const FUNCTION_ENVIRONMENT: Record<string, string> = {
  DOCUMENT_NAME,
  FAULT_ROLE_ARN,
  TUNABLE_DEFAULTS: "{}",
  OPT_IN_TAG: "",
  STOP_CONDITION_ALARMS: "[]",
  ALLOWED_ROLE_ARNS: "[]",
  ALLOWED_SECRET_ARNS: "[]",
};

const LAMBDA: Record<string, string> = {
  AWS_REGION: REGION,
  AWS_DEFAULT_REGION: REGION,
  AWS_ACCESS_KEY_ID: FUNCTION_ACCESS_KEY,
  AWS_SECRET_ACCESS_KEY: "function-role-secret",
  AWS_SESSION_TOKEN: "function-role-token",
  AWS_EC2_METADATA_DISABLED: "true",
  POWERTOOLS_SERVICE_NAME: "http-reset-peer",
  POWERTOOLS_METRICS_NAMESPACE: "HttpResetPeer",
  POWERTOOLS_METRICS_DISABLED: "true",
  POWERTOOLS_LOG_LEVEL: process.env.LOCAL_LOG_LEVEL ?? "SILENT",
};

for (const name of [
  "AWS_PROFILE",
  "AWS_CONFIG_FILE",
  "AWS_SHARED_CREDENTIALS_FILE",
  "AWS_ROLE_ARN",
  "AWS_WEB_IDENTITY_TOKEN_FILE",
]) {
  delete process.env[name];
}

/** Sets the functions' environment: the construct's variables over the plain deployment's. */
export function setFunctionEnvironment(overrides: Record<string, string> = {}): void {
  Object.assign(process.env, LAMBDA, FUNCTION_ENVIRONMENT, overrides);
}

setFunctionEnvironment();
