/**
 * The environment variables the construct sets on the task functions, named once: the construct
 * sets them by these names and the handlers read them by the same (lambda/input/environment.ts).
 * Each key is its variable's name in camelCase.
 */
export const ENVIRONMENT = {
  /** Name of the SSM Command document to send. */
  documentName: "DOCUMENT_NAME",
  /** The local role carrying the Harness fault's EC2 and SSM actions. */
  faultRoleArn: "FAULT_ROLE_ARN",
  /** JSON object of construct-level tunable defaults, keyed by tunable key. */
  tunableDefaults: "TUNABLE_DEFAULTS",
  /** "key:value" that every target must carry, or empty. */
  optInTag: "OPT_IN_TAG",
  /** JSON array of CloudWatch alarm names. */
  stopConditionAlarms: "STOP_CONDITION_ALARMS",
  /** JSON array of the role ARNs ASSUME_ROLE_ARN may name. */
  allowedRoleArns: "ALLOWED_ROLE_ARNS",
  /** JSON array of the secret ARNs AWS_AUTHENTICATION_SECRET may name. */
  allowedSecretArns: "ALLOWED_SECRET_ARNS",
  /** The bucket holding the experiments' records. */
  recordsBucket: "RECORDS_BUCKET",
  /** The fault's state machine, whose running executions an alarm stops (stop-experiments only). */
  stateMachineArn: "STATE_MACHINE_ARN",
  /** The name of the safety lever's parameter: engaged, no experiment runs. */
  safetyLeverParameter: "SAFETY_LEVER_PARAMETER",
  /** The function that sends the HTTP probes' requests (the sampler and the steady-state check only). */
  httpProbeFunction: "HTTP_PROBE_FUNCTION",
  /** The command probes' SSM document (the sampler and the steady-state check only). */
  probeDocument: "PROBE_DOCUMENT",
  /** JSON array of the names of the dashboards that mark each experiment's window (report only). */
  dashboardNames: "DASHBOARD_NAMES",
} as const;
