/**
 * The fault as it would be deployed: a stack with the construct is synthesized (bundling skipped)
 * and everything the local run needs is read from the template, with CloudFormation's intrinsic
 * functions resolved to made-up physical names: the state machine's ASL, each task's function
 * and its environment and timeout, the documents and their contents, the abort rule's statuses, and the
 * schedules' inputs.
 */
import { App, Stack } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { HttpResetPeerFault, type HttpResetPeerFaultProps } from "../../../../lib";
import type { FaultTaskFunctions } from "../../../../lib/task-functions";

export const ACCOUNT = "111111111111";
export const REGION = "eu-west-1";
/** The role the state machine acts with, as its executions' context names it. */
export const STATE_MACHINE_ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/StateMachineRole`;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
interface Resource {
  Type: string;
  Properties?: Record<string, Json>;
}

export type TaskName = keyof FaultTaskFunctions;

const TASKS: TaskName[] = [
  "resolveTargets",
  "sendCommand",
  "checkProgress",
  "cleanup",
  "report",
  "stopExperiments",
  "checkSteadyState",
  "sampleProbes",
  "probeHttp",
];

export interface DeployedFunction {
  readonly task: TaskName;
  readonly arn: string;
  readonly environment: Record<string, string>;
  readonly timeoutSeconds: number;
  /** What Lambda bills duration by: the memory configured, and the processor. */
  readonly memorySizeMb: number;
  readonly architecture: "x86_64" | "arm64";
}

export interface Deployment {
  /** The state machine's definition, as Step Functions receives it. */
  readonly definition: Record<string, Json>;
  readonly stateMachineArn: string;
  readonly functions: DeployedFunction[];
  readonly documentName: string;
  /** Every SSM document the template creates, the fault's and its program's parts, with its content. */
  readonly documents: { readonly name: string; readonly content: Record<string, Json> }[];
  /** The statuses the abort rule matches, for this state machine. */
  readonly abortStatuses: string[];
  /** The rule on stop-condition alarms going to ALARM: the alarms' ARNs, and the function it invokes. */
  readonly alarmRule?: { readonly alarmArns: string[]; readonly target: DeployedFunction };
  /** The safety lever: its parameter as deployed, and the rule on its changes. */
  readonly safetyLever: {
    readonly name: string;
    readonly value: string;
    readonly allowedPattern: string;
    readonly operations: string[];
    readonly target: DeployedFunction;
  };
  /** Each schedule's target input, as the scheduler sends it. */
  readonly scheduleInputs: string[];
  /** The bucket of the experiments' records. */
  readonly recordsBucket: string;
}

function resolver(resources: Record<string, Resource>) {
  const physical = (id: string): string => {
    const r = resources[id];
    if (!r) throw new Error(`the template has no resource ${id}`);
    switch (r.Type) {
      case "AWS::Lambda::Function":
        return `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${id}`;
      case "AWS::IAM::Role":
        return `arn:aws:iam::${ACCOUNT}:role/${id}`;
      case "AWS::StepFunctions::StateMachine":
        return `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${id}`;
      case "AWS::SSM::Document":
        return String(r.Properties?.Name ?? id);
      case "AWS::SecretsManager::Secret":
        return `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${id}-AbCdEf`;
      case "AWS::CloudWatch::Alarm":
        return String(r.Properties?.AlarmName ?? id);
      default:
        return id;
    }
  };
  const pseudo: Record<string, string> = {
    "AWS::Partition": "aws",
    "AWS::Region": REGION,
    "AWS::AccountId": ACCOUNT,
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::StackName": "Local",
  };
  const resolve = (value: Json): Json => {
    if (Array.isArray(value)) return value.map(resolve);
    if (value === null || typeof value !== "object") return value;
    const [key] = Object.keys(value);
    const arg = value[key];
    if (key === "Ref") return pseudo[arg as string] ?? physical(arg as string);
    if (key === "Fn::GetAtt") {
      const [id, attribute] = arg as string[];
      if (attribute === "Arn" && resources[id]?.Type === "AWS::CloudWatch::Alarm") {
        return `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${physical(id)}`;
      }
      if (attribute === "Arn" || attribute === "Name") return physical(id);
      throw new Error(`cannot resolve Fn::GetAtt ${id}.${attribute}`);
    }
    if (key === "Fn::Join") {
      const [separator, parts] = arg as [string, Json[]];
      return parts.map((p) => String(resolve(p))).join(separator);
    }
    if (key.startsWith("Fn::")) throw new Error(`cannot resolve ${key}`);
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v)]));
  };
  return { resolve, physical };
}

/** Synthesizes the construct with `props` (and whatever `extend` adds to its stack) and reads it. */
export function deploy(
  props: HttpResetPeerFaultProps | ((stack: Stack) => HttpResetPeerFaultProps) = {},
): Deployment {
  const app = new App();
  const stack = new Stack(app, "Local", { env: { account: ACCOUNT, region: REGION } });
  const fault = new HttpResetPeerFault(stack, "Fault", typeof props === "function" ? props(stack) : props);
  const resources = Template.fromStack(stack).toJSON().Resources as Record<string, Resource>;
  const { resolve, physical } = resolver(resources);
  const idOf = (construct: unknown) =>
    stack.getLogicalId((construct as { node: { defaultChild: never } }).node.defaultChild);
  const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);

  const [[machineId, machine]] = ofType("AWS::StepFunctions::StateMachine");
  // The hypothesis's functions are there only with a hypothesis that needs them.
  const functions = TASKS.filter((task) => fault.functions[task]).map((task): DeployedFunction => {
    const id = idOf(fault.functions[task]);
    const props = resources[id].Properties ?? {};
    const variables = resolve((props.Environment as { Variables: Json })?.Variables ?? {}) as Record<
      string,
      string
    >;
    return {
      task,
      arn: physical(id),
      environment: variables,
      timeoutSeconds: Number(props.Timeout ?? 3),
      // Lambda's defaults when the template leaves them out.
      memorySizeMb: Number(props.MemorySize ?? 128),
      architecture: ((props.Architectures as string[] | undefined)?.[0] ?? "x86_64") as "x86_64" | "arm64",
    };
  });
  const documents = ofType("AWS::SSM::Document").map(([id, document]) => ({
    name: physical(id),
    content: resolve(document.Properties?.Content ?? {}) as Record<string, Json>,
  }));
  const rules = ofType("AWS::Events::Rule").map(([, r]) => ({
    pattern: resolve(r.Properties?.EventPattern ?? {}) as {
      source?: string[];
      resources?: string[];
      detail?: { status?: string[]; stateMachineArn?: string[]; name?: string[]; operation?: string[] };
    },
    targets: resolve(r.Properties?.Targets ?? []) as { Arn: string }[],
  }));
  const stateMachineArn = physical(machineId);
  const abortRule = rules.find((r) => r.pattern.detail?.stateMachineArn?.includes(stateMachineArn))?.pattern;
  const onAlarms = rules.find((r) => r.pattern.source?.includes("aws.cloudwatch"));
  const onLever = rules.find((r) => r.pattern.source?.includes("aws.ssm"));
  const [[leverId, lever]] = ofType("AWS::SSM::Parameter");
  const target = (rule?: { targets: { Arn: string }[] }) =>
    functions.find((f) => f.arn === rule?.targets[0]?.Arn) as DeployedFunction;
  return {
    definition: JSON.parse(resolve(machine.Properties?.DefinitionString ?? "{}") as string),
    stateMachineArn,
    functions,
    documentName: functions[0].environment.DOCUMENT_NAME,
    documents,
    abortStatuses: abortRule?.detail?.status ?? [],
    alarmRule: onAlarms && { alarmArns: onAlarms.pattern.resources ?? [], target: target(onAlarms) },
    safetyLever: {
      name: physical(leverId),
      value: String(lever.Properties?.Value),
      allowedPattern: String(lever.Properties?.AllowedPattern),
      operations: onLever?.pattern.detail?.operation ?? [],
      target: target(onLever),
    },
    recordsBucket: physical(idOf(fault.recordsBucket)),
    scheduleInputs: ofType("AWS::Scheduler::Schedule").map(([, r]) =>
      String((r.Properties?.Target as { Input?: Json })?.Input ?? "{}"),
    ),
  };
}
