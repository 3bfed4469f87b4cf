/**
 * The environment the construct gives the functions, and a quiet, offline one for tests. Imported
 * first by every handler test, before the handlers read it.
 */
const BASE: Record<string, string> = {
  AWS_REGION: "eu-west-1",
  // Static keys keep the SDK from looking for credentials on the network.
  AWS_ACCESS_KEY_ID: "AKIDLAMBDA",
  AWS_SECRET_ACCESS_KEY: "lambda-secret",
  POWERTOOLS_SERVICE_NAME: "http-reset-peer",
  POWERTOOLS_METRICS_NAMESPACE: "HttpResetPeer",
  POWERTOOLS_METRICS_DISABLED: "true",
  POWERTOOLS_LOG_LEVEL: "SILENT",
  DOCUMENT_NAME: "HttpResetPeer",
  FAULT_ROLE_ARN: "arn:aws:iam::111111111111:role/fault",
  TUNABLE_DEFAULTS: "{}",
  OPT_IN_TAG: "",
  STOP_CONDITION_ALARMS: "[]",
  ALLOWED_ROLE_ARNS: "[]",
  ALLOWED_SECRET_ARNS: "[]",
  RECORDS_BUCKET: "http-reset-peer-records",
  SAFETY_LEVER_PARAMETER: "http-reset-peer-safety-lever",
};

Object.assign(process.env, BASE);
delete process.env.AWS_PROFILE;

/** Sets variables for one test; resetEnvironment() puts the base back. */
export function setEnvironment(values: Record<string, string>): void {
  Object.assign(process.env, values);
}

export function resetEnvironment(): void {
  Object.assign(process.env, BASE);
}
