import { Duration } from "aws-cdk-lib";
import * as scheduler from "aws-cdk-lib/aws-scheduler";
import { HttpResetPeerFault, type HttpResetPeerFaultProps } from "../../lib";
import { SAMPLE_EXECUTION_INPUT } from "../../bin/sample-input";
import { readTunables } from "../../lib/tunables";
import { newStack } from "./support";

const build = (props: HttpResetPeerFaultProps) => () => new HttpResetPeerFault(newStack(), "Fault", props);
const daily = scheduler.ScheduleExpression.rate(Duration.days(1));

describe("constructor validation", () => {
  test.each([
    [
      { TARGET_SERVICE_PORT: 70000 },
      /tunableDefaults: TARGET_SERVICE_PORT must be an integer from 1 to 65535; got 70000/,
    ],
    [{ TOTAL_CHAOS_DURATION: "0" }, /TOTAL_CHAOS_DURATION must be an integer from 1 to 43200/],
    [{ SEQUENCE: "random" }, /SEQUENCE must be one of parallel, serial/],
    [{ NETWORK_INTERFACE: "eth0; reboot" }, /NETWORK_INTERFACE must be a value matching/],
    [{ EC2_INSTANCE_ID: "i-123" }, /EC2_INSTANCE_ID must be a value matching/],
    [{ DRY_RUN: "maybe" }, /DRY_RUN must be one of True, False/],
  ])("refuses the bad default %j", (tunableDefaults, message) => {
    expect(build({ tunableDefaults: tunableDefaults as HttpResetPeerFaultProps["tunableDefaults"] })).toThrow(
      message,
    );
  });

  test("refuses a key that is not a tunable, suggesting the right one", () => {
    expect(build({ tunableDefaults: { region: "eu-west-1" } as never })).toThrow(
      /region is not a tunable: did you mean REGION\?/,
    );
  });

  test("accepts every seed default and every tunable in the forms people type", () => {
    expect(
      build({
        tunableDefaults: {
          TARGET_SERVICE_PORT: "8080",
          INSTALL_DEPENDENCIES: false,
          RAMP_TIME: 30,
          SEQUENCE: "serial",
        },
      }),
    ).not.toThrow();
  });

  test("refuses a schedule whose input could never run", () => {
    expect(build({ schedules: [{ expression: daily, input: { RAMP_TIME: 5000 } }] })).toThrow(
      /schedules\[0\].input: RAMP_TIME must be an integer from 0 to 3600/,
    );
    expect(build({ schedules: [{ expression: daily, input: {} }] })).toThrow(
      /schedules\[0\].input: set exactly one of EC2_INSTANCE_ID and EC2_INSTANCE_TAG/,
    );
    expect(
      build({
        schedules: [
          { expression: daily, input: { EC2_INSTANCE_ID: "i-0123456789abcdef0", EC2_INSTANCE_TAG: "a:b" } },
        ],
      }),
    ).toThrow(/exactly one/);
  });

  test("refuses a bad opt-in tag, role ARN or serial allowance", () => {
    expect(build({ optInTag: { key: "", value: "x" } })).toThrow(/optInTag .* is not a valid EC2 tag/);
    expect(build({ optInTag: { key: "a:b", value: "x" } })).toThrow(/not a valid EC2 tag/);
    expect(build({ assumableRoleArns: ["arn:aws:iam::1:user/x"] })).toThrow(
      /assumableRoleArns must be IAM role ARNs/,
    );
    expect(build({ maxSerialTargets: 0 })).toThrow(/maxSerialTargets must be an integer from 1 to 10000/);
  });

  test("the example app's console input is valid", () => {
    expect(readTunables(SAMPLE_EXECUTION_INPUT).problems).toEqual([]);
  });
});
