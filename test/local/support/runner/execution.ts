/**
 * Runs the deployed state machine with aws-local-stepfunctions against the fake AWS: each Lambda
 * task bound to its real handler, an AWS SDK integration answered by the fake AWS as the state
 * machine's role, Wait states as long as the definition says or shortened, a Distributed Map's
 * batches (at the top or in a Parallel's branch) run as child executions (./distributed-map), the
 * limits AWS enforces
 * on each execution (25,000 history events, 256 KiB per state's input and output) enforced, and,
 * when an execution ends ABORTED, TIMED_OUT or FAILED, the abort rule's target (the cleanup
 * function) invoked with the event EventBridge would deliver.
 */
import "../polyfill";
import { randomUUID } from "node:crypto";
import { ExecutionAbortedError, ExecutionTimeoutError, StateMachine } from "aws-local-stepfunctions";
import type { Deployment, DeployedFunction } from "./deployment";
import { ACCOUNT, REGION, STATE_MACHINE_ROLE_ARN } from "./deployment";
import {
  historyEventsOf,
  type EventLog,
  MAX_HISTORY_EVENTS,
  MAX_PAYLOAD_BYTES,
  payloadBytes,
} from "./history";
import { isDistributedMap, runMapRun } from "./distributed-map";
import { invokeAsynchronously, invokeFunction, type Invocation } from "./lambda";
import { statesRuntimeError } from "./states-errors";

type Json = Record<string, unknown>;
type Status = "SUCCEEDED" | "FAILED" | "ABORTED" | "TIMED_OUT";

export interface RunOptions {
  /** The execution's name (the console makes one up). */
  readonly name?: string;
  /**
   * Milliseconds every Wait state lasts instead of its definition's; or per state name; or asked of
   * a function each time a Wait state is entered (a simulated clock that the Waits move).
   */
  readonly waitMs?: number | Record<string, number> | ((state: string) => number);
}

/** Where an execution's definition comes from, and the one that started it, for a child execution. */
export interface ExecutionScope {
  readonly definition: Record<string, unknown>;
  readonly stateMachineArn: string;
  readonly parent?: LocalExecution;
}

/** What reads objects from the (fake) S3 for a Distributed Map's ItemReader. */
export type ObjectReader = (bucket: string, key: string) => string;

/**
 * What answers an AWS SDK service integration ("arn:aws:states:::aws-sdk:s3:putObject") with the
 * state machine's role: the service and action as the resource names them, and the task's parameters.
 */
export type SdkIntegration = (service: string, action: string, parameters: unknown) => Promise<unknown>;

export interface ExecutionOutcome {
  readonly status: Status;
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
  /** Events Step Functions would have written to the execution's own history. */
  readonly historyEvents: number;
  /** Child executions its Distributed Map started, and the most events one of them wrote. */
  readonly childExecutions: number;
  readonly maxChildHistoryEvents: number;
  /** States entered, the children's included (what Standard workflows bill). */
  readonly stateTransitions: number;
  /** The largest input or output of any state, the children's included, in bytes. */
  readonly maxPayloadBytes: number;
  /**
   * The largest result a Distributed Map gathered from its children's outputs, in bytes: a state's
   * result, which the payload limit bounds whatever ResultPath then keeps of it.
   */
  readonly maxMapResultBytes: number;
  readonly startedAt: number;
  readonly stoppedAt: number;
  /** What the abort rule's cleanup did, when the rule matched. */
  readonly ruleCleanup?: { readonly result?: unknown; readonly error?: string; readonly invokedAt: number };
}

/** AWS's default task timeout is 99999999 s; Node's timers stop at 2^31 - 1 ms, about 24 days. */
const FOREVER = 2147483;

/** States of a definition, nested ones included (a Distributed Map's children's are their own). */
function* statesOf(definition: Json): Generator<[string, Json]> {
  for (const [name, state] of Object.entries((definition.States ?? {}) as Record<string, Json>)) {
    yield [name, state];
    const inner = (state.ItemProcessor ?? state.Iterator) as Json | undefined;
    if (inner) yield* statesOf(inner);
    for (const branch of (state.Branches ?? []) as Json[]) yield* statesOf(branch);
  }
}

/** A definition made ready to run locally: validated once, however many executions run it. */
interface Prepared {
  readonly machine: StateMachine;
  /** Each Distributed Map state, run as a task, and its item processor. */
  readonly maps: Record<string, { readonly map: Json; readonly processor: Json }>;
  /** Each Task state's resource. */
  readonly tasks: Record<string, string>;
  readonly waitStates: string[];
}

const preparedDefinitions = new WeakMap<object, Prepared>();

/**
 * Replaces each Distributed Map among `states` (and in their Parallel branches) with a Task whose
 * handler runs the Map Run: its Catch, ResultPath and Next are the same fields.
 */
function replaceMaps(states: Record<string, Json>, maps: Prepared["maps"]): void {
  for (const [stateName, state] of Object.entries(states)) {
    for (const branch of (state.Branches ?? []) as Json[])
      replaceMaps(branch.States as Record<string, Json>, maps);
    if (!isDistributedMap(state)) continue;
    const { ItemProcessor, ...map } = state;
    // The processor runs as a state machine of its own: its ProcessorConfig is the Map's business.
    const processor = { ...(ItemProcessor as Json) };
    delete processor.ProcessorConfig;
    maps[stateName] = { map, processor };
    states[stateName] = {
      Type: "Task",
      Resource: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:DistributedMap`,
      TimeoutSeconds: FOREVER,
      ...Object.fromEntries(
        ["Next", "End", "ResultPath", "ResultSelector", "OutputPath", "InputPath", "Catch", "Retry"]
          .filter((field) => field in map)
          .map((field) => [field, map[field]]),
      ),
    };
  }
}

function prepare(source: Json): Prepared {
  const known = preparedDefinitions.get(source);
  if (known) return known;
  const definition = structuredClone(source);
  const maps: Prepared["maps"] = {};
  replaceMaps(definition.States as Record<string, Json>, maps);
  const tasks: Record<string, string> = {};
  const waitStates: string[] = [];
  for (const [stateName, state] of statesOf(definition)) {
    if (state.Type === "Task" && !(stateName in maps)) {
      // AWS lets a Task without TimeoutSeconds run (next to) forever; the local runner, 60 s.
      state.TimeoutSeconds ??= FOREVER;
      tasks[stateName] = String(state.Resource);
    }
    if (state.Type === "Wait") waitStates.push(stateName);
  }
  const machine = new StateMachine(definition as never, {
    validationOptions: { checkArn: true, checkPaths: true },
  });
  const prepared = { machine, maps, tasks, waitStates };
  preparedDefinitions.set(source, prepared);
  return prepared;
}

export class LocalExecution {
  readonly name: string;
  readonly arn: string;
  readonly stateMachineArn: string;
  /**
   * When the execution started. aws-local-stepfunctions stamps $$.Execution.StartTime itself as it
   * begins the definition, a moment after this object is made; on AWS the context object and the
   * execution's events give one start time, so it is taken from the first task given the context's
   * StartTime (resolve-targets).
   */
  startDate = Date.now();
  /** Every event of the run, nested ones and its children's included, as the runner logged them. */
  readonly events: (EventLog & { at: number })[];
  readonly invocations: Invocation[];
  /**
   * When a state other than a Wait (or a Map awaiting its children) ran, from its entry to its exit,
   * in this execution and its children: the control plane at work.
   */
  readonly working: [number, number][];
  /** The child executions its Distributed Map started. */
  readonly children: LocalExecution[] = [];
  readonly done: Promise<ExecutionOutcome>;
  private historyEvents = 0;
  private stateTransitions = 0;
  private maxPayloadBytes = 0;
  private maxMapResultBytes = 0;
  private limitBroken?: { error: string; cause: string };
  private readonly abortRun: () => void;
  private readonly parent?: LocalExecution;
  /** The Distributed Map states, whose time awaiting their children is not the control plane's work. */
  private readonly mapStates: ReadonlySet<string>;

  constructor(
    private readonly deployment: Deployment,
    readonly input: unknown,
    private readonly options: RunOptions & {
      readonly readObject: ObjectReader;
      readonly sdk?: SdkIntegration;
    },
    scope: ExecutionScope = {
      definition: deployment.definition,
      stateMachineArn: deployment.stateMachineArn,
    },
  ) {
    this.parent = scope.parent;
    this.events = scope.parent?.events ?? [];
    this.invocations = scope.parent?.invocations ?? [];
    this.working = scope.parent?.working ?? [];
    this.name = options.name ?? randomUUID();
    this.stateMachineArn = scope.stateMachineArn;
    this.arn = scope.stateMachineArn.replace(":stateMachine:", ":execution:") + `:${this.name}`;
    const { machine, maps, tasks, waitStates } = prepare(scope.definition);
    this.mapStates = new Set(Object.keys(maps));
    const taskHandlers: Record<string, (input: unknown) => Promise<unknown>> = {};
    for (const [stateName, resource] of Object.entries(tasks)) {
      taskHandlers[stateName] = (taskInput) => this.invokeTask(resource, taskInput);
    }
    for (const [stateName, { map, processor }] of Object.entries(maps)) {
      const childScope = {
        definition: processor,
        stateMachineArn: `${scope.stateMachineArn}/${String(map.Label ?? stateName)}`,
        parent: this,
      };
      taskHandlers[stateName] = async (mapInput) => {
        const result = await runMapRun(map, mapInput, {
          readObject: options.readObject,
          startChild: (childInput) => this.startChild(childInput, childScope),
        });
        this.maxMapResultBytes = Math.max(this.maxMapResultBytes, payloadBytes(result));
        this.checkPayload(stateName, result);
        return result;
      };
    }
    const waits: Record<string, number> = {};
    const waitMs = options.waitMs;
    for (const stateName of waitStates) {
      if (typeof waitMs === "function") {
        // The runner reads a Wait's override each time it enters the state.
        Object.defineProperty(waits, stateName, { enumerable: true, get: () => waitMs(stateName) });
      } else {
        const ms = typeof waitMs === "number" ? waitMs : waitMs?.[stateName];
        if (ms !== undefined) waits[stateName] = ms;
      }
    }
    const run = machine.run(input as never, {
      overrides: { taskResourceLocalHandlers: taskHandlers as never, waitTimeOverrides: waits },
      context: {
        Execution: {
          Id: this.arn,
          Input: input as never,
          Name: this.name,
          StartTime: new Date(this.startDate).toISOString(),
          RoleArn: STATE_MACHINE_ROLE_ARN,
        },
        StateMachine: { Id: scope.stateMachineArn, Name: scope.stateMachineArn.split(":").pop() },
        // aws-local-stepfunctions gives no $$.State: its EnteredTime is read as the state's
        // parameters are, on entering it, so the time of reading stands for it.
        State: {
          get EnteredTime() {
            return new Date().toISOString();
          },
        },
      } as never,
    });
    this.abortRun = run.abort;
    const logged = this.consume(run.eventLogs);
    this.done = this.finish(run.result, logged);
  }

  /** A child execution of a Map Run; none starts once this one is stopped. */
  private startChild(input: unknown, scope: ExecutionScope): LocalExecution {
    const child = new LocalExecution(this.deployment, input, { ...this.options, name: undefined }, scope);
    this.children.push(child);
    if (this.stopped) child.abort();
    return child;
  }

  private fn(resource: string): DeployedFunction {
    const fn = this.deployment.functions.find((f) => f.arn === resource);
    if (!fn) throw new Error(`no deployed function for the task resource ${resource}`);
    return fn;
  }

  /** A task's Resource: a function ARN (the payload is the event) or the lambda:invoke integration. */
  private async invokeTask(resource: string, taskInput: unknown): Promise<unknown> {
    if (this.stopped) {
      // The local runner does not stop a Map's iterations when the execution is aborted; AWS runs
      // nothing more. So a stopped execution's iterations fail here, uncatchably, invoking nothing.
      throw statesRuntimeError("the execution was stopped");
    }
    const sdk = /^arn:aws:states:::aws-sdk:([a-z0-9]+):([A-Za-z0-9]+)$/.exec(resource);
    if (sdk) {
      if (!this.options.sdk) throw new Error(`no SDK integration is given for ${resource}`);
      return this.options.sdk(sdk[1], sdk[2], taskInput);
    }
    const integration = resource.startsWith("arn:aws:states:::lambda:invoke");
    const { FunctionName, Payload } = (
      integration ? taskInput : { FunctionName: resource, Payload: taskInput }
    ) as {
      FunctionName: string;
      Payload: unknown;
    };
    const { startTime } = (Payload ?? {}) as { startTime?: unknown };
    if (typeof startTime === "string" && !this.parent) this.startDate = Date.parse(startTime);
    const result = await invokeFunction(this.fn(FunctionName), Payload, this.invocations);
    return integration ? { ExecutedVersion: "$LATEST", Payload: result, StatusCode: 200 } : result;
  }

  private stopped = false;
  /** What a StopExecution gave as the execution's error and cause. */
  private stoppedWith?: { error?: string; cause?: string };
  private ended?: Status;

  /** RUNNING, or the status it ended with. */
  status(): string {
    return this.ended ?? "RUNNING";
  }

  /** StopExecution with an error and a cause, as the stop function sends it. */
  stop(error?: string, cause?: string): void {
    this.stoppedWith = { error, cause };
    this.ended = "ABORTED"; // at once, as Step Functions lists it
    this.abort();
  }

  private breakLimit(error: string, cause: string): void {
    if (this.limitBroken) return;
    this.limitBroken = { error, cause };
    this.abort();
  }

  /** A state's input, output or result, held to Step Functions' payload limit. */
  private checkPayload(stateName: string, value: unknown): void {
    const size = payloadBytes(value);
    this.maxPayloadBytes = Math.max(this.maxPayloadBytes, size);
    if (size > MAX_PAYLOAD_BYTES) {
      this.breakLimit(
        "States.DataLimitExceeded",
        `The state/task '${stateName}' returned a result with a size exceeding the maximum number of bytes service limit (${size} > ${MAX_PAYLOAD_BYTES}).`,
      );
    }
  }

  private async consume(logs: AsyncGenerator<EventLog>): Promise<void> {
    const entered = new Map<string, number>();
    for await (const event of logs) {
      const at = Date.now();
      this.events.push({ ...event, at });
      // A failed branch fails its Parallel state, and Step Functions stops the other branches: a
      // Map Run among them is stopped with its children, which the local runner does not do itself.
      if (event.type === "ParallelBranchFailed") for (const child of this.children) child.abort();
      const working =
        (event.type === "StateEntered" || event.type === "StateExited") &&
        event.state.type !== "Wait" &&
        !this.mapStates.has(event.state.name);
      if (working && event.type === "StateEntered") entered.set(event.state.name, at);
      if (working && event.type === "StateExited")
        this.working.push([entered.get(event.state.name) ?? at, at]);
      this.historyEvents += historyEventsOf(event);
      if (event.type === "StateEntered") this.stateTransitions++;
      if (event.type === "StateEntered" || event.type === "StateExited") {
        this.checkPayload(
          event.state.name,
          event.type === "StateEntered" ? event.state.input : event.state.output,
        );
      }
      if (this.historyEvents > MAX_HISTORY_EVENTS) {
        this.breakLimit(
          "States.Runtime",
          `The execution reached the maximum number of history events (${MAX_HISTORY_EVENTS}).`,
        );
      }
    }
  }

  private async finish(result: Promise<unknown>, logged: Promise<void>): Promise<ExecutionOutcome> {
    let status: Status = "SUCCEEDED";
    let output: unknown;
    let error: string | undefined;
    let cause: string | undefined;
    try {
      output = await result;
      this.stopped = true;
    } catch (e) {
      this.stopped = true;
      if (this.limitBroken) {
        status = "FAILED";
        ({ error, cause } = this.limitBroken);
      } else if (e instanceof ExecutionAbortedError) {
        status = "ABORTED";
        ({ error, cause } = this.stoppedWith ?? {});
      } else if (e instanceof ExecutionTimeoutError) status = "TIMED_OUT";
      else {
        status = "FAILED";
        const reason = (e as Error).cause instanceof Error ? ((e as Error).cause as Error) : (e as Error);
        error = reason.name;
        cause = reason.message;
      }
    }
    this.ended = status;
    await logged;
    const children = await Promise.all(this.children.map((child) => child.done));
    const stoppedAt = Date.now();
    const outcome = {
      status,
      output,
      error,
      cause,
      historyEvents: this.historyEvents,
      childExecutions: children.length,
      maxChildHistoryEvents: Math.max(0, ...children.map((c) => c.historyEvents)),
      stateTransitions: children.reduce((sum, c) => sum + c.stateTransitions, this.stateTransitions),
      maxPayloadBytes: Math.max(this.maxPayloadBytes, ...children.map((c) => c.maxPayloadBytes)),
      maxMapResultBytes: this.maxMapResultBytes,
      startedAt: this.startDate,
      stoppedAt,
    };
    // A Map Run's children belong to their own state machine ARN (".../Inject"): the rule skips them.
    if (this.parent || !this.deployment.abortStatuses.includes(status)) return outcome;
    return { ...outcome, ruleCleanup: await this.ruleCleanup(outcome) };
  }

  /** The abort rule's target: the cleanup function, invoked asynchronously, retried twice on error. */
  private async ruleCleanup({
    status,
    stoppedAt,
    output,
    error,
    cause,
  }: {
    status: Status;
    stoppedAt: number;
    output: unknown;
    error?: string;
    cause?: string;
  }) {
    const event = {
      version: "0",
      id: randomUUID(),
      "detail-type": "Step Functions Execution Status Change",
      source: "aws.states",
      account: ACCOUNT,
      time: new Date(stoppedAt).toISOString().replace(/\.\d+Z$/, "Z"),
      region: REGION,
      resources: [this.arn],
      detail: {
        executionArn: this.arn,
        stateMachineArn: this.deployment.stateMachineArn,
        name: this.name,
        status,
        startDate: this.startDate,
        stopDate: stoppedAt,
        input: JSON.stringify(this.input),
        output: status === "SUCCEEDED" ? JSON.stringify(output) : null,
        inputDetails: { included: true },
        error: error ?? null,
        cause: cause ?? null,
      },
    };
    const cleanup = this.deployment.functions.find((f) => f.task === "cleanup") as DeployedFunction;
    return invokeAsynchronously(cleanup, event, this.invocations);
  }

  /** StopExecution; a parent's stops its Map Run's children too. */
  abort(): void {
    this.stopped = true;
    this.abortRun();
    for (const child of this.children) child.abort();
  }

  /** Milliseconds in which some state other than a Wait ran, in this execution or a child. */
  workingMs(): number {
    let total = 0;
    let end = -Infinity;
    for (const [from, to] of [...this.working].sort((a, b) => a[0] - b[0])) {
      total += Math.max(0, to - Math.max(from, end));
      end = Math.max(end, to);
    }
    return total;
  }

  /** Names of the states entered, in order (nested ones with their Map iteration index). */
  statesEntered(): { name: string; index?: number; at: number }[] {
    return this.events
      .filter((e) => e.type === "StateEntered")
      .map((e) => ({
        name: (e as { state: { name: string } }).state.name,
        index: (e as { index?: number }).index,
        at: e.at,
      }));
  }
}

/** The deployed state machine: StartExecution. */
export class LocalStateMachine {
  constructor(
    readonly deployment: Deployment,
    private readonly readObject: ObjectReader,
    /** Told of each execution started, as Step Functions' ListExecutions would list it. */
    private readonly onStart: (execution: LocalExecution) => void = () => undefined,
    private readonly sdk?: SdkIntegration,
  ) {}

  start(input: unknown, options: RunOptions = {}): LocalExecution {
    const execution = new LocalExecution(this.deployment, input, {
      ...options,
      readObject: this.readObject,
      sdk: this.sdk,
    });
    this.onStart(execution);
    return execution;
  }
}
