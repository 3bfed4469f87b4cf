/**
 * A fake of the parts of EC2, SSM, CloudWatch and S3 the handlers use, behaving like AWS where it
 * matters: short pages with NextToken, the 50-ID limit, invocations SSM does not know yet right
 * after SendCommand, parameter and filter shapes. Built on aws-sdk-client-mock, so every call is
 * also recorded.
 */
import { SCRIPT_STEP } from "../../../lib/document-names";
import { downloadStepsOf, loadDocument } from "../../payload/support/document";
import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  PutMetricDataCommand,
  type DescribeAlarmsCommandInput,
  type PutMetricDataCommandInput,
} from "@aws-sdk/client-cloudwatch";
import {
  DescribeInstancesCommand,
  EC2Client,
  type DescribeInstancesCommandInput,
  type Filter,
} from "@aws-sdk/client-ec2";
import {
  CancelCommandCommand,
  DescribeInstanceInformationCommand,
  GetCommandInvocationCommand,
  GetParameterCommand,
  ListCommandInvocationsCommand,
  ListCommandsCommand,
  SendCommandCommand,
  SSMClient,
  type CancelCommandCommandInput,
  type DescribeInstanceInformationCommandInput,
  type GetCommandInvocationCommandInput,
  type GetParameterCommandInput,
  type ListCommandInvocationsCommandInput,
  type ListCommandsCommandInput,
  type SendCommandCommandInput,
} from "@aws-sdk/client-ssm";
import {
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type GetObjectCommandInput,
  type ListObjectsV2CommandInput,
  type PutObjectCommandInput,
} from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { setFaultClientFactory, type FaultAccess } from "../../../lambda/aws/aws-clients";
import { resetEnvironment } from "./environment";

/** The shipped document's download steps, by name. */
const DOWNLOAD_STEPS = downloadStepsOf(loadDocument()).map((step) => step.name);

/** Small pages, so that every listing needs NextToken. */
const PAGE_SIZE = 2;

export interface FakeInstance {
  state?: string;
  tags?: Record<string, string>;
  /** Undefined: not registered with SSM. */
  ping?: string;
  platform?: string;
}

interface FakeInvocation {
  status: string;
  statusDetails: string;
  output: string;
  /** The download step that failed, when the agent could not fetch a part of the program. */
  failedDownload?: string;
}

interface FakeCommand {
  id: string;
  documentName: string;
  instanceIds: string[];
  parameters: Record<string, string[]>;
  requestedAt: Date;
  /** ListCommandInvocations calls that still answer InvocationDoesNotExist. */
  unlistedPolls: number;
  invocations: Map<string, FakeInvocation>;
}

export function awsError(name: string, message = name): Error {
  return Object.assign(new Error(message), { name, $fault: "client", $metadata: { httpStatusCode: 400 } });
}

function page<T>(
  items: T[],
  nextToken: string | undefined,
  max: number | undefined,
  pageSize: number,
): { items: T[]; NextToken?: string } {
  const start = nextToken ? Number(nextToken) : 0;
  const end = start + Math.min(max ?? pageSize, pageSize);
  return { items: items.slice(start, end), ...(end < items.length ? { NextToken: String(end) } : {}) };
}

function requireIdLimit(ids: string[] | undefined): void {
  if ((ids?.length ?? 0) > 50)
    throw awsError("ValidationException", "Member must have length less than or equal to 50");
}

function tagsOf(instance: FakeInstance) {
  return Object.entries(instance.tags ?? {}).map(([Key, Value]) => ({ Key, Value }));
}

function matchesFilter(id: string, instance: FakeInstance, filter: Filter): boolean {
  const values = filter.Values ?? [];
  if (filter.Name === "instance-id") return values.includes(id);
  if (filter.Name === "instance-state-name") return values.includes(instance.state ?? "running");
  if (filter.Name === "tag-key") return values.some((k) => k in (instance.tags ?? {}));
  if (filter.Name?.startsWith("tag:"))
    return values.includes(instance.tags?.[filter.Name.slice(4)] ?? "\u0000");
  throw awsError("InvalidParameterValue", `The filter '${filter.Name}' is invalid`);
}

export class FakeAws {
  readonly ec2 = mockClient(EC2Client);
  readonly ssm = mockClient(SSMClient);
  readonly cloudwatch = mockClient(CloudWatchClient);
  readonly s3 = mockClient(S3Client);
  /** The records bucket's objects, by key. */
  readonly objects = new Map<string, string>();
  readonly instances = new Map<string, FakeInstance>();
  readonly commands: FakeCommand[] = [];
  readonly alarms = new Map<string, { state: string; composite?: boolean }>();
  /** The safety lever parameter's value. */
  lever = "released";
  /** Every FaultAccess the handlers asked clients for. */
  readonly accesses: FaultAccess[] = [];
  /** How many ListCommandInvocations calls a new command answers with InvocationDoesNotExist. */
  unlistedPolls = 1;
  /** How long after SendCommand a command appears in listings of the document's commands. */
  listingDelayMs = 0;
  /** The most items a page holds (AWS's own limits are larger; tests of thousands raise it). */
  pageSize = PAGE_SIZE;
  private nextId = 1;

  constructor() {
    setFaultClientFactory(async (access) => {
      this.accesses.push(access);
      return { ec2: new EC2Client({ region: access.region }), ssm: new SSMClient({ region: access.region }) };
    });
    this.ec2.on(DescribeInstancesCommand).callsFake((input: DescribeInstancesCommandInput) => {
      if (input.InstanceIds) throw new Error("the fake models instance-id filters only");
      const matching = [...this.instances].filter(([id, i]) =>
        (input.Filters ?? []).every((f) => matchesFilter(id, i, f)),
      );
      const { items, NextToken } = page(matching, input.NextToken, input.MaxResults, this.pageSize);
      return {
        Reservations: items.map(([id, i]) => ({
          Instances: [{ InstanceId: id, State: { Name: i.state ?? "running" }, Tags: tagsOf(i) }],
        })),
        NextToken,
      };
    });
    this.ssm
      .on(DescribeInstanceInformationCommand)
      .callsFake((input: DescribeInstanceInformationCommandInput) => {
        const ids = input.Filters?.find((f) => f.Key === "InstanceIds")?.Values;
        requireIdLimit(ids);
        if ((input.MaxResults ?? 50) > 50)
          throw awsError("ValidationException", "MaxResults must be at most 50");
        const registered = [...this.instances].filter(([id, i]) => i.ping && (!ids || ids.includes(id)));
        const { items, NextToken } = page(registered, input.NextToken, input.MaxResults, this.pageSize);
        return {
          InstanceInformationList: items.map(([id, i]) => ({
            InstanceId: id,
            PingStatus: i.ping,
            PlatformType: i.platform ?? "Linux",
          })),
          NextToken,
        };
      });
    this.ssm.on(GetParameterCommand).callsFake((input: GetParameterCommandInput) => {
      if (input.Name !== process.env.SAFETY_LEVER_PARAMETER)
        throw awsError("ParameterNotFound", `Parameter ${input.Name} not found.`);
      return { Parameter: { Name: input.Name, Type: "String", Value: this.lever } };
    });
    this.ssm.on(SendCommandCommand).callsFake((input: SendCommandCommandInput) => {
      requireIdLimit(input.InstanceIds);
      const command: FakeCommand = {
        id: `cmd-${this.nextId++}`,
        documentName: input.DocumentName ?? "",
        instanceIds: input.InstanceIds ?? [],
        parameters: input.Parameters ?? {},
        requestedAt: new Date(),
        unlistedPolls: this.unlistedPolls,
        invocations: new Map(
          (input.InstanceIds ?? []).map((id) => [
            id,
            { status: "InProgress", statusDetails: "InProgress", output: "" },
          ]),
        ),
      };
      this.commands.push(command);
      return { Command: { CommandId: command.id, InstanceIds: command.instanceIds, Status: "Pending" } };
    });
    this.ssm.on(ListCommandInvocationsCommand).callsFake((input: ListCommandInvocationsCommandInput) => {
      let rows: [FakeCommand, string, FakeInvocation][];
      if (input.CommandId) {
        const command = this.command(input.CommandId);
        if (command.unlistedPolls > 0) {
          command.unlistedPolls--;
          throw awsError("InvocationDoesNotExist");
        }
        rows = [...command.invocations].map(([id, inv]) => [command, id, inv]);
      } else {
        // Every command's invocations, filtered as ListCommands filters commands.
        rows = this.listedCommands(input.Filters).flatMap((c) =>
          [...c.invocations].map(([id, inv]): [FakeCommand, string, FakeInvocation] => [c, id, inv]),
        );
      }
      const { items, NextToken } = page(rows, input.NextToken, input.MaxResults, this.pageSize);
      return {
        CommandInvocations: items.map(([command, id, inv]) => ({
          CommandId: command.id,
          InstanceId: id,
          Status: inv.status,
          StatusDetails: inv.statusDetails,
          // One plugin a step: the document's download steps, then its script, whose output SSM
          // cuts in listings at 2,500 characters.
          ...(input.Details
            ? {
                CommandPlugins: [
                  ...DOWNLOAD_STEPS.map((Name) =>
                    Name === inv.failedDownload
                      ? { Name, Status: "Failed", Output: "ThrottlingException: Rate exceeded" }
                      : { Name, Status: "Success", Output: "Content downloaded" },
                  ),
                  { Name: SCRIPT_STEP, Output: inv.output.slice(0, 2500) },
                ],
              }
            : {}),
        })),
        NextToken,
      };
    });
    // One invocation's step with the first 24,000 characters of its output, as SSM gives them; a
    // document of several steps must be told which:
    // https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetCommandInvocation.html
    this.ssm.on(GetCommandInvocationCommand).callsFake((input: GetCommandInvocationCommandInput) => {
      const invocation = this.command(input.CommandId).invocations.get(input.InstanceId ?? "");
      if (!invocation) throw awsError("InvocationDoesNotExist");
      if (input.PluginName !== SCRIPT_STEP && !DOWNLOAD_STEPS.includes(input.PluginName ?? ""))
        throw awsError("InvalidPluginName");
      return {
        CommandId: input.CommandId,
        InstanceId: input.InstanceId,
        PluginName: input.PluginName,
        Status: invocation.status,
        StandardOutputContent: input.PluginName === SCRIPT_STEP ? invocation.output.slice(0, 24000) : "",
      };
    });
    this.ssm.on(ListCommandsCommand).callsFake((input: ListCommandsCommandInput) => {
      const { items, NextToken } = page(
        this.listedCommands(input.Filters).reverse(),
        input.NextToken,
        input.MaxResults,
        this.pageSize,
      );
      return {
        Commands: items.map((c) => ({
          CommandId: c.id,
          DocumentName: c.documentName,
          InstanceIds: c.instanceIds,
          Parameters: c.parameters,
          RequestedDateTime: c.requestedAt,
          Status: this.commandStatus(c),
        })),
        NextToken,
      };
    });
    this.ssm.on(CancelCommandCommand).callsFake((input: CancelCommandCommandInput) => {
      requireIdLimit(input.InstanceIds);
      const command = this.command(input.CommandId);
      for (const id of input.InstanceIds ?? command.instanceIds) {
        const invocation = command.invocations.get(id);
        if (invocation && ["Pending", "InProgress"].includes(invocation.status)) {
          Object.assign(invocation, { status: "Cancelled", statusDetails: "Cancelled" });
        }
      }
      return {};
    });
    this.cloudwatch.on(DescribeAlarmsCommand).callsFake((input: DescribeAlarmsCommandInput) => {
      if ((input.AlarmNames?.length ?? 0) > 100)
        throw awsError("ValidationException", "at most 100 alarm names");
      const types = input.AlarmTypes ?? ["MetricAlarm"];
      const named = [...this.alarms].filter(([name]) => input.AlarmNames?.includes(name));
      const of = (composite: boolean) =>
        named
          .filter(([, a]) => !!a.composite === composite)
          .map(([AlarmName, a]) => ({ AlarmName, StateValue: a.state }));
      return {
        MetricAlarms: types.includes("MetricAlarm") ? of(false) : [],
        CompositeAlarms: types.includes("CompositeAlarm") ? of(true) : [],
      };
    });
    // PutMetricData takes at most 1,000 metrics a request, in a namespace not beginning with "AWS/".
    this.cloudwatch.on(PutMetricDataCommand).callsFake((input: PutMetricDataCommandInput) => {
      if ((input.MetricData?.length ?? 0) > 1000)
        throw awsError("ValidationException", "at most 1000 items in metricData");
      if (!input.Namespace || input.Namespace.startsWith("AWS/")) throw awsError("InvalidParameterValue");
      return {};
    });
    const requireBucket = (bucket: string | undefined) => {
      if (bucket !== process.env.RECORDS_BUCKET) throw awsError("NoSuchBucket");
    };
    this.s3.on(PutObjectCommand).callsFake((input: PutObjectCommandInput) => {
      requireBucket(input.Bucket);
      if (input.IfNoneMatch === "*" && this.objects.has(input.Key ?? ""))
        throw awsError("PreconditionFailed");
      this.objects.set(input.Key ?? "", String(input.Body));
      return {};
    });
    // Keys under a prefix in order, a page at a time, as the other listings are paged.
    this.s3.on(ListObjectsV2Command).callsFake((input: ListObjectsV2CommandInput) => {
      requireBucket(input.Bucket);
      const keys = [...this.objects.keys()].filter((k) => k.startsWith(input.Prefix ?? "")).sort();
      const { items, NextToken } = page(keys, input.ContinuationToken, input.MaxKeys, this.pageSize);
      return {
        Contents: items.map((Key) => ({ Key })),
        IsTruncated: NextToken !== undefined,
        ...(NextToken ? { NextContinuationToken: NextToken } : {}),
      };
    });
    this.s3.on(GetObjectCommand).callsFake((input: GetObjectCommandInput) => {
      requireBucket(input.Bucket);
      const text = this.objects.get(input.Key ?? "");
      if (text === undefined) throw awsError("NoSuchKey");
      return { Body: { transformToString: async () => text } };
    });
  }

  /** A record the handlers wrote, parsed. */
  record(key: string): unknown {
    const text = this.objects.get(key);
    if (text === undefined)
      throw new Error(`no object ${key}; there are ${[...this.objects.keys()].join(", ")}`);
    return JSON.parse(text);
  }

  /** Adds instances that are running, online and Linux unless told otherwise. */
  addInstances(ids: string[], instance: FakeInstance = {}): void {
    for (const id of ids)
      this.instances.set(id, { state: "running", ping: "Online", platform: "Linux", ...instance });
  }

  /** Ends a command's invocation on an instance, with the document's output. */
  finish(commandId: string, instanceId: string, status: string, output = ""): void {
    const command = this.command(commandId);
    const invocation = command.invocations.get(instanceId);
    if (!invocation) throw new Error(`no invocation of ${commandId} on ${instanceId}`);
    Object.assign(invocation, { status, statusDetails: status, output });
    // An invocation that ended has long been listed.
    command.unlistedPolls = 0;
  }

  /**
   * Ends a command's invocation on an instance as the agent does when a download step could not
   * fetch a part of the program: that step Failed, and the script refused with exit 3.
   */
  undeliver(commandId: string, instanceId: string): void {
    const part = DOWNLOAD_STEPS.length;
    this.finish(
      commandId,
      instanceId,
      "Failed",
      JSON.stringify({
        action: "Inject",
        error: `the program's part http-reset-peer/program-${part}.json was not fetched: the download step before this one says why`,
      }) + "\n",
    );
    this.command(commandId).invocations.get(instanceId)!.failedDownload = DOWNLOAD_STEPS[part - 1];
  }

  /** The commands the handlers sent, with the given Action. */
  sent(action: "Inject" | "Cleanup"): FakeCommand[] {
    return this.commands.filter((c) => c.parameters.Action?.[0] === action);
  }

  restore(): void {
    this.ec2.restore();
    this.ssm.restore();
    this.cloudwatch.restore();
    this.s3.restore();
    setFaultClientFactory();
  }

  /** The commands ListCommands' filters (DocumentName, InvokedAfter) keep. */
  private listedCommands(filters: { key?: string; value?: string }[] | undefined): FakeCommand[] {
    const filter = (key: string) => filters?.find((f) => f.key === key)?.value;
    const after = filter("InvokedAfter");
    return this.commands.filter(
      (c) =>
        Date.now() - c.requestedAt.getTime() >= this.listingDelayMs &&
        (!filter("DocumentName") || c.documentName === filter("DocumentName")) &&
        (!after || c.requestedAt >= new Date(after)),
    );
  }

  private command(commandId: string | undefined): FakeCommand {
    const command = this.commands.find((c) => c.id === commandId);
    if (!command) throw awsError("InvalidCommandId");
    return command;
  }

  private commandStatus(c: FakeCommand): string {
    const statuses = [...c.invocations.values()].map((i) => i.status);
    if (statuses.some((s) => s === "Pending" || s === "InProgress")) return "InProgress";
    if (statuses.every((s) => s === "Success")) return "Success";
    return statuses.includes("Cancelled") ? "Cancelled" : "Failed";
  }
}

/** Instance IDs i-000...0001 onwards, in the 17-hex-digit form. */
export const instanceIds = (count: number, from = 1): string[] =>
  Array.from({ length: count }, (_, n) => `i-${(from + n).toString(16).padStart(17, "0")}`);

/**
 * A fresh fake AWS for each test, restored after it together with the handlers' environment and
 * any spies. Returns a getter for the current test's fake.
 */
export function useFakeAws(): () => FakeAws {
  let aws: FakeAws;
  beforeEach(() => {
    aws = new FakeAws();
  });
  afterEach(() => {
    aws.restore();
    resetEnvironment();
    jest.restoreAllMocks();
  });
  return () => aws;
}
