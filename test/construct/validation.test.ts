import { Duration } from "aws-cdk-lib";
import * as scheduler from "aws-cdk-lib/aws-scheduler";
import { HttpResetPeerFault, InjectionSequence, ResetAt, type HttpResetPeerFaultProps } from "../../lib";
import { SAMPLE_EXECUTION_INPUT } from "../../bin/sample-input";
import { readTunables } from "../../lib/tunables";
import { newStack } from "./support";

const build = (props: HttpResetPeerFaultProps) => () => new HttpResetPeerFault(newStack(), "Fault", props);
const daily = scheduler.ScheduleExpression.rate(Duration.days(1));

describe("constructor validation", () => {
  test.each([
    [
      { targetServicePort: 70000 },
      /^Test\/Fault: tunableDefaults: targetServicePort \(TARGET_SERVICE_PORT\) must be an integer from 1 to 65535; got 70000$/,
    ],
    [
      { totalChaosDuration: 0 },
      /totalChaosDuration \(TOTAL_CHAOS_DURATION\) must be an integer from 1 to 43200/,
    ],
    [{ targetServicePort: 80.5 }, /TARGET_SERVICE_PORT\) must be an integer from 1 to 65535; got 80.5/],
    [{ sequence: "random" }, /sequence \(SEQUENCE\) must be one of parallel, serial/],
    [{ networkInterface: "eth0; reboot" }, /NETWORK_INTERFACE\) must be a value matching/],
    [{ ec2InstanceId: "i-123" }, /EC2_INSTANCE_ID\) must be a value matching/],
    // What a JavaScript caller could pass where a boolean belongs.
    [{ dryRun: "maybe" }, /dryRun \(DRY_RUN\) must be one of True, False/],
    [
      { resetAfterBytes: 100 },
      /resetAfterBytes \(RESET_AFTER_BYTES\) applies only with RESET_AT=response \(RESET_AT is request\)$/,
    ],
    [{ resetAt: "midway" }, /resetAt \(RESET_AT\) must be one of connect, request, response/],
    [
      { resetAt: ResetAt.CONNECT, resetPaths: "/api/" },
      /resetPaths \(RESET_PATHS\) applies only with RESET_AT=request or RESET_AT=response \(RESET_AT is connect\)$/,
    ],
    [{ resetMethods: "get" }, /resetMethods \(RESET_METHODS\) names methods in capitals/],
  ])("refuses the bad default %j", (tunableDefaults, message) => {
    expect(build({ tunableDefaults: tunableDefaults as HttpResetPeerFaultProps["tunableDefaults"] })).toThrow(
      message,
    );
  });

  test("refuses a property that is not a tunable, suggesting the right one, and names the construct", () => {
    expect(build({ tunableDefaults: { REGION: "eu-west-1" } as never })).toThrow(
      /^Test\/Fault: tunableDefaults: REGION is not a tunable: did you mean region\?/,
    );
    expect(build({ tunableDefaults: { regions: "eu-west-1" } as never })).toThrow(
      /regions is not a tunable$/,
    );
  });

  test.each(["constructor", "toString", "__proto__", "hasOwnProperty"])(
    "refuses %s, which every object has, as a property that is not a tunable, in defaults and schedules",
    (key) => {
      // Parsed, as a Python or JSON caller's keys arrive: `__proto__` becomes an own key, not the prototype.
      const tunables = JSON.parse(`{"${key}": true}`) as never;
      expect(build({ tunableDefaults: tunables })).toThrow(`tunableDefaults: ${key} is not a tunable`);
      const schedule = {
        expression: daily,
        input: { ...JSON.parse(`{"${key}": 1}`), ec2InstanceTag: "a:b" },
      };
      expect(build({ schedules: [schedule] })).toThrow(`schedules[0].input: ${key} is not a tunable`);
    },
  );

  test("accepts every default of the Harness fault and every tunable in the forms people type", () => {
    expect(
      build({
        tunableDefaults: {
          targetServicePort: 8080,
          installDependencies: false,
          rampTime: 30,
          sequence: InjectionSequence.SERIAL,
        },
      }),
    ).not.toThrow();
  });

  test("refuses a schedule whose input could never run", () => {
    expect(build({ schedules: [{ expression: daily, input: { rampTime: 5000 } }] })).toThrow(
      /schedules\[0\].input: rampTime \(RAMP_TIME\) must be an integer from 0 to 3600/,
    );
    expect(build({ schedules: [{ expression: daily, input: {} }] })).toThrow(
      /schedules\[0\].input: set exactly one of ec2InstanceId \(EC2_INSTANCE_ID\) and ec2InstanceTag \(EC2_INSTANCE_TAG\)/,
    );
    expect(
      build({
        schedules: [
          { expression: daily, input: { ec2InstanceId: "i-0123456789abcdef0", ec2InstanceTag: "a:b" } },
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
