/** The fake AWS keeps the contracts the handlers depend on, seen through the SDK's own clients. */
import "./support/environment";
import {
  CloudWatchClient,
  DescribeAlarmHistoryCommand,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  PutMetricDataCommand,
  type DescribeAlarmHistoryCommandInput,
  type MetricDataQuery,
} from "@aws-sdk/client-cloudwatch";
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

describe("CloudWatch GetMetricData and DescribeAlarmHistory", () => {
  // A time aligned to every period the tests use, long enough ago for none of them to care.
  const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
  const at = (seconds: number) => new Date(T0 + seconds * 1000);
  const ALB = "AWS/ApplicationELB";
  const lb = { LoadBalancer: "app/web/0123456789abcdef" };
  const metricQuery = (
    Id: string,
    MetricName: string,
    Stat: string,
    Period = 60,
    dimensions: Record<string, string> = lb,
  ): MetricDataQuery => ({
    Id,
    MetricStat: {
      Metric: {
        Namespace: ALB,
        MetricName,
        Dimensions: Object.entries(dimensions).map(([Name, Value]) => ({ Name, Value })),
      },
      Period,
      Stat,
    },
  });
  const getData = (queries: MetricDataQuery[], extra: { ScanBy?: "TimestampAscending" } = {}) =>
    new CloudWatchClient(config).send(
      new GetMetricDataCommand({ MetricDataQueries: queries, StartTime: at(0), EndTime: at(180), ...extra }),
    );
  const series = (results: { Id?: string; Timestamps?: Date[]; Values?: number[] }[] = []) =>
    Object.fromEntries(
      results.map((r) => [r.Id, r.Timestamps!.map((t, i) => [(t.getTime() - T0) / 1000, r.Values![i]])]),
    );

  test("aggregates exactly one metric's datapoints by Period and Stat in the time range, newest first", async () => {
    const hundred = Array.from({ length: 100 }, (_, i) => ({ at: at(i % 60), value: i + 1 }));
    aws.cloudwatch.record(ALB, "TargetResponseTime", lb, [
      ...hundred,
      { at: at(60), value: 10 },
      { at: at(90), value: 20 },
      { at: at(130), value: 5 },
      { at: at(-30), value: 1000 }, // in a period that starts before StartTime
      { at: at(180), value: 7777 }, // in the period that starts at EndTime
    ]);
    const thousand = Array.from({ length: 1000 }, (_, i) => ({ at: at(i % 60), value: i + 1 }));
    aws.cloudwatch.record(ALB, "RequestCount", lb, thousand);
    const withGroup = { TargetGroup: "targetgroup/web/0123", ...lb };
    aws.cloudwatch.record(ALB, "TargetResponseTime", withGroup, [{ at: at(10), value: 500 }]);
    const { MetricDataResults, NextToken } = await getData([
      metricQuery("sum", "TargetResponseTime", "Sum"),
      metricQuery("avg", "TargetResponseTime", "Average"),
      metricQuery("max", "TargetResponseTime", "Maximum"),
      metricQuery("p99", "TargetResponseTime", "p99"),
      metricQuery("p999", "RequestCount", "p99.9"),
      metricQuery("p161", "RequestCount", "p16.1"),
      metricQuery("threeMinutes", "TargetResponseTime", "Sum", 180),
      // The same set in another order is the same metric; a subset or no dimension is another.
      metricQuery("group", "TargetResponseTime", "Sum", 60, { ...lb, TargetGroup: withGroup.TargetGroup }),
      metricQuery("none", "TargetResponseTime", "Sum", 60, {}),
    ]);
    expect(series(MetricDataResults)).toEqual({
      sum: [
        [120, 5],
        [60, 30],
        [0, 5050],
      ],
      avg: [
        [120, 5],
        [60, 15],
        [0, 50.5],
      ],
      max: [
        [120, 5],
        [60, 20],
        [0, 100],
      ],
      p99: [
        [120, 5],
        [60, 20],
        [0, 99],
      ],
      p999: [[0, 999]],
      p161: [[0, 161]],
      threeMinutes: [[0, 5085]],
      group: [[0, 500]],
      none: [],
    });
    expect(MetricDataResults![0]).toMatchObject({
      Label: "TargetResponseTime",
      StatusCode: "Complete",
      Messages: [],
    });
    expect(NextToken).toBeUndefined();
    const ascending = await getData([metricQuery("sum", "TargetResponseTime", "Sum")], {
      ScanBy: "TimestampAscending",
    });
    expect(series(ascending.MetricDataResults).sum).toEqual([
      [0, 5050],
      [60, 30],
      [120, 5],
    ]);
  });

  test("reads what PutMetricData took: Values with Counts, statistic sets and single values", async () => {
    const minute = Math.floor(Date.now() / 60_000) * 60_000 - 10 * 60_000;
    const Dimensions = [{ Name: "Service", Value: "api" }];
    const cw = new CloudWatchClient(config);
    await cw.send(
      new PutMetricDataCommand({
        Namespace: "Chaos/Test",
        MetricData: [
          {
            MetricName: "Latency",
            Dimensions,
            Timestamp: new Date(minute + 1000),
            Values: [10, 20],
            Counts: [3, 1],
          },
          {
            MetricName: "Latency",
            Dimensions,
            Timestamp: new Date(minute + 2000),
            StatisticValues: { SampleCount: 4, Sum: 100, Minimum: 5, Maximum: 40 },
          },
          { MetricName: "Latency", Dimensions, Timestamp: new Date(minute + 3000), Value: 50 },
        ],
      }),
    );
    const query = (Id: string, Stat: string): MetricDataQuery => ({
      Id,
      MetricStat: {
        Metric: { Namespace: "Chaos/Test", MetricName: "Latency", Dimensions },
        Period: 60,
        Stat,
      },
    });
    const { MetricDataResults } = await cw.send(
      new GetMetricDataCommand({
        MetricDataQueries: [
          query("sum", "Sum"),
          query("n", "SampleCount"),
          query("min", "Minimum"),
          query("p50", "p50"),
        ],
        StartTime: new Date(minute),
        EndTime: new Date(minute + 60_000),
      }),
    );
    expect(MetricDataResults!.map((r) => [r.Id, r.Values])).toEqual([
      ["sum", [200]],
      ["n", [9]],
      ["min", [5]],
      // A statistic set whose Minimum and Maximum differ has no percentiles.
      ["p50", []],
    ]);
  });

  test("computes arithmetic over other queries' Ids, returning only the queries that ask for it", async () => {
    aws.cloudwatch.record(ALB, "HTTPCode_Target_5XX_Count", lb, [
      { at: at(0), value: 2 },
      { at: at(60), value: 3 },
    ]);
    aws.cloudwatch.record(ALB, "RequestCount", lb, [
      { at: at(0), value: 100 },
      { at: at(60), value: 50 },
      { at: at(120), value: 10 },
    ]);
    const hidden = (query: MetricDataQuery) => ({ ...query, ReturnData: false });
    const { MetricDataResults } = await getData([
      { Id: "rate", Expression: "100 * errors / requests", Label: "Error rate" },
      hidden(metricQuery("errors", "HTTPCode_Target_5XX_Count", "Sum")),
      hidden(metricQuery("requests", "RequestCount", "Sum")),
      { Id: "spare", Expression: "(requests - errors) * -1" },
    ]);
    expect(MetricDataResults!.map((r) => [r.Id, r.Label])).toEqual([
      ["rate", "Error rate"],
      ["spare", "spare"],
    ]);
    // The period with requests and no errors has no rate.
    expect(series(MetricDataResults)).toEqual({
      rate: [
        [60, 6],
        [0, 2],
      ],
      spare: [
        [60, -47],
        [0, -98],
      ],
    });
    await expect(getData([{ Id: "total", Expression: "SUM(METRICS())" }])).rejects.toThrow(
      'the fake CloudWatch does not implement the expression "SUM(METRICS())"',
    );
  });

  test("refuses requests GetMetricData's checks refuse, with ValidationError", async () => {
    const sum = metricQuery("sum", "RequestCount", "Sum");
    for (const [queries, message] of [
      [[], "Member must have length between 1 and 500"],
      [
        Array.from({ length: 501 }, (_, i) => ({ ...sum, Id: `q${i}` })),
        "Member must have length between 1 and 500",
      ],
      [[sum, sum], "The values for parameter id in MetricDataQueries are not unique."],
      [[{ ...sum, Id: "Sum" }], "The value Sum for parameter MetricDataQueries.member.1.Id is not matching"],
      [
        [metricQuery("odd", "RequestCount", "Sum", 20)],
        "MetricDataQueries.member.1.MetricStat.Period must be",
      ],
    ] as [MetricDataQuery[], string][]) {
      await expect(getData(queries)).rejects.toMatchObject({
        name: "ValidationError",
        message: expect.stringContaining(message),
      });
    }
    const cw = new CloudWatchClient(config);
    await expect(
      cw.send(new GetMetricDataCommand({ MetricDataQueries: [sum], StartTime: at(60), EndTime: at(60) })),
    ).rejects.toMatchObject({
      name: "ValidationError",
      message: "The parameter StartTime must not equal parameter EndTime.",
    });
  });

  test("DescribeAlarmHistory lists each change of state, newest first, in pages", async () => {
    aws.cloudwatch.addAlarm("latency");
    aws.cloudwatch.addAlarm("children", "CompositeAlarm");
    const cw = new CloudWatchClient(config);
    const history = async (input: DescribeAlarmHistoryCommandInput) =>
      cw.send(new DescribeAlarmHistoryCommand(input));
    expect((await history({ AlarmName: "latency" })).AlarmHistoryItems).toEqual([]);
    const crossed = "Threshold Crossed: 1 datapoint [9.0] was greater than the threshold (5.0).";
    aws.cloudwatch.setAlarmState("latency", "ALARM", crossed, at(0));
    aws.cloudwatch.setAlarmState("latency", "ALARM", "still", at(30)); // no change of state
    aws.cloudwatch.setAlarmState("latency", "OK", "back", at(60));
    aws.cloudwatch.setAlarmState("children", "ALARM", "a child alarm", at(90));
    aws.cloudwatch.setAlarmState("latency", "INSUFFICIENT_DATA", "no data", at(120));

    const first = await history({ AlarmName: "latency", HistoryItemType: "StateUpdate", MaxRecords: 2 });
    const second = await history({ AlarmName: "latency", MaxRecords: 2, NextToken: first.NextToken });
    expect(first.NextToken).toBeDefined();
    expect(second.NextToken).toBeUndefined();
    const items = [...first.AlarmHistoryItems!, ...second.AlarmHistoryItems!];
    expect(items.map((i) => [i.Timestamp, i.HistorySummary])).toEqual([
      [at(120), "Alarm updated from OK to INSUFFICIENT_DATA"],
      [at(60), "Alarm updated from ALARM to OK"],
      [at(0), "Alarm updated from OK to ALARM"],
    ]);
    expect(items[2]).toMatchObject({
      AlarmName: "latency",
      AlarmType: "MetricAlarm",
      HistoryItemType: "StateUpdate",
    });
    expect(JSON.parse(items[2].HistoryData!)).toEqual({
      version: "1.0",
      oldState: { stateValue: "OK", stateReason: "created" },
      newState: { stateValue: "ALARM", stateReason: crossed },
    });

    const inRange = await history({ StartDate: at(60), EndDate: at(120), ScanBy: "TimestampAscending" });
    expect(inRange.AlarmHistoryItems!.map((i) => i.Timestamp)).toEqual([at(60), at(120)]);
    const composite = await history({ AlarmTypes: ["CompositeAlarm"] });
    expect(composite.AlarmHistoryItems!.map((i) => [i.AlarmName, i.AlarmType])).toEqual([
      ["children", "CompositeAlarm"],
    ]);
    expect((await history({ HistoryItemType: "Action" })).AlarmHistoryItems).toEqual([]);
    await expect(history({ MaxRecords: 101 })).rejects.toMatchObject({ name: "ValidationError" });
    await expect(history({ NextToken: "made-up" })).rejects.toMatchObject({ name: "InvalidNextToken" });
  });
});
