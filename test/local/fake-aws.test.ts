/** The fake AWS keeps the contracts the handlers depend on, seen through the SDK's own clients. */
import "./support/environment";
import { DescribeAlarmsCommand, CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { DescribeInstancesCommand, EC2Client } from "@aws-sdk/client-ec2";
import {
  CancelCommandCommand,
  DescribeInstanceInformationCommand,
  GetCommandInvocationCommand,
  ListCommandInvocationsCommand,
  ListCommandsCommand,
  SendCommandCommand,
  SSMClient,
  type CommandFilter,
} from "@aws-sdk/client-ssm";
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { SimulatedAgent } from "./support/agents/simulated";
import { FakeAws, FUNCTION_ROLE_ARN } from "./support/fake-aws";
import { programParts } from "../../scripts/program-parts";
import { byInstance } from "./support/fake-aws";
import { DOCUMENT_NAME, REGION } from "./support/environment";

const config = { region: REGION, retryMode: "adaptive", maxAttempts: 8 } as const;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits, polling as a handler would, until the instance's invocation has this status. */
async function waitForStatus(ssm: SSMClient, commandId: string, instanceId: string, status: string) {
  for (let i = 0; i < 200; i++) {
    const got = await ssm
      .send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId }))
      .catch(() => undefined);
    if (got?.Status === status) return;
    await sleep(50);
  }
  throw new Error(`the invocation never became ${status}`);
}

let aws: FakeAws;
beforeEach(() => {
  aws = new FakeAws({ timing: { visibilityMs: 100, deliveryMs: 20, msPerTimeoutSecond: 10 } }).bind();
  aws.ssm.createShippedDocuments(DOCUMENT_NAME);
});
afterEach(() => aws.dispose());

const inject = (ids: string[], extra: Record<string, string[]> = {}) =>
  new SendCommandCommand({
    DocumentName: DOCUMENT_NAME,
    InstanceIds: ids,
    Parameters: { Action: ["Inject"], DurationSeconds: ["1"], ExperimentId: ["exp-1"], ...extra },
    TimeoutSeconds: 60,
  });

describe("EC2 DescribeInstances", () => {
  test("pages with MaxResults and NextToken, and filters by tag and state", async () => {
    aws.fleet.addMany(12, { tags: { team: "web" } });
    aws.fleet.addMany(3, { tags: { team: "web" }, state: "stopped" });
    aws.fleet.addMany(4, { tags: { team: "db" } });
    const ec2 = new EC2Client(config);
    const filters = [
      { Name: "tag:team", Values: ["web"] },
      { Name: "instance-state-name", Values: ["running"] },
    ];
    const first = await ec2.send(new DescribeInstancesCommand({ Filters: filters, MaxResults: 5 }));
    expect(first.Reservations?.flatMap((r) => r.Instances ?? [])).toHaveLength(5);
    expect(first.NextToken).toBeDefined();
    let ids = first.Reservations!.flatMap((r) => r.Instances!.map((i) => i.InstanceId));
    let token = first.NextToken;
    while (token) {
      const next = await ec2.send(
        new DescribeInstancesCommand({ Filters: filters, MaxResults: 5, NextToken: token }),
      );
      ids = ids.concat(next.Reservations!.flatMap((r) => r.Instances!.map((i) => i.InstanceId)));
      token = next.NextToken;
    }
    expect(new Set(ids).size).toBe(12);
    const all = await ec2.send(
      new DescribeInstancesCommand({ Filters: [{ Name: "tag:team", Values: ["w*"] }] }),
    );
    expect(all.Reservations!.length).toBe(15);
  });

  test("names unknown IDs with InvalidInstanceID.NotFound and refuses MaxResults with IDs", async () => {
    const [known] = aws.fleet.addMany(1);
    const ec2 = new EC2Client(config);
    await expect(
      ec2.send(new DescribeInstancesCommand({ InstanceIds: [known.id, "i-0123456789abcdef0"] })),
    ).rejects.toMatchObject({
      name: "InvalidInstanceID.NotFound",
      message: expect.stringContaining("i-0123456789abcdef0"),
    });
    await expect(
      ec2.send(new DescribeInstancesCommand({ InstanceIds: [known.id], MaxResults: 5 })),
    ).rejects.toMatchObject({ name: "InvalidParameterCombination" });
    await expect(ec2.send(new DescribeInstancesCommand({ MaxResults: 1001 }))).rejects.toMatchObject({
      name: "InvalidParameterValue",
    });
  });
});

describe("SSM", () => {
  test("DescribeInstanceInformation reports ping status and platform, and pages", async () => {
    const linux = aws.fleet.addMany(6);
    const lost = aws.fleet.add({ pingStatus: "ConnectionLost" });
    const windows = aws.fleet.add({ platform: "Windows" });
    aws.fleet.add({ managed: false });
    const ssm = new SSMClient(config);
    const ids = [...linux, lost, windows].map((i) => i.id);
    const first = await ssm.send(
      new DescribeInstanceInformationCommand({
        Filters: [{ Key: "InstanceIds", Values: ids }],
        MaxResults: 5,
      }),
    );
    const second = await ssm.send(
      new DescribeInstanceInformationCommand({
        Filters: [{ Key: "InstanceIds", Values: ids }],
        MaxResults: 5,
        NextToken: first.NextToken,
      }),
    );
    const infos = [...first.InstanceInformationList!, ...second.InstanceInformationList!];
    expect(infos).toHaveLength(8);
    expect(infos.find((i) => i.InstanceId === lost.id)?.PingStatus).toBe("ConnectionLost");
    expect(infos.find((i) => i.InstanceId === windows.id)?.PlatformType).toBe("Windows");
    await expect(ssm.send(new DescribeInstanceInformationCommand({ MaxResults: 51 }))).rejects.toMatchObject({
      name: "ValidationException",
    });
  });

  test("SendCommand takes at most 50 instances and checks parameters against the document", async () => {
    const fleet = aws.fleet.addMany(51, { agent: new SimulatedAgent() }).map((i) => i.id);
    const ssm = new SSMClient(config);
    await expect(ssm.send(inject(fleet))).rejects.toMatchObject({ name: "ValidationException" });
    await expect(ssm.send(inject(fleet.slice(0, 1), { TargetServicePort: ["70000"] }))).rejects.toMatchObject(
      {
        name: "InvalidParameters",
      },
    );
    await expect(ssm.send(inject(fleet.slice(0, 1), { Action: ["Explode"] }))).rejects.toMatchObject({
      name: "InvalidParameters",
    });
    await expect(ssm.send(inject(fleet.slice(0, 1), { Unknown: ["x"] }))).rejects.toMatchObject({
      name: "InvalidParameters",
    });
    await expect(
      ssm.send(new SendCommandCommand({ DocumentName: "Nope", InstanceIds: fleet.slice(0, 1) })),
    ).rejects.toMatchObject({ name: "InvalidDocument" });
    expect(aws.ssm.commands).toHaveLength(0);
    const sent = await ssm.send(inject(fleet.slice(0, 50)));
    expect(sent.Command?.Status).toBe("Pending");
  });

  test("an invocation does not exist right after SendCommand, then runs to Success", async () => {
    const [instance] = aws.fleet.addMany(1, { agent: new SimulatedAgent({ msPerSecond: 300 }) });
    const ssm = new SSMClient(config);
    const { Command } = await ssm.send(inject([instance.id]));
    const get = () =>
      ssm.send(new GetCommandInvocationCommand({ CommandId: Command!.CommandId, InstanceId: instance.id }));
    await expect(get()).rejects.toMatchObject({ name: "InvocationDoesNotExist" });
    const listed = await ssm.send(
      new ListCommandsCommand({ Filters: [{ key: "DocumentName", value: DOCUMENT_NAME }] }),
    );
    expect(listed.Commands).toHaveLength(0);
    await sleep(130);
    expect((await get()).Status).toBe("InProgress");
    await sleep(300);
    const done = await get();
    expect(done).toMatchObject({ Status: "Success", ResponseCode: 0 });
    expect(JSON.parse(done.StandardOutputContent!.split("\n")[0])).toMatchObject({ outcome: "completed" });
    const list = await ssm.send(
      new ListCommandInvocationsCommand({ CommandId: Command!.CommandId, Details: true }),
    );
    // The download steps' plugins first, each having fetched its part, then the script's.
    const plugins = list.CommandInvocations?.[0].CommandPlugins ?? [];
    expect(plugins.map((p) => [p.Name, p.Status])).toEqual([
      ...programParts().map((_, i) => [`FetchProgramPart${i + 1}`, "Success"]),
      ["HttpResetPeer", "Success"],
    ]);
    expect(plugins[plugins.length - 1].Output).toContain('"completed"');
    const commands = await ssm.send(
      new ListCommandsCommand({ Filters: [{ key: "DocumentName", value: DOCUMENT_NAME }] }),
    );
    expect(commands.Commands?.[0]).toMatchObject({
      Status: "Success",
      Parameters: { ExperimentId: ["exp-1"] },
    });
    // Without a command ID: every command's invocations, filtered as ListCommands filters them.
    const filters = (after: string): CommandFilter[] => [
      { key: "DocumentName", value: DOCUMENT_NAME },
      { key: "InvokedAfter", value: after },
    ];
    const all = await ssm.send(
      new ListCommandInvocationsCommand({ Filters: filters("2026-01-01T00:00:00Z") }),
    );
    expect(all.CommandInvocations?.map((i) => i.CommandId)).toEqual([Command!.CommandId]);
    const later = await ssm.send(
      new ListCommandInvocationsCommand({ Filters: filters("2999-01-01T00:00:00Z") }),
    );
    expect(later.CommandInvocations).toEqual([]);
  });

  test("the agent fetches each program part as the instance, and retries a throttled fetch as the agent does", async () => {
    const [instance] = aws.fleet.addMany(1, { agent: new SimulatedAgent({ msPerSecond: 10 }) });
    const ssm = new SSMClient(config);
    // Every other call throttled: the agent's retries carry each fetch through.
    aws.calls.throttle(0.5, (service, operation) => service === "SSM" && operation === "GetDocument", 7);
    const { Command } = await ssm.send(inject([instance.id]));
    await waitForStatus(ssm, Command!.CommandId!, instance.id, "Success");
    const fetches = aws.calls.of("SSM:GetDocument");
    expect(fetches.every(byInstance)).toBe(true);
    expect(fetches.filter((c) => !c.throttled).map((c) => c.input)).toEqual(
      programParts().map((part) => ({ Name: part.name, DocumentVersion: "1" })),
    );
    expect(fetches.some((c) => c.throttled)).toBe(true);
  });

  test("a fetch still throttled after the agent's three retries fails its step, and the script refuses by name", async () => {
    const [instance] = aws.fleet.addMany(1, { agent: new SimulatedAgent({ msPerSecond: 10 }) });
    const ssm = new SSMClient(config);
    aws.calls.throttle(1, (service, operation) => service === "SSM" && operation === "GetDocument");
    const { Command } = await ssm.send(inject([instance.id]));
    await waitForStatus(ssm, Command!.CommandId!, instance.id, "Failed");
    // Four attempts a part: the first and three retries.
    expect(aws.calls.of("SSM:GetDocument")).toHaveLength(4 * programParts().length);
    const list = await ssm.send(
      new ListCommandInvocationsCommand({ CommandId: Command!.CommandId, Details: true }),
    );
    const plugins = list.CommandInvocations![0].CommandPlugins!;
    expect(plugins.slice(0, -1).map((p) => [p.Status, p.Output])).toEqual(
      programParts().map(() => ["Failed", "ThrottlingException: Rate exceeded"]),
    );
    expect(JSON.parse(plugins[plugins.length - 1].Output!.split("\n")[0])).toEqual({
      action: "Inject",
      error:
        "the program's part http-reset-peer/program-1.json was not fetched: the download step before this one says why",
    });
    expect(plugins[plugins.length - 1].ResponseCode).toBe(3);
  });

  test("CancelCommand kills the run and ends Cancelled; an offline instance times out in delivery", async () => {
    const agent = new SimulatedAgent({ msPerSecond: 10_000 });
    const [online] = aws.fleet.addMany(1, { agent });
    const [offline] = aws.fleet.addMany(1, { agent, pingStatus: "ConnectionLost" });
    const ssm = new SSMClient(config);
    const { Command } = await ssm.send(inject([online.id, offline.id]));
    await sleep(130);
    await expect(
      ssm.send(
        new CancelCommandCommand({ CommandId: Command!.CommandId, InstanceIds: Array(51).fill(online.id) }),
      ),
    ).rejects.toMatchObject({ name: "ValidationException" });
    await ssm.send(new CancelCommandCommand({ CommandId: Command!.CommandId, InstanceIds: [online.id] }));
    await sleep(10);
    const get = (id: string) =>
      ssm.send(new GetCommandInvocationCommand({ CommandId: Command!.CommandId, InstanceId: id }));
    expect((await get(online.id)).Status).toBe("Cancelled");
    expect(agent.runs[0].cancelled).toBe(true);
    expect((await get(offline.id)).Status).toBe("Pending");
    await sleep(650); // TimeoutSeconds 60 at 10 ms a second
    expect(await get(offline.id)).toMatchObject({ Status: "TimedOut", StatusDetails: "Delivery Timed Out" });
  });
});

describe("S3", () => {
  test("puts and gets objects; If-None-Match * refuses an existing key with 412; unknown keys and buckets are named", async () => {
    aws.s3.createBucket("records");
    const s3 = new S3Client(config);
    const put = (Body: string, IfNoneMatch?: string) =>
      s3.send(new PutObjectCommand({ Bucket: "records", Key: "a/stop.json", Body, IfNoneMatch }));
    await put('{"first":true}', "*");
    await expect(put('{"second":true}', "*")).rejects.toMatchObject({
      name: "PreconditionFailed",
      $metadata: { httpStatusCode: 412 },
    });
    const got = await s3.send(new GetObjectCommand({ Bucket: "records", Key: "a/stop.json" }));
    expect(JSON.parse((await got.Body?.transformToString()) ?? "")).toEqual({ first: true });
    await put('{"third":true}');
    expect(aws.s3.read("records", "a/stop.json")).toBe('{"third":true}');
    await expect(s3.send(new GetObjectCommand({ Bucket: "records", Key: "nope" }))).rejects.toMatchObject({
      name: "NoSuchKey",
    });
    await expect(
      s3.send(new PutObjectCommand({ Bucket: "other", Key: "x", Body: "" })),
    ).rejects.toMatchObject({ name: "NoSuchBucket" });
  });
});

describe("credentials, throttling and the call log", () => {
  test("AssumeRole needs trust; calls are attributed to the key that signed them", async () => {
    const target = "arn:aws:iam::222222222222:role/chaos";
    aws.sts.addRole(target, [FUNCTION_ROLE_ARN]);
    aws.sts.addRole("arn:aws:iam::222222222222:role/closed", []);
    const sts = new STSClient(config);
    const { Credentials } = await sts.send(new AssumeRoleCommand({ RoleArn: target, RoleSessionName: "s1" }));
    await expect(
      sts.send(
        new AssumeRoleCommand({ RoleArn: "arn:aws:iam::222222222222:role/closed", RoleSessionName: "s1" }),
      ),
    ).rejects.toMatchObject({ name: "AccessDenied" });
    const assumed = new STSClient({
      ...config,
      credentials: {
        accessKeyId: Credentials!.AccessKeyId!,
        secretAccessKey: Credentials!.SecretAccessKey!,
        sessionToken: Credentials!.SessionToken,
      },
    });
    expect((await assumed.send(new GetCallerIdentityCommand({}))).Arn).toBe(
      "arn:aws:sts::222222222222:assumed-role/chaos/s1",
    );
    expect(aws.calls.of("STS:GetCallerIdentity")[0].identity).toBe(
      "arn:aws:sts::222222222222:assumed-role/chaos/s1",
    );
    const stranger = new STSClient({
      ...config,
      credentials: { accessKeyId: "AKIAUNKNOWN", secretAccessKey: "x" },
    });
    await expect(stranger.send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({
      name: "UnrecognizedClientException",
    });
  });

  test("secrets and alarms", async () => {
    const arn = aws.secretsManager.put("chaos/creds", "[default]\naws_access_key_id=A\n");
    const secrets = new SecretsManagerClient(config);
    expect((await secrets.send(new GetSecretValueCommand({ SecretId: "chaos/creds" }))).ARN).toBe(arn);
    await expect(secrets.send(new GetSecretValueCommand({ SecretId: "nope" }))).rejects.toMatchObject({
      name: "ResourceNotFoundException",
    });
    aws.cloudwatch.addAlarm("errors");
    const cw = new CloudWatchClient(config);
    const state = async () =>
      (await cw.send(new DescribeAlarmsCommand({ AlarmNames: ["errors"] }))).MetricAlarms?.[0].StateValue;
    expect(await state()).toBe("OK");
    aws.cloudwatch.setAlarmState("errors", "ALARM");
    expect(await state()).toBe("ALARM");
  });

  test("throttled calls are retried by the SDK's adaptive retry, and every attempt is counted", async () => {
    aws.fleet.addMany(20);
    aws.calls.throttle(0.2);
    const ec2 = new EC2Client(config);
    for (let i = 0; i < 15; i++) await ec2.send(new DescribeInstancesCommand({ MaxResults: 5 }));
    const attempts = aws.calls.of("EC2:DescribeInstances");
    expect(attempts.filter((c) => !c.throttled)).toHaveLength(15);
    expect(aws.calls.throttledCount()).toBeGreaterThan(0);
    expect(aws.calls.throttledCount()).toBe(attempts.length - 15);
    expect(aws.calls.counts()["EC2:DescribeInstances"]).toBe(attempts.length);
  });
});
