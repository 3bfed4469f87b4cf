/**
 * What is refused before anything is sent, who the calls are made as, and the schedule's input:
 * the construct's state machine and the real handlers against simulated instances.
 */
import "./support/environment";
import { Duration } from "aws-cdk-lib";
import * as scheduler from "aws-cdk-lib/aws-scheduler";
import { SimulatedAgent } from "./support/agents/simulated";
import { byInstance } from "./support/fake-aws";
import { localFault, type LocalFault } from "./support/local-fault";
import { describeOutcome, reportOf, SCENARIO_PROPS, TARGET_ACCOUNT_ROLE } from "./support/scenario";

const TIMING = { timing: { visibilityMs: 50, deliveryMs: 10, msPerTimeoutSecond: 10 } };
const FAST = { waitMs: 10 };

describe("refusals, credentials and schedules", () => {
  let local: LocalFault;
  let web: string[];
  beforeAll(() => {
    local = localFault({ ...TIMING, props: SCENARIO_PROPS });
    const agent = new SimulatedAgent({ msPerSecond: 5 });
    web = local.aws.fleet.addMany(3, { tags: { app: "web" }, agent }).map((i) => i.id);
  });
  afterAll(() => local.dispose());

  test("a target offline in SSM, or not running, fails the run by name before anything is sent", async () => {
    const agent = new SimulatedAgent();
    const lost = local.aws.fleet.add({ agent, pingStatus: "ConnectionLost" });
    const stopped = local.aws.fleet.add({ agent, state: "stopped" });
    const sent = local.aws.calls.of("SSM:SendCommand").length;
    const outcome = await local.stateMachine.start(
      { EC2_INSTANCE_ID: `${web[0]},${lost.id},${stopped.id}` },
      FAST,
    ).done;
    expect(outcome.status).toBe("FAILED");
    expect(outcome.error).toBe("TargetNotReadyError");
    expect(outcome.cause).toContain(`${lost.id}: the SSM Agent is not online (PingStatus ConnectionLost)`);
    expect(outcome.cause).toContain(`${stopped.id}: the instance is stopped`);
    expect(outcome.cause).not.toContain(`${web[0]}:`);
    expect(local.aws.calls.of("SSM:SendCommand")).toHaveLength(sent);
  });

  const INVALID: [string, Record<string, unknown>, string][] = [
    [
      "both selectors",
      { EC2_INSTANCE_ID: "i-0123456789abcdef0", EC2_INSTANCE_TAG: "app:web" },
      "exactly one",
    ],
    ["neither selector", {}, "exactly one"],
    [
      "a port out of range",
      { EC2_INSTANCE_TAG: "app:web", TARGET_SERVICE_PORT: 70000 },
      "TARGET_SERVICE_PORT",
    ],
    [
      "a port that is not a number",
      { EC2_INSTANCE_TAG: "app:web", TARGET_SERVICE_PORT: "http" },
      "TARGET_SERVICE_PORT",
    ],
    ["a zero duration", { EC2_INSTANCE_TAG: "app:web", TOTAL_CHAOS_DURATION: 0 }, "TOTAL_CHAOS_DURATION"],
    [
      "a negative duration",
      { EC2_INSTANCE_TAG: "app:web", TOTAL_CHAOS_DURATION: "-5" },
      "TOTAL_CHAOS_DURATION",
    ],
    [
      "a percentage over 100",
      { EC2_INSTANCE_TAG: "app:web", INSTANCE_AFFECTED_PERC: 101 },
      "INSTANCE_AFFECTED_PERC",
    ],
    [
      "a fractional percentage",
      { EC2_INSTANCE_TAG: "app:web", INSTANCE_AFFECTED_PERC: "50.5" },
      "INSTANCE_AFFECTED_PERC",
    ],
    ["an unknown sequence", { EC2_INSTANCE_TAG: "app:web", SEQUENCE: "random" }, "SEQUENCE"],
    [
      "shell in the interface",
      { EC2_INSTANCE_TAG: "app:web", NETWORK_INTERFACE: "eth0;reboot" },
      "NETWORK_INTERFACE",
    ],
    ["shell in the proxy", { EC2_INSTANCE_TAG: "app:web", PROXY: "http://x/$(id)" }, "PROXY"],
    ["quotes in an instance ID", { EC2_INSTANCE_ID: "i-0123'; rm -rf /" }, "EC2_INSTANCE_ID"],
    ["a newline in the tag", { EC2_INSTANCE_TAG: "app:web\nx" }, "EC2_INSTANCE_TAG"],
    [
      "a role that is not an ARN",
      { EC2_INSTANCE_TAG: "app:web", ASSUME_ROLE_ARN: "admin" },
      "ASSUME_ROLE_ARN",
    ],
  ];

  test.each(INVALID)("%s: a named error and no SendCommand", async (_case, input, names) => {
    const outcome = await local.stateMachine.start(input, FAST).done;
    expect(outcome.status).toBe("FAILED");
    expect(outcome.error).toBe("InvalidInputError");
    expect(JSON.parse(outcome.cause ?? "{}").errorMessage).toContain(names);
    expect(local.aws.calls.of("SSM:SendCommand")).toHaveLength(0);
  });

  test("ASSUME_ROLE_ARN: EC2 and SSM are called with the assumed role's credentials", async () => {
    const other = new LocalFaultRoleCheck(local);
    const outcome = await local.stateMachine.start(
      {
        EC2_INSTANCE_TAG: "app:web",
        INSTANCE_AFFECTED_PERC: 100,
        TOTAL_CHAOS_DURATION: 2,
        ASSUME_ROLE_ARN: TARGET_ACCOUNT_ROLE,
      },
      FAST,
    ).done;
    expect(describeOutcome(outcome)).toBe("SUCCEEDED");
    const identities = other.faultCallIdentities();
    expect(identities.size).toBe(1);
    expect([...identities][0]).toMatch(/^arn:aws:sts::222222222222:assumed-role\/http-reset-peer-target\//);
    expect(other.rolesAssumed()).toEqual(new Set([TARGET_ACCOUNT_ROLE]));
  });

  test("an ASSUME_ROLE_ARN the construct was not given is refused before any call to the target", async () => {
    local.aws.calls.clear();
    const outcome = await local.stateMachine.start(
      { EC2_INSTANCE_TAG: "app:web", ASSUME_ROLE_ARN: "arn:aws:iam::333333333333:role/other" },
      FAST,
    ).done;
    expect(outcome.error).toBe("CredentialsError");
    expect(local.aws.calls.of()).toHaveLength(0);
  });
});

/** Sets up trust for the target-account role and reads which identities called EC2 and SSM. */
class LocalFaultRoleCheck {
  private readonly from: number;
  constructor(private readonly local: LocalFault) {
    local.aws.sts.addRole(TARGET_ACCOUNT_ROLE, ["arn:aws:iam::111111111111:role/http-reset-peer-task"]);
    this.from = local.aws.calls.calls.length;
  }
  rolesAssumed(): Set<unknown> {
    return new Set(
      this.local.aws.calls.calls
        .slice(this.from)
        .filter((c) => c.operation === "AssumeRole")
        .map((c) => c.input.RoleArn),
    );
  }
  /**
   * Who called EC2 and SSM on the targets (the safety lever is read where the fault is deployed, and
   * the instances' agents fetch the program with their own credentials).
   */
  faultCallIdentities(): Set<string> {
    return new Set(
      this.local.aws.calls.calls
        .slice(this.from)
        .filter((c) => (c.service === "EC2" || c.service === "SSM") && c.operation !== "GetParameter")
        .filter((c) => !byInstance(c))
        .map((c) => c.identity),
    );
  }
}

test("the input a schedule sends starts a correct run", async () => {
  const local = localFault({
    ...TIMING,
    props: {
      tunableDefaults: { targetServicePort: 8080 },
      schedules: [
        {
          expression: scheduler.ScheduleExpression.rate(Duration.days(1)),
          input: { ec2InstanceTag: "app:web", totalChaosDuration: 2, instanceAffectedPerc: 50 },
        },
      ],
    },
  });
  try {
    const agent = new SimulatedAgent({ msPerSecond: 5 });
    local.aws.fleet.addMany(4, { tags: { app: "web" }, agent });
    const [input] = local.deployment.scheduleInputs;
    const outcome = await local.stateMachine.start(JSON.parse(input), FAST).done;
    expect(describeOutcome(outcome)).toBe("SUCCEEDED");
    expect(reportOf(outcome).targets).toHaveLength(2);
    expect(agent.runs.map((r) => r.parameters)).toEqual([
      expect.objectContaining({ TargetServicePort: "8080", DurationSeconds: "2", Action: "Inject" }),
      expect.objectContaining({ TargetServicePort: "8080", DurationSeconds: "2", Action: "Inject" }),
    ]);
  } finally {
    await local.dispose();
  }
});
