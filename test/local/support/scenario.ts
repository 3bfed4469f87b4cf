/** What the scenario tests share: the deployment they run against, and reading its outcomes. */
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import type { Stack } from "aws-cdk-lib";
import type { Report } from "../../../lambda/contract";
import type { HttpResetPeerFaultProps } from "../../../lib";
import type { ExecutionOutcome } from "./runner/execution";

export const ALARM = "web-5xx-errors";
export const TARGET_ACCOUNT_ROLE = "arn:aws:iam::222222222222:role/http-reset-peer-target";

/** A deployment with a stop-condition alarm and a role in another account it may assume. */
export const SCENARIO_PROPS = (stack: Stack): HttpResetPeerFaultProps => ({
  stopConditionAlarms: [cloudwatch.Alarm.fromAlarmName(stack, "Errors", ALARM)],
  assumableRoleArns: [TARGET_ACCOUNT_ROLE],
});

export const reportOf = (outcome: ExecutionOutcome): Report => outcome.output as Report;

/** The error a failed execution names, for assertions' messages. */
export const describeOutcome = (o: ExecutionOutcome): string =>
  `${o.status}${o.error ? ` ${o.error}: ${o.cause}` : ""}`;
