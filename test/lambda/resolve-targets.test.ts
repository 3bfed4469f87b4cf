import { setEnvironment } from "./support/environment";
import { DescribeInstanceInformationCommand } from "@aws-sdk/client-ssm";
import { DescribeInstancesCommand } from "@aws-sdk/client-ec2";
import { handler as taskHandler } from "../../lambda/handlers/resolve-targets";
import { MAX_TARGETS } from "../../lib/execution-limits";
import { metrics } from "../../lambda/telemetry";
import type { TargetItem } from "../../lambda/contract";
import { instanceIds, useFakeAws } from "./support/fake-aws";
import { invoked } from "./support/invoke";

const handler = invoked(taskHandler);

const fake = useFakeAws();

const START = "2026-11-26T03:00:00.123Z";

/** Resolves `input`; the targets are read back from the object the handler wrote. */
async function resolve(input: Record<string, unknown>, executionName = "run-1") {
  const { plan, targets } = await handler({ input, executionName, startTime: START });
  const items = fake().record(targets.key) as TargetItem[];
  expect(targets.count).toBe(items.length);
  return { plan, key: targets.key, targets: items.map((item) => item.instanceId) };
}

async function rejection(input: Record<string, unknown>): Promise<Error> {
  const error = await resolve(input).catch((e: Error) => e);
  if (!(error instanceof Error)) throw new Error("expected the input to be refused");
  return error;
}

describe("input", () => {
  test("takes strings, numbers and booleans as people type them", async () => {
    fake().addInstances(["i-0123456789abcdef0"]);
    const resolved = await resolve({
      EC2_INSTANCE_ID: "i-0123456789abcdef0",
      TARGET_SERVICE_PORT: 8080,
      TOTAL_CHAOS_DURATION: "45",
      RAMP_TIME: 5,
      INSTALL_DEPENDENCIES: false,
      DRY_RUN: "true",
      SEQUENCE: "Serial",
    });
    expect(resolved.targets).toEqual(["i-0123456789abcdef0"]);
    expect(resolved.key).toBe("run-1/20261126T030000123Z/targets.json");
    expect(resolved.plan).toEqual({
      experimentId: "run-1",
      startedAt: START,
      records: "run-1/20261126T030000123Z/",
      region: "eu-west-1",
      assumeRoleArn: "",
      authenticationSecret: "",
      sequence: "serial",
      rampSeconds: 5,
      durationSeconds: 45,
      dryRun: true,
      pollSeconds: 10,
      batchSize: 1,
      batchConcurrency: 1,
      documentParameters: {
        TargetServicePort: ["8080"],
        NetworkInterface: ["eth0"],
        DurationSeconds: ["45"],
        InstallDependencies: ["False"],
        Proxy: [""],
        ResetPercentage: ["100"],
        ResetAt: ["request"],
        ResetAfterBytes: ["0"],
        ResetMethods: [""],
        ResetPaths: [""],
        ObserveRecoverySeconds: ["30"],
        ExperimentId: ["run-1"],
      },
      watchAfterSeconds: 0,
    });
  });

  test("construct defaults override the Harness fault's and the input overrides both", async () => {
    fake().addInstances(["i-0123456789abcdef0"]);
    setEnvironment({
      TUNABLE_DEFAULTS: JSON.stringify({ NETWORK_INTERFACE: "ens5", TOTAL_CHAOS_DURATION: "60" }),
    });
    const { plan } = await resolve({ EC2_INSTANCE_ID: "i-0123456789abcdef0", TOTAL_CHAOS_DURATION: 3 });
    expect(plan.documentParameters.NetworkInterface).toEqual(["ens5"]);
    expect(plan.durationSeconds).toBe(3);
    expect(plan.pollSeconds).toBe(3);
  });

  test("a selector in the input replaces the construct's default selector", async () => {
    fake().addInstances(["i-0123456789abcdef0"]);
    setEnvironment({ TUNABLE_DEFAULTS: JSON.stringify({ EC2_INSTANCE_TAG: "chaos:yes" }) });
    const { targets } = await resolve({ EC2_INSTANCE_ID: "i-0123456789abcdef0" });
    expect(targets).toEqual(["i-0123456789abcdef0"]);
  });

  test("unknown keys are a named error that suggests the key meant", async () => {
    const error = await rejection({
      EC2_INSTANCE_ID: "i-0123456789abcdef0",
      region: "eu-west-1",
      COLOUR: "red",
    });
    expect(error.name).toBe("InvalidInputError");
    expect(error.message).toContain("region is not a tunable: did you mean REGION?");
    expect(error.message).toContain("COLOUR is not a tunable");
  });

  test("a PROXY with credentials is refused, and the message never quotes them", async () => {
    const error = await rejection({
      EC2_INSTANCE_ID: "i-0123456789abcdef0",
      PROXY: "http://chaos:s3cret@proxy.internal:3128",
    });
    expect(error.name).toBe("InvalidInputError");
    expect(error.message).toContain("PROXY must not hold credentials (user:password@)");
    expect(error.message).not.toContain("s3cret");
  });

  test.each([
    [[1], "an array"],
    [7, "number"],
    ["i-0123456789abcdef0", "string"],
  ])("an input of %j is refused by name", async (input, kind) => {
    const error = await rejection(input as never);
    expect(error.name).toBe("InvalidInputError");
    expect(error.message).toBe(`The execution input must be a JSON object of tunables, not ${kind}`);
  });

  test.each(["constructor", "toString", "__proto__", "hasOwnProperty"])(
    "%s, which every object has, is an unknown key like any other",
    async (key) => {
      const input = { ...JSON.parse(`{"${key}": true}`), EC2_INSTANCE_ID: "i-0123456789abcdef0" };
      const error = await rejection(input);
      expect(error.name).toBe("InvalidInputError");
      expect(error.message).toContain(`${key} is not a tunable`);
    },
  );

  test.each([
    [{ TARGET_SERVICE_PORT: 0 }, "TARGET_SERVICE_PORT must be an integer from 1 to 65535; got 0"],
    [{ TOTAL_CHAOS_DURATION: "43201" }, "TOTAL_CHAOS_DURATION must be an integer from 1 to 43200"],
    [{ INSTANCE_AFFECTED_PERC: 101 }, "INSTANCE_AFFECTED_PERC must be an integer from 0 to 100"],
    [{ RAMP_TIME: 1.5 }, "RAMP_TIME must be an integer from 0 to 3600; got 1.5"],
    [{ SEQUENCE: "random" }, "SEQUENCE must be one of parallel, serial"],
    [{ INSTALL_DEPENDENCIES: "yes" }, "INSTALL_DEPENDENCIES must be one of True, False"],
    [{ NETWORK_INTERFACE: "eth0; reboot" }, "NETWORK_INTERFACE must be a value matching"],
    [{ PROXY: "ftp://proxy" }, "PROXY must be a value matching"],
    [{ REGION: "Ireland" }, "REGION must be a value matching"],
    [{ DRY_RUN: { yes: true } }, "DRY_RUN must be one of True, False"],
  ])("%j is refused", async (bad, message) => {
    const error = await rejection({ EC2_INSTANCE_ID: "i-0123456789abcdef0", ...bad });
    expect(error.name).toBe("InvalidInputError");
    expect(error.message).toContain(message);
    expect(fake().ec2.calls()).toHaveLength(0);
  });

  test.each([
    [{}, "neither is set"],
    [{ EC2_INSTANCE_ID: "i-0123456789abcdef0", EC2_INSTANCE_TAG: "app:web" }, "both are set"],
  ])("exactly one selector: %j is refused", async (input, message) => {
    const error = await rejection(input);
    expect(error.name).toBe("InvalidInputError");
    expect(error.message).toContain(`Set exactly one of EC2_INSTANCE_ID and EC2_INSTANCE_TAG (${message})`);
  });

  test("an execution name outside the ExperimentId pattern is made to fit", async () => {
    fake().addInstances(["i-0123456789abcdef0"]);
    const { plan } = await resolve({ EC2_INSTANCE_ID: "i-0123456789abcdef0" }, "nightly run.2026");
    expect(plan.experimentId).toMatch(/^nightly-run-2026-[0-9a-f]{8}$/);
    expect(plan.documentParameters.ExperimentId).toEqual([plan.experimentId]);
  });

  test("REGION selects the region the clients act in", async () => {
    fake().addInstances(["i-0123456789abcdef0"]);
    const { plan } = await resolve({ EC2_INSTANCE_ID: "i-0123456789abcdef0", REGION: "us-east-2" });
    expect(plan.region).toBe("us-east-2");
    expect(fake().accesses[0]).toEqual({
      region: "us-east-2",
      assumeRoleArn: "",
      authenticationSecret: "",
      experimentId: "run-1",
    });
  });
});

describe("stop conditions", () => {
  test("an alarm already in ALARM refuses the execution by name, before any target is looked at", async () => {
    setEnvironment({ STOP_CONDITION_ALARMS: JSON.stringify(["latency", "checkout-5xx"]) });
    fake().alarms.set("latency", { state: "OK" });
    fake().alarms.set("checkout-5xx", { state: "ALARM" });
    fake().addInstances(["i-0123456789abcdef0"]);
    const error = await rejection({ EC2_INSTANCE_ID: "i-0123456789abcdef0" });
    expect(error.name).toBe("StopConditionAlarmError");
    expect(error.message).toContain("checkout-5xx is in ALARM");
    expect(fake().ec2.commandCalls(DescribeInstancesCommand)).toHaveLength(0);
    expect(fake().ssm.commandCalls(DescribeInstanceInformationCommand)).toHaveLength(0);
  });

  test("the safety lever engaged refuses the execution by name; released, it goes on", async () => {
    fake().addInstances(["i-0123456789abcdef0"]);
    fake().lever = "engaged";
    const error = await rejection({ EC2_INSTANCE_ID: "i-0123456789abcdef0" });
    expect(error.name).toBe("SafetyLeverEngagedError");
    expect(error.message).toContain("http-reset-peer-safety-lever is engaged");
    expect(fake().ec2.commandCalls(DescribeInstancesCommand)).toHaveLength(0);
    fake().lever = "released";
    expect((await resolve({ EC2_INSTANCE_ID: "i-0123456789abcdef0" })).targets).toEqual([
      "i-0123456789abcdef0",
    ]);
  });

  test("with every alarm OK, the execution goes on", async () => {
    setEnvironment({ STOP_CONDITION_ALARMS: JSON.stringify(["latency"]) });
    fake().alarms.set("latency", { state: "OK" });
    fake().addInstances(["i-0123456789abcdef0"]);
    expect((await resolve({ EC2_INSTANCE_ID: "i-0123456789abcdef0" })).targets).toEqual([
      "i-0123456789abcdef0",
    ]);
  });
});

describe("credentials", () => {
  test("a role that is not allowed is a named error, before any call", async () => {
    setEnvironment({ ALLOWED_ROLE_ARNS: JSON.stringify(["arn:aws:iam::222222222222:role/chaos"]) });
    const error = await rejection({
      EC2_INSTANCE_ID: "i-0123456789abcdef0",
      ASSUME_ROLE_ARN: "arn:aws:iam::333333333333:role/other",
    });
    expect(error.name).toBe("CredentialsError");
    expect(error.message).toContain("arn:aws:iam::222222222222:role/chaos");
    expect(fake().accesses).toHaveLength(0);
  });

  test("a secret that is not allowed is a named error", async () => {
    const error = await rejection({
      EC2_INSTANCE_ID: "i-0123456789abcdef0",
      AWS_AUTHENTICATION_SECRET: "creds",
    });
    expect(error.name).toBe("CredentialsError");
    expect(error.message).toContain("(none)");
  });

  test("allowed credentials reach the client factory", async () => {
    fake().addInstances(["i-0123456789abcdef0"]);
    const role = "arn:aws:iam::222222222222:role/chaos";
    const secret = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:creds-AbCdEf";
    setEnvironment({
      ALLOWED_ROLE_ARNS: JSON.stringify([role]),
      ALLOWED_SECRET_ARNS: JSON.stringify([secret]),
    });
    const { plan } = await resolve({
      EC2_INSTANCE_ID: "i-0123456789abcdef0",
      ASSUME_ROLE_ARN: role,
      AWS_AUTHENTICATION_SECRET: "creds",
    });
    expect(plan).toMatchObject({ assumeRoleArn: role, authenticationSecret: "creds" });
    expect(fake().accesses[0]).toMatchObject({ assumeRoleArn: role, authenticationSecret: "creds" });
  });
});

describe("targets by ID", () => {
  test("every named instance must exist, and each missing one is named", async () => {
    fake().addInstances(["i-0123456789abcdef0"]);
    const error = await rejection({ EC2_INSTANCE_ID: "i-0123456789abcdef0,i-0000000000000000a,i-0000000b" });
    expect(error.name).toBe("TargetNotFoundError");
    expect(error.message).toContain("do not exist in eu-west-1: i-0000000000000000a, i-0000000b");
  });

  test("120 IDs are looked up 50 at a time over every page, in the order given, without duplicates", async () => {
    const ids = instanceIds(120);
    fake().addInstances(ids);
    const resolved = await resolve({
      EC2_INSTANCE_ID: [...[...ids].reverse(), ids[0]].join(","),
      TOTAL_CHAOS_DURATION: 30,
    });
    expect(resolved.targets).toEqual([...ids].reverse());
    // Parallel: one child execution takes them all (send-command splits them into calls of 50).
    expect(resolved.plan).toMatchObject({ batchSize: 500, batchConcurrency: 1 });
    for (const call of fake().ec2.commandCalls(DescribeInstancesCommand)) {
      expect(call.args[0].input.Filters?.[0].Values?.length).toBeLessThanOrEqual(50);
    }
    for (const call of fake().ssm.commandCalls(DescribeInstanceInformationCommand)) {
      expect(call.args[0].input.Filters?.[0].Values?.length).toBeLessThanOrEqual(50);
    }
  });

  test("every instance that cannot take the fault is named with its reason and fix", async () => {
    const [running, stopped, unregistered, lost, windows] = instanceIds(5);
    fake().addInstances([running]);
    fake().addInstances([stopped], { state: "stopped" });
    fake().addInstances([unregistered], { ping: undefined });
    fake().addInstances([lost], { ping: "ConnectionLost" });
    fake().addInstances([windows], { platform: "Windows" });
    const error = await rejection({
      EC2_INSTANCE_ID: [running, stopped, unregistered, lost, windows].join(","),
    });
    expect(error.name).toBe("TargetNotReadyError");
    expect(error.message).toContain("4 of 5 targets in eu-west-1 cannot take the fault");
    expect(error.message).toContain(`${stopped}: the instance is stopped, not running`);
    expect(error.message).toContain(
      `${unregistered}: the SSM Agent is not online (the instance is not registered`,
    );
    expect(error.message).toContain(`${lost}: the SSM Agent is not online (PingStatus ConnectionLost)`);
    expect(error.message).toContain(
      "install the SSM Agent and attach an instance profile that includes AmazonSSMManagedInstanceCore",
    );
    expect(error.message).toContain(`${windows}: the instance runs Windows: the fault runs on Linux only`);
    expect(error.message).not.toContain(`${running}:`);
  });
});

describe("targets by tag", () => {
  test("takes running instances with the tag over every page, and 100% takes them all", async () => {
    const tagged = instanceIds(5);
    fake().addInstances(tagged, { tags: { app: "web:blue" } });
    fake().addInstances(instanceIds(1, 100), { tags: { app: "web:blue" }, state: "stopped" });
    fake().addInstances(instanceIds(1, 200), { tags: { app: "api" } });
    const { targets } = await resolve({ EC2_INSTANCE_TAG: "app:web:blue", INSTANCE_AFFECTED_PERC: 100 });
    expect([...targets].sort()).toEqual(tagged);
    expect(fake().ec2.commandCalls(DescribeInstancesCommand).length).toBeGreaterThan(1);
  });

  test("0% targets exactly one instance, at random", async () => {
    fake().addInstances(instanceIds(4), { tags: { app: "web" } });
    jest.spyOn(Math, "random").mockReturnValue(0.99);
    const { targets } = await resolve({ EC2_INSTANCE_TAG: "app:web" });
    expect(targets).toEqual([instanceIds(4)[3]]);
  });

  test("a percentage is rounded to the nearest instance, never below one", async () => {
    fake().addInstances(instanceIds(3), { tags: { app: "web" } });
    const count = async (percent: number) =>
      (await resolve({ EC2_INSTANCE_TAG: "app:web", INSTANCE_AFFECTED_PERC: percent })).targets.length;
    expect([await count(10), await count(50), await count(66), await count(100)]).toEqual([1, 2, 2, 3]);
  });

  test("a tag with an empty value matches only instances whose value is empty", async () => {
    const [empty, valued] = instanceIds(2);
    fake().addInstances([empty], { tags: { chaos: "" } });
    fake().addInstances([valued], { tags: { chaos: "no" } });
    const { targets } = await resolve({ EC2_INSTANCE_TAG: "chaos:", INSTANCE_AFFECTED_PERC: 100 });
    expect(targets).toEqual([empty]);
  });

  test("no running instance with the tag is a named error", async () => {
    fake().addInstances(instanceIds(1), { tags: { app: "web" }, state: "stopped" });
    const error = await rejection({ EC2_INSTANCE_TAG: "app:web" });
    expect(error.name).toBe("TargetNotFoundError");
    expect(error.message).toContain("No running instance in eu-west-1 carries the tag app:web");
  });
});

describe("how many targets one experiment takes", () => {
  test(`${MAX_TARGETS} are taken; one more is refused by name before anything is checked or sent`, async () => {
    const ids = instanceIds(MAX_TARGETS + 1);
    fake().pageSize = 50;
    fake().addInstances(ids, { tags: { app: "web" } });
    const all = await rejection({ EC2_INSTANCE_TAG: "app:web", INSTANCE_AFFECTED_PERC: 100 });
    expect(all.name).toBe("TooManyTargetsError");
    expect(all.message).toContain(`${MAX_TARGETS + 1} instances were selected`);
    expect(all.message).toContain("Lower INSTANCE_AFFECTED_PERC");
    expect(fake().ssm.commandCalls(DescribeInstanceInformationCommand)).toHaveLength(0);
    fake().instances.get(ids[0])!.state = "stopped";
    const taken = await resolve({
      EC2_INSTANCE_TAG: "app:web",
      INSTANCE_AFFECTED_PERC: 100,
      SEQUENCE: "serial",
    });
    expect(taken.targets).toHaveLength(MAX_TARGETS);
    expect(taken.plan).toMatchObject({ batchSize: 1, batchConcurrency: 1 });
  });
});

describe("opt-in tag", () => {
  test("targets without the opt-in tag are refused by name", async () => {
    setEnvironment({ OPT_IN_TAG: "chaos:allowed" });
    const [optedIn, not] = instanceIds(2);
    fake().addInstances([optedIn], { tags: { chaos: "allowed" } });
    fake().addInstances([not], { tags: { chaos: "denied" } });
    const error = await rejection({ EC2_INSTANCE_ID: `${optedIn},${not}` });
    expect(error.name).toBe("TargetNotOptedInError");
    expect(error.message).toContain(
      `only targets instances tagged chaos:allowed, and these are not: ${not}.`,
    );
  });

  test("is checked over every instance the tag selects, not only the sample", async () => {
    setEnvironment({ OPT_IN_TAG: "chaos:allowed" });
    fake().addInstances(instanceIds(1), { tags: { app: "web", chaos: "allowed" } });
    fake().addInstances(instanceIds(1, 2), { tags: { app: "web" } });
    jest.spyOn(Math, "random").mockReturnValue(0);
    expect((await rejection({ EC2_INSTANCE_TAG: "app:web" })).name).toBe("TargetNotOptedInError");
  });

  test("opted-in targets pass", async () => {
    setEnvironment({ OPT_IN_TAG: "chaos:allowed" });
    fake().addInstances(instanceIds(1), { tags: { chaos: "allowed" } });
    expect((await resolve({ EC2_INSTANCE_ID: instanceIds(1)[0] })).targets).toEqual(instanceIds(1));
  });
});

test("counts the targets in a metric", async () => {
  const addMetric = jest.spyOn(metrics, "addMetric");
  fake().addInstances(instanceIds(3));
  await resolve({ EC2_INSTANCE_ID: instanceIds(3).join(",") });
  expect(addMetric).toHaveBeenCalledWith("InstancesTargeted", "Count", 3);
});
