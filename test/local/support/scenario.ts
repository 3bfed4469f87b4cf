/** What the scenario tests share: the deployment they run against, and reading its outcomes. */
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import type { Stack } from "aws-cdk-lib";
import type { Report, ReportSummary } from "../../../lambda/contract";
import { experimentIdFor } from "../../../lambda/input/experiment-id";
import type { HttpResetPeerFaultProps } from "../../../lib";
import type { LocalFault } from "./local-fault";
import type { ExecutionOutcome } from "./runner/execution";

export const ALARM = "web-5xx-errors";
export const TARGET_ACCOUNT_ROLE = "arn:aws:iam::222222222222:role/http-reset-peer-target";

/** A deployment with a stop-condition alarm and a role in another account it may assume. */
export const SCENARIO_PROPS = (stack: Stack): HttpResetPeerFaultProps => ({
  stopConditionAlarms: [cloudwatch.Alarm.fromAlarmName(stack, "Errors", ALARM)],
  assumableRoleArns: [TARGET_ACCOUNT_ROLE],
  // No watch after the window where a test is not about it: each would last that much longer.
  tunableDefaults: { observeRecoverySeconds: 0 },
});

/** The execution's output: the report's totals and the first entries of its lists. */
export const reportOf = (outcome: ExecutionOutcome): ReportSummary => outcome.output as ReportSummary;

/** The whole report, from the records bucket the output names. */
export function wholeReport(local: LocalFault, outcome: ExecutionOutcome): Report {
  const [, bucket, key] = /^s3:\/\/([^/]+)\/(.+)$/.exec(reportOf(outcome).reportObject) ?? [];
  return JSON.parse(local.aws.s3.read(bucket, key)) as Report;
}

/**
 * The report of an execution that has no output to name it (one stopped or timed out, which the
 * abort rule's cleanup reports), from the records bucket: the last written under its experiment.
 */
export function recordedReport(local: LocalFault, executionName: string): Report | undefined {
  const bucket = local.deployment.recordsBucket;
  const key = local.aws.s3
    .keys(bucket)
    .filter((k) => k.startsWith(`${experimentIdFor(executionName)}/`) && k.endsWith("/report.json"))
    .sort()
    .at(-1);
  return key === undefined ? undefined : (JSON.parse(local.aws.s3.read(bucket, key)) as Report);
}

/** The error a failed execution names, for assertions' messages. */
export const describeOutcome = (o: ExecutionOutcome): string =>
  `${o.status}${o.error ? ` ${o.error}: ${o.cause}` : ""}`;
