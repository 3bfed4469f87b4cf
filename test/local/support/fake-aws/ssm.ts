/**
 * SSM's Run Command and fleet APIs, with the contracts the handlers rely on: at most 50 instance
 * IDs per SendCommand and CancelCommand, parameters checked against the document's own patterns,
 * invocations unknown for a moment after SendCommand, MaxResults ranges and NextToken pages,
 * outputs cut where SSM cuts them.
 */
import { randomUUID } from "node:crypto";
import {
  InvalidCommandId,
  InvalidDocument,
  InvalidFilterKey,
  InvalidInstanceId,
  InvalidNextToken,
  InvalidParameters,
  InvocationDoesNotExist,
  SSMServiceException,
  type CancelCommandCommandInput,
  type DescribeInstanceInformationCommandInput,
  type GetCommandInvocationCommandInput,
  type ListCommandInvocationsCommandInput,
  type ListCommandsCommandInput,
  type SendCommandCommandInput,
} from "@aws-sdk/client-ssm";
import { unpinnedPart } from "../../../../lib/document-names";
import { programParts } from "../../../../scripts/program-parts";
import { instanceIdentity, type CallLog } from "./calls";
import { serviceError, validationError, type ServiceExceptionClass } from "./errors";
import type { FakeInstance, Fleet } from "./fleet";
import { FakeParameterStore } from "./parameter-store";
import { page } from "./pages";
import { checkParameters, readDocument, type RegisteredDocument } from "./ssm-document";
import {
  commandStatus,
  InvocationRunner,
  type CommandRecord,
  type Fetched,
  type Invocation,
  type Timing,
} from "./ssm-commands";

/** GetCommandInvocation's StandardOutputContent. */
export const OUTPUT_LIMIT = 24000;
/** ListCommandInvocations' plugin Output. */
export const SUMMARY_LIMIT = 2500;
export const MAX_INSTANCE_IDS = 50;

const modeled = (Kind: ServiceExceptionClass, message: string) => serviceError(Kind, Kind.name, message);
const validation = (message: string) =>
  validationError(SSMServiceException as ServiceExceptionClass, message);
const asClass = (k: unknown) => k as ServiceExceptionClass;

/**
 * How the agent retries a throttled call: three times, after 1–1.5 s, 2–3 s and 4–6 s
 * (amazon-ssm-agent's agent/sdkutil/awsconfig.go, NumMaxRetries 3, and agent/sdkutil/retryer/retryer.go).
 */
const AGENT_RETRIES = 3;
const agentRetryDelaySeconds = (retry: number) => 2 ** retry * (1 + Math.random() / 2);

const PERCENT_OR_COUNT = /^([1-9][0-9]*|[0]|[1-9][0-9]%|[0-9]%|100%)$/;

function checkMaxResults(value: number | undefined, min: number, max: number): void {
  if (value !== undefined && (value < min || value > max)) {
    throw validation(
      `Value '${value}' at 'maxResults' failed to satisfy constraint: Member must have value between ${min} and ${max}`,
    );
  }
}

function checkIdCount(ids: string[] | undefined, field: string): void {
  if (ids && ids.length > MAX_INSTANCE_IDS) {
    throw validation(
      `Value '[${ids.join(", ")}]' at '${field}' failed to satisfy constraint: Member must have length less than or equal to ${MAX_INSTANCE_IDS}`,
    );
  }
}

/**
 * ListCommands' and ListCommandInvocations' filters: by the document, the time the command was
 * sent, and the status of what is listed (the command's, or the invocation's).
 */
function filtered<T>(
  rows: T[],
  filters: { key?: string; value?: string }[] | undefined,
  view: (row: T) => { command: CommandRecord; status: string },
): T[] {
  const at = (text: string) => {
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(text)) {
      throw modeled(asClass(InvalidFilterKey), `Filter value ${text} is not a valid timestamp`);
    }
    return Date.parse(text);
  };
  return (filters ?? []).reduce((kept, { key, value = "" }) => {
    const keep: Record<string, (row: T) => boolean> = {
      DocumentName: (row) => view(row).command.documentName === value,
      InvokedAfter: (row) => view(row).command.requestedAt.getTime() >= at(value),
      InvokedBefore: (row) => view(row).command.requestedAt.getTime() <= at(value),
      Status: (row) => view(row).status === value,
    };
    const test = keep[key ?? ""];
    if (!test) throw modeled(asClass(InvalidFilterKey), `Filter key ${key} is not supported by the fake`);
    return kept.filter(test);
  }, rows);
}

const cut = (text: string, limit: number) => (text.length > limit ? text.slice(0, limit) : text);

export class FakeSsm {
  readonly documents = new Map<string, RegisteredDocument>();
  /** The commands sent, by ID, in the order sent: runs of thousands ask for one at a time. */
  private readonly byId = new Map<string, CommandRecord>();
  private readonly runner: InvocationRunner;

  constructor(
    private readonly fleet: Fleet,
    readonly timing: Timing = { visibilityMs: 300, deliveryMs: 50, msPerTimeoutSecond: 1000 },
    private readonly calls?: CallLog,
  ) {
    this.runner = new InvocationRunner(timing, (instanceId, name) => this.agentGetDocument(instanceId, name));
  }

  /**
   * What an instance's agent does for a download step of sourceType SSMDocument: GetDocument, by
   * name and version, under the instance's own credentials (agent/plugins/downloadcontent/
   * ssmdocresource), retried as the agent retries. Logged as the instance's calls; throttled as
   * the call log says.
   */
  private async agentGetDocument(instanceId: string, sourceName: string): Promise<Fetched> {
    const [, name, version] = /^(.*?)(?::([0-9]+))?$/.exec(sourceName)!;
    for (let retry = 0; ; retry++) {
      const throttled = this.calls?.shouldThrottle("SSM", "GetDocument") ?? false;
      this.calls?.record({
        service: "SSM",
        operation: "GetDocument",
        input: { Name: name, ...(version ? { DocumentVersion: version } : {}) },
        accessKeyId: "",
        identity: instanceIdentity(instanceId),
        region: "",
        throttled,
      });
      if (!throttled) break;
      if (retry === AGENT_RETRIES) return { output: "ThrottlingException: Rate exceeded" };
      await new Promise((resolve) =>
        setTimeout(resolve, agentRetryDelaySeconds(retry) * this.timing.msPerTimeoutSecond),
      );
    }
    const document = this.documents.get(unpinnedPart(name));
    // A document created once has its first version only.
    if (!document || (version !== undefined && version !== "1")) {
      return { output: `InvalidDocument: Document with name ${sourceName} does not exist` };
    }
    return { content: JSON.stringify(document.content), output: "Content downloaded" };
  }

  /** Creates a Command document, as CreateDocument would; the shipped YAML unless content is given. */
  createDocument(name: string, content?: string | object): void {
    this.documents.set(name, readDocument(name, content));
  }

  /** Creates the shipped document and its program's committed parts, as `aws ssm create-document` would. */
  createShippedDocuments(name: string): void {
    for (const part of programParts()) this.createDocument(part.name, part.content);
    this.createDocument(name);
  }

  /** Every command sent, in order. */
  get commands(): CommandRecord[] {
    return [...this.byId.values()];
  }

  /** The commands sent with this Action ("Inject", "Cleanup"), in order. */
  commandsOf(action: string): CommandRecord[] {
    return this.commands.filter((c) => c.parameters.Action?.[0] === action);
  }

  /** The command with this ID, if it is known; every command without one. */
  private commandsWithId(commandId: string | undefined): CommandRecord[] {
    if (!commandId) return this.commands;
    const command = this.byId.get(commandId);
    return command ? [command] : [];
  }

  private visible(command: CommandRecord): boolean {
    return Date.now() >= command.visibleAt;
  }

  private command(commandId: string | undefined): CommandRecord {
    const command = this.byId.get(commandId ?? "");
    if (!command) throw modeled(asClass(InvalidCommandId), "");
    return command;
  }

  private managed(id: string): FakeInstance | undefined {
    const instance = this.fleet.get(id);
    return instance?.managed && instance.state !== "terminated" ? instance : undefined;
  }

  /** Parameter Store, which is SSM's too. */
  readonly parameters = new FakeParameterStore();

  GetParameter(input: { Name: string }) {
    return this.parameters.GetParameter(input);
  }

  PutParameter(input: { Name: string; Value: string; Overwrite?: boolean; AllowedPattern?: string }) {
    return this.parameters.PutParameter(input);
  }

  SendCommand(input: SendCommandCommandInput) {
    if (input.Targets?.length) throw new Error("the fake SSM supports InstanceIds only, not Targets");
    const ids = input.InstanceIds ?? [];
    checkIdCount(ids, "instanceIds");
    if (!ids.length) throw validation("InstanceIds or Targets must be given");
    if (new Set(ids).size !== ids.length) throw modeled(asClass(InvalidInstanceId), "Duplicate instance IDs");
    if (input.Comment && input.Comment.length > 100) {
      throw validation(
        "Value at 'comment' failed to satisfy constraint: Member must have length less than or equal to 100",
      );
    }
    const timeoutSeconds = input.TimeoutSeconds ?? 3600;
    if (timeoutSeconds < 30 || timeoutSeconds > 2592000) {
      throw validation(
        `Value '${timeoutSeconds}' at 'timeoutSeconds' failed to satisfy constraint: Member must have value between 30 and 2592000`,
      );
    }
    for (const [field, value] of [
      ["maxConcurrency", input.MaxConcurrency],
      ["maxErrors", input.MaxErrors],
    ] as const) {
      if (value !== undefined && !PERCENT_OR_COUNT.test(value)) {
        throw validation(
          `Value '${value}' at '${field}' failed to satisfy constraint: Member must satisfy regular expression pattern`,
        );
      }
    }
    const document = this.documents.get(input.DocumentName ?? "");
    if (!document)
      throw modeled(asClass(InvalidDocument), `Document with name ${input.DocumentName} does not exist`);
    const unmanaged = ids.filter((id) => !this.managed(id));
    if (unmanaged.length)
      throw modeled(
        asClass(InvalidInstanceId),
        `Instances [[${unmanaged.join(", ")}]] not in a valid state for account 111111111111`,
      );
    const checked = checkParameters(document, input.Parameters);
    if ("problem" in checked) throw modeled(asClass(InvalidParameters), checked.problem);

    const commandId = randomUUID();
    const command: CommandRecord = {
      commandId,
      documentName: document.name,
      parameters: structuredClone(input.Parameters ?? {}),
      values: checked.values,
      instanceIds: [...ids],
      comment: input.Comment ?? "",
      requestedAt: new Date(),
      timeoutSeconds,
      maxConcurrency: input.MaxConcurrency ?? "50",
      maxErrors: input.MaxErrors ?? "0",
      visibleAt: Date.now() + this.timing.visibilityMs,
      invocations: new Map(),
    };
    this.byId.set(commandId, command);
    for (const id of ids) {
      const invocation: Invocation = {
        commandId,
        instanceId: id,
        status: "Pending",
        statusDetails: "Pending",
        responseCode: -1,
        stdout: "",
        stderr: "",
      };
      command.invocations.set(id, invocation);
      this.runner.start(command, invocation, this.managed(id) as FakeInstance, document);
    }
    return { Command: this.asCommand(command) };
  }

  private asCommand(c: CommandRecord) {
    const invocations = [...c.invocations.values()];
    const status = commandStatus(c);
    return {
      CommandId: c.commandId,
      DocumentName: c.documentName,
      DocumentVersion: "$DEFAULT",
      Comment: c.comment,
      Parameters: structuredClone(c.parameters),
      InstanceIds: [...c.instanceIds],
      Targets: [],
      RequestedDateTime: c.requestedAt,
      ExpiresAfter: new Date(c.requestedAt.getTime() + c.timeoutSeconds * 1000),
      Status: status,
      StatusDetails: status,
      MaxConcurrency: c.maxConcurrency,
      MaxErrors: c.maxErrors,
      TimeoutSeconds: c.timeoutSeconds,
      TargetCount: invocations.length,
      CompletedCount: invocations.filter((i) => i.endedAt).length,
      ErrorCount: invocations.filter((i) => i.status === "Failed").length,
      DeliveryTimedOutCount: invocations.filter((i) => i.statusDetails === "Delivery Timed Out").length,
    };
  }

  GetCommandInvocation(input: GetCommandInvocationCommandInput) {
    const command = this.byId.get(input.CommandId ?? "");
    const invocation =
      command && this.visible(command) ? command.invocations.get(input.InstanceId ?? "") : undefined;
    if (!command || !invocation) throw modeled(asClass(InvocationDoesNotExist), "");
    const i = invocation;
    const elapsed = i.startedAt ? ((i.endedAt ?? new Date()).getTime() - i.startedAt.getTime()) / 1000 : 0;
    return {
      CommandId: i.commandId,
      InstanceId: i.instanceId,
      Comment: command.comment,
      DocumentName: command.documentName,
      DocumentVersion: "$DEFAULT",
      PluginName: "HttpResetPeer",
      ResponseCode: i.responseCode,
      ExecutionStartDateTime: i.startedAt?.toISOString() ?? "",
      ExecutionElapsedTime: `PT${elapsed.toFixed(3)}S`,
      ExecutionEndDateTime: i.endedAt?.toISOString() ?? "",
      Status: i.status,
      StatusDetails: i.statusDetails,
      StandardOutputContent: cut(i.stdout, OUTPUT_LIMIT),
      StandardOutputUrl: "",
      StandardErrorContent: cut(i.stderr, OUTPUT_LIMIT),
      StandardErrorUrl: "",
      CloudWatchOutputConfig: { CloudWatchLogGroupName: "", CloudWatchOutputEnabled: false },
    };
  }

  private asInvocation(c: CommandRecord, i: Invocation, details: boolean) {
    return {
      CommandId: c.commandId,
      InstanceId: i.instanceId,
      InstanceName: "",
      Comment: c.comment,
      DocumentName: c.documentName,
      DocumentVersion: "$DEFAULT",
      RequestedDateTime: c.requestedAt,
      Status: i.status,
      StatusDetails: i.statusDetails,
      TraceOutput: "",
      StandardOutputUrl: "",
      StandardErrorUrl: "",
      CommandPlugins: details
        ? [
            ...(i.downloadSteps ?? []).map((step) => ({
              Name: step.name,
              Status: step.status,
              StatusDetails: step.status,
              ResponseCode: step.status === "Success" ? 0 : 1,
              Output: cut(step.output, SUMMARY_LIMIT),
              StandardOutputUrl: "",
              StandardErrorUrl: "",
            })),
            {
              Name: this.documents.get(c.documentName)?.scriptStep ?? "",
              Status: i.status,
              StatusDetails: i.statusDetails,
              ResponseCode: i.responseCode,
              ResponseStartDateTime: i.startedAt,
              ResponseFinishDateTime: i.endedAt,
              Output: cut(
                i.stdout + (i.stderr ? `\n----------ERROR-------\n${i.stderr}` : ""),
                SUMMARY_LIMIT,
              ),
              StandardOutputUrl: "",
              StandardErrorUrl: "",
            },
          ]
        : [],
    };
  }

  ListCommandInvocations(input: ListCommandInvocationsCommandInput) {
    checkMaxResults(input.MaxResults, 1, 50);
    if (input.CommandId) this.command(input.CommandId);
    const rows = filtered(
      this.commandsWithId(input.CommandId)
        .filter((c) => this.visible(c))
        .flatMap((c) => [...c.invocations.values()].map((i) => ({ c, i })))
        .filter(({ i }) => !input.InstanceId || i.instanceId === input.InstanceId),
      input.Filters,
      ({ c, i }) => ({ command: c, status: i.status }),
    );
    const { items, nextToken } = page(rows, input.MaxResults ?? 50, input.NextToken, () =>
      modeled(asClass(InvalidNextToken), "The specified token is not valid"),
    );
    return {
      CommandInvocations: items.map(({ c, i }) => this.asInvocation(c, i, input.Details ?? false)),
      ...(nextToken ? { NextToken: nextToken } : {}),
    };
  }

  ListCommands(input: ListCommandsCommandInput) {
    checkMaxResults(input.MaxResults, 1, 50);
    let rows = this.commandsWithId(input.CommandId)
      .filter((c) => this.visible(c))
      .reverse();
    if (input.InstanceId) rows = rows.filter((c) => c.instanceIds.includes(input.InstanceId as string));
    rows = filtered(rows, input.Filters, (c) => ({ command: c, status: commandStatus(c) }));
    const { items, nextToken } = page(rows, input.MaxResults ?? 50, input.NextToken, () =>
      modeled(asClass(InvalidNextToken), "The specified token is not valid"),
    );
    return { Commands: items.map((c) => this.asCommand(c)), ...(nextToken ? { NextToken: nextToken } : {}) };
  }

  CancelCommand(input: CancelCommandCommandInput) {
    checkIdCount(input.InstanceIds, "instanceIds");
    const command = this.command(input.CommandId);
    const ids = input.InstanceIds?.length ? input.InstanceIds : command.instanceIds;
    const strangers = ids.filter((id) => !command.invocations.has(id));
    if (strangers.length)
      throw modeled(
        asClass(InvalidInstanceId),
        `Instances ${strangers.join(", ")} are not targets of the command`,
      );
    for (const id of ids) this.runner.stop(command.invocations.get(id) as Invocation, "Cancelled");
    return {};
  }

  DescribeInstanceInformation(input: DescribeInstanceInformationCommandInput) {
    checkMaxResults(input.MaxResults, 5, 50);
    let rows = this.fleet.all().filter((i) => i.managed && i.state !== "terminated");
    const filters = [
      ...(input.Filters ?? []).map((f) => ({ key: f.Key ?? "", values: f.Values ?? [] })),
      ...(input.InstanceInformationFilterList ?? []).map((f) => ({
        key: f.key ?? "",
        values: f.valueSet ?? [],
      })),
    ];
    for (const { key, values } of filters) {
      if (key === "InstanceIds") rows = rows.filter((i) => values.includes(i.id));
      else if (key === "PingStatus") rows = rows.filter((i) => values.includes(this.ping(i)));
      else if (key === "PlatformTypes") rows = rows.filter((i) => values.includes(i.platform));
      else throw modeled(asClass(InvalidFilterKey), `Filter key ${key} is not supported by the fake`);
    }
    const { items, nextToken } = page(rows, input.MaxResults ?? 50, input.NextToken, () =>
      modeled(asClass(InvalidNextToken), "The specified token is not valid"),
    );
    return {
      InstanceInformationList: items.map((i) => ({
        InstanceId: i.id,
        PingStatus: this.ping(i),
        LastPingDateTime: new Date(),
        AgentVersion: "3.3.2746.0",
        IsLatestVersion: true,
        PlatformType: i.platform,
        PlatformName: i.platform === "Linux" ? "Amazon Linux" : "Microsoft Windows Server 2022 Datacenter",
        PlatformVersion: i.platform === "Linux" ? "2023" : "10.0.20348",
        ResourceType: "EC2Instance",
        IPAddress: "198.18.0.1",
        ComputerName: `${i.id}.local`,
      })),
      ...(nextToken ? { NextToken: nextToken } : {}),
    };
  }

  /** A stopped instance's agent stops pinging. */
  private ping(i: FakeInstance): FakeInstance["pingStatus"] {
    return i.state === "running" ? i.pingStatus : "ConnectionLost";
  }

  /** Ends every timer, and kills every script still running. */
  dispose(): Promise<void> {
    return this.runner.dispose();
  }
}
