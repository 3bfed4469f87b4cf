/** The fake Elastic Load Balancing and Lambda answer as AWS does, seen through the SDK's own clients. */
import "./support/environment";
import {
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  TargetGroupNotFoundException,
  type TargetDescription,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { InvokeCommand, LambdaClient, ResourceNotFoundException } from "@aws-sdk/client-lambda";
import { FakeAws, HOME_ACCOUNT } from "./support/fake-aws";
import { REGION } from "./support/environment";
import { sampleTargetHealth } from "../../lambda/hypothesis/target-health-sample";

const config = { region: REGION };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `read` until `done` holds of what it gives, for at most two seconds. */
async function until<T>(read: () => T | Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const value = await read();
    if (done(value)) return value;
    await sleep(10);
  }
  throw new Error("the awaited change never came");
}

let aws: FakeAws;
beforeEach(() => {
  aws = new FakeAws({ deregistrationDelayMs: 50 }).bind();
});
afterEach(() => aws.dispose());

describe("Elastic Load Balancing v2", () => {
  const thresholds = { intervalMs: 20, healthyThreshold: 2, unhealthyThreshold: 3 };
  const elb = () => new ElasticLoadBalancingV2Client(config);
  const health = async (TargetGroupArn: string, Targets?: TargetDescription[]) =>
    (await elb().send(new DescribeTargetHealthCommand({ TargetGroupArn, Targets })))
      .TargetHealthDescriptions!;
  const stateOf = async (arn: string, id: string) => (await health(arn, [{ Id: id }]))[0].TargetHealth?.State;

  test("names a target group with an ARN shaped as AWS's", () => {
    const check = () => true;
    const web = aws.loadBalancing.createTargetGroup("web", { ...thresholds, check });
    const api = aws.loadBalancing.createTargetGroup("api-v2", { ...thresholds, check });
    const shape = (name: string) =>
      new RegExp(`^arn:aws:elasticloadbalancing:eu-west-1:${HOME_ACCOUNT}:targetgroup/${name}/[0-9a-f]{16}$`);
    expect(web).toMatch(shape("web"));
    expect(api).toMatch(shape("api-v2"));
    expect(web.slice(-16)).not.toBe(api.slice(-16));
  });

  test("counts consecutive checks to the thresholds, a throw or a rejection as a failure", async () => {
    const verdicts = ["pass", "throw", "pass", "pass", "fail", "reject", "throw", "pass", "pass", "pass"];
    // The state each check finds tells what the checks before it did.
    const found: string[] = [];
    const arn = aws.loadBalancing.createTargetGroup("web", {
      ...thresholds,
      check: (id) => {
        found.push(aws.loadBalancing.history(arn, id).at(-1)!.state);
        const verdict = verdicts[found.length - 1] ?? "pass";
        if (verdict === "throw") throw new Error("connection refused");
        return verdict === "reject" ? Promise.reject(new Error("timed out")) : verdict === "pass";
      },
    });
    aws.loadBalancing.register(arn, "i-0123456789abcdef0");
    await until(
      () => found.length,
      (n) => n > verdicts.length,
    );
    expect(found.slice(0, verdicts.length + 1)).toEqual([
      ...Array(4).fill("initial"),
      ...Array(3).fill("healthy"),
      ...Array(2).fill("unhealthy"),
      "healthy",
      "healthy",
    ]);
    const history = aws.loadBalancing.history(arn, "i-0123456789abcdef0");
    expect(history.map((h) => h.state)).toEqual(["initial", "healthy", "unhealthy", "healthy"]);
    const times = history.map((h) => h.at.getTime());
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  test("describes each state with AWS's reason and description, none for healthy", async () => {
    let up = false;
    const arn = aws.loadBalancing.createTargetGroup("web", { ...thresholds, check: () => up });
    const id = "i-0123456789abcdef0";
    aws.loadBalancing.register(arn, id, 8080);
    expect(await health(arn)).toEqual([
      {
        Target: { Id: id, Port: 8080 },
        HealthCheckPort: "8080",
        TargetHealth: {
          State: "initial",
          Reason: "Elb.RegistrationInProgress",
          Description: "Target registration is in progress",
        },
      },
    ]);
    // A new target that fails its first checks goes straight to unhealthy, as on ELB.
    await until(
      () => stateOf(arn, id),
      (s) => s === "unhealthy",
    );
    expect((await health(arn))[0].TargetHealth).toEqual({
      State: "unhealthy",
      Reason: "Target.FailedHealthChecks",
      Description: "Health checks failed",
    });
    up = true;
    await until(
      () => stateOf(arn, id),
      (s) => s === "healthy",
    );
    expect((await health(arn))[0].TargetHealth).toEqual({ State: "healthy" });
    expect(aws.loadBalancing.history(arn, id).map((h) => h.state)).toEqual([
      "initial",
      "unhealthy",
      "healthy",
    ]);
  });

  test("answers a target asked for that is not registered as unused", async () => {
    const arn = aws.loadBalancing.createTargetGroup("web", { ...thresholds, check: () => true });
    aws.loadBalancing.register(arn, "i-0000000000000000a", 8080);
    const notRegistered = {
      State: "unused",
      Reason: "Target.NotRegistered",
      Description: "Target is not registered to the target group",
    };
    expect(
      await health(arn, [
        { Id: "i-0000000000000000a" },
        { Id: "i-0000000000000000b", Port: 80 },
        { Id: "i-0000000000000000a", Port: 81 },
      ]),
    ).toEqual([
      expect.objectContaining({ Target: { Id: "i-0000000000000000a", Port: 8080 }, HealthCheckPort: "8080" }),
      { Target: { Id: "i-0000000000000000b", Port: 80 }, HealthCheckPort: "80", TargetHealth: notRegistered },
      { Target: { Id: "i-0000000000000000a", Port: 81 }, HealthCheckPort: "81", TargetHealth: notRegistered },
    ]);
  });

  test("refuses an unknown target group as TargetGroupNotFound and a malformed ARN as invalid", async () => {
    const arn = aws.loadBalancing.createTargetGroup("web", { ...thresholds, check: () => true });
    const unknown = arn.replace("targetgroup/web/", "targetgroup/gone/");
    const refusal = await health(unknown).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(TargetGroupNotFoundException);
    expect(refusal).toMatchObject({
      name: "TargetGroupNotFoundException",
      message: "One or more target groups not found",
      $metadata: { httpStatusCode: 400 },
    });
    await expect(health("web")).rejects.toMatchObject({
      name: "ValidationError",
      message: "'web' is not a valid target group ARN",
    });
  });

  test("drains a deregistered target for the deregistration delay, then forgets it", async () => {
    const arn = aws.loadBalancing.createTargetGroup("web", { ...thresholds, check: () => true });
    const id = "i-0123456789abcdef0";
    aws.loadBalancing.register(arn, id);
    await until(
      () => stateOf(arn, id),
      (s) => s === "healthy",
    );
    aws.loadBalancing.deregister(arn, id);
    expect((await health(arn))[0].TargetHealth).toEqual({
      State: "draining",
      Reason: "Target.DeregistrationInProgress",
      Description: "Target deregistration is in progress",
    });
    await until(
      () => health(arn),
      (all) => all.length === 0,
    );
    expect(await stateOf(arn, id)).toBe("unused");
    const history = aws.loadBalancing.history(arn, id).map((h) => h.state);
    expect(history).toEqual(["initial", "healthy", "draining", "unused"]);
  });

  test("checks no more once disposed of", async () => {
    let checks = 0;
    const arn = aws.loadBalancing.createTargetGroup("web", { ...thresholds, check: () => ++checks > 0 });
    aws.loadBalancing.register(arn, "i-0123456789abcdef0");
    await until(
      () => checks,
      (n) => n > 0,
    );
    await aws.dispose();
    const after = checks;
    await sleep(3 * thresholds.intervalMs);
    expect(checks).toBe(after);
  });
});

describe("Lambda Invoke", () => {
  const arn = `arn:aws:lambda:${REGION}:${HOME_ACCOUNT}:function:echo`;
  const invoke = (input: ConstructorParameters<typeof InvokeCommand>[0]) =>
    new LambdaClient(config).send(new InvokeCommand(input));
  const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

  beforeEach(() => {
    aws.lambda.register("echo", arn, async (event) => ({ got: event }));
  });

  test("runs the function named by its name, full ARN or partial ARN, and answers its result", async () => {
    for (const FunctionName of ["echo", arn, `${HOME_ACCOUNT}:function:echo`, `${arn}:$LATEST`]) {
      const answer = await invoke({ FunctionName, Payload: json({ n: 1 }) });
      expect(answer).toMatchObject({ StatusCode: 200, ExecutedVersion: "$LATEST" });
      expect(answer.FunctionError).toBeUndefined();
      expect(answer.Payload).toBeInstanceOf(Uint8Array);
      expect(JSON.parse(new TextDecoder().decode(answer.Payload))).toEqual({ got: { n: 1 } });
      expect(JSON.parse(answer.Payload!.transformToString())).toEqual({ got: { n: 1 } });
    }
  });

  test("refuses an unknown function with ResourceNotFoundException", async () => {
    const refusal = await invoke({ FunctionName: "missing" }).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(ResourceNotFoundException);
    expect(refusal).toMatchObject({
      name: "ResourceNotFoundException",
      message: `Function not found: arn:aws:lambda:${REGION}:${HOME_ACCOUNT}:function:missing`,
      $metadata: { httpStatusCode: 404 },
    });
  });

  test("answers 200 with FunctionError Unhandled when the function throws", async () => {
    aws.lambda.register("fails", arn.replace(":echo", ":fails"), async () => {
      throw new TypeError("no target");
    });
    const answer = await invoke({ FunctionName: "fails", Payload: json({}) });
    expect(answer).toMatchObject({ StatusCode: 200, FunctionError: "Unhandled" });
    expect(JSON.parse(answer.Payload!.transformToString())).toEqual({
      errorType: "TypeError",
      errorMessage: "no target",
      trace: [],
    });
  });

  test("answers an Event invocation with 202 at once and runs the function after", async () => {
    const events: unknown[] = [];
    aws.lambda.register("queued", arn.replace(":echo", ":queued"), async (event) => {
      events.push(event);
    });
    const answer = await invoke({ FunctionName: "queued", InvocationType: "Event", Payload: json({ n: 2 }) });
    expect(answer.StatusCode).toBe(202);
    expect(answer.Payload).toBeUndefined();
    expect(
      await until(
        () => events,
        (e) => e.length > 0,
      ),
    ).toEqual([{ n: 2 }]);
  });
});

describe("a target-health probe's sample, through the fake load balancer", () => {
  test("keeps the experiment's instances in the group, the first 100 by ID, and a read it could not make as an error", async () => {
    const arn = aws.loadBalancing.createTargetGroup("big", {
      intervalMs: 1000,
      healthyThreshold: 2,
      unhealthyThreshold: 2,
      check: () => true,
    });
    const ids = Array.from({ length: 150 }, (_, i) => `i-${String(i).padStart(17, "0")}`);
    for (const id of [...ids, "i-someoneelse00000"]) aws.loadBalancing.register(arn, id);
    const probe = {
      kind: "TargetHealth" as const,
      name: "lb",
      weight: 1,
      targetGroupArn: arn,
      takenOutWithinSeconds: 30,
      sampling: {
        intervalSeconds: 10,
        timeoutSeconds: 5,
        retries: 1,
        initialDelaySeconds: 0,
        stopOnFailure: false,
      },
    };
    const sample = await sampleTargetHealth(probe, new Set(ids));
    expect(Object.keys(sample.states)).toEqual(ids.slice(0, 100));
    expect(new Set(Object.values(sample.states))).toEqual(new Set(["initial"]));
    const missing = await sampleTargetHealth(
      { ...probe, targetGroupArn: arn.replace("big", "gone") },
      new Set(ids),
    );
    expect(missing).toMatchObject({
      states: {},
      error: expect.stringMatching(/^TargetGroupNotFoundException/),
    });
  });
});
