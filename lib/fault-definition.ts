/**
 * The fault's state machine, built with the L2 API from the task functions and the records bucket
 * alone, so that tests can render it to ASL and run it against the real handlers.
 *
 *   Resolve targets → Dry run? ── yes ────────────────────────────────────────────→ Report
 *                         └─ no → Ramp up → Inject (Distributed Map) → Ramp down ↗
 *
 * With a hypothesis, the steady state is checked before the Dry run? choice (if it does not hold,
 * straight to Report: nothing is injected), the state machine waits after the ramp down for the
 * hypothesis's After windows, and, unless told not to, fails after the report when the verdict is
 * not Passed:
 *
 *   Resolve targets → Check the steady state → Steady state holds? ── no → Report
 *   … Ramp down → Watch after the fault → Report → Verdict? ── Failed → Hypothesis rejected
 *                                                       └─ Inconclusive → Hypothesis inconclusive
 *
 * With sampled probes (HTTP, target health), the fault and a loop that samples them run side by
 * side in a Parallel state; the fault's branch notes its end in the records, and the loop samples on
 * through the After windows, in place of the Wait. A probe that fails with stopOnFailure fails the
 * loop's branch, which stops the fault's, and the experiment is cleaned up, reported and failed:
 *
 *   … Dry run? ── no → Inject and watch ─┬─ Ramp up → Inject → Ramp down → Note the fault's end ─┬→ Report
 *                                        └─ Sample the probes ⟲ Wait for the next sample ─────────┘
 *
 * Resolve targets writes the targets to the records bucket; Inject reads them back in batches, each
 * a child execution with a history of its own: every batch at once (parallel, up to 500 instances
 * each) or one instance after another (serial, one each). A child takes its batch as one group:
 * Send → Wait → Check → (InProgress: Wait again | Succeeded: done | otherwise: Clean up → Fail).
 * A failed child fails the Map Run, which stops the other children; the parent then cleans up the
 * whole experiment and fails with the cause the child recorded.
 */
import { Duration } from "aws-cdk-lib";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import type * as s3 from "aws-cdk-lib/aws-s3";
import * as sfn from "aws-cdk-lib/aws-stepfunctions";
import * as tasks from "aws-cdk-lib/aws-stepfunctions-tasks";
import type { Construct } from "constructs";
import { FAULT_ENDED_RECORD } from "./fault-ended-record";
import { PROGRESS_STATES } from "./progress-states";
import { VERDICT_RESULTS } from "./hypothesis/probe-spec";
import { STOP_ERRORS } from "./stop-errors";
import type { FaultTaskFunctions } from "./task-functions";

const { JsonPath, Condition } = sfn;

const PLAN = JsonPath.objectAt("$.plan");

/** What the report task is given: the plan, the targets, and the execution's input. */
const REPORT_PAYLOAD = {
  plan: PLAN,
  targets: JsonPath.objectAt("$.targets"),
  input: JsonPath.objectAt(JsonPath.executionInput),
};

/**
 * A task calling one handler. Its payload is the contract's event and its result the handler's
 * return value; the Lambda service's own transient errors are retried (CDK adds those), and so is
 * throttling of the invocation, which happens before the handler runs.
 */
function invoke(
  scope: Construct,
  id: string,
  fn: lambda.IFunction,
  payload: Record<string, unknown>,
  result: Pick<tasks.LambdaInvokeProps, "resultPath" | "resultSelector" | "comment">,
): sfn.TaskStateBase {
  return new tasks.LambdaInvoke(scope, id, {
    lambdaFunction: fn,
    payload: sfn.TaskInput.fromObject(payload),
    payloadResponseOnly: true,
    ...result,
  }).addRetry({
    errors: ["Lambda.TooManyRequestsException"],
    interval: Duration.seconds(2),
    maxAttempts: 6,
    backoffRate: 2,
  });
}

/**
 * Cleanup, then a Fail with the experiment's stop cause: what `$.error` holds ({Error, Cause}: a
 * Catch's output, or one of the STOP_ERRORS) unless a child execution recorded its own first.
 * Cleanup is idempotent, so any failure of it is retried; if it still fails, the execution fails
 * and the abort rule runs cleanup once more. With `ids.report`, the experiment's report is written
 * between the two, with the cause and what the cleanup did; the Fail follows even if it fails.
 */
function cleanUpThenFail(
  scope: Construct,
  ids: { readonly cleanup: string; readonly fail: string; readonly report?: string },
  fns: Pick<FaultTaskFunctions, "cleanup" | "report">,
  commands: unknown,
  instanceIds?: string[],
): sfn.TaskStateBase {
  const cleanup = invoke(
    scope,
    ids.cleanup,
    fns.cleanup,
    { plan: PLAN, commands, stop: JsonPath.objectAt("$.error"), ...(instanceIds ? { instanceIds } : {}) },
    {
      resultPath: "$.cleanup",
      comment: "Cancels the fault's commands still running and sends Action=Cleanup",
    },
  ).addRetry({
    errors: [sfn.Errors.ALL],
    interval: Duration.seconds(5),
    maxAttempts: 3,
    backoffRate: 2,
  });
  const fail = new sfn.Fail(scope, ids.fail, {
    errorPath: JsonPath.stringAt("$.cleanup.stop.Error"),
    causePath: JsonPath.stringAt("$.cleanup.stop.Cause"),
  });
  if (!ids.report) {
    cleanup.next(fail);
    return cleanup;
  }
  const report = invoke(
    scope,
    ids.report,
    fns.report,
    { ...REPORT_PAYLOAD, stop: JsonPath.objectAt("$.cleanup.stop"), cleanup: JsonPath.objectAt("$.cleanup") },
    {
      resultPath: "$.report",
      comment: "Writes the report of the stopped experiment, with its cause and verdict",
    },
  ).addCatch(fail, { resultPath: "$.reportError" });
  cleanup.next(report).next(fail);
  return cleanup;
}

/**
 * What one child execution goes through: take its batch ({Items, BatchInput} as the Map's batcher
 * makes it) as one group, send, watch until the commands end, and clean up on any failure.
 */
function injectBatch(scope: Construct, fns: FaultTaskFunctions): sfn.IChainable {
  const catchInto = { resultPath: "$.error" };
  const cleanup = cleanUpThenFail(
    scope,
    { cleanup: "Clean up", fail: "Fault stopped" },
    fns,
    JsonPath.objectAt("$.sent.commands"),
    // Its own batch only: the parent undoes the rest once the Map Run has stopped the other children.
    JsonPath.listAt("$.instanceIds"),
  );
  const send = invoke(
    scope,
    "Send the fault",
    fns.sendCommand,
    { plan: PLAN, instanceIds: JsonPath.listAt("$.instanceIds") },
    { resultPath: "$.sent", comment: "Sends the SSM document to this batch's instances" },
  ).addCatch(cleanup, catchInto);
  const wait = new sfn.Wait(scope, "Wait for progress", {
    comment: "The fault runs on the instances meanwhile",
    time: sfn.WaitTime.secondsPath("$.plan.pollSeconds"),
  });
  const check = invoke(
    scope,
    "Check progress",
    fns.checkProgress,
    { plan: PLAN, commands: JsonPath.objectAt("$.sent.commands") },
    { resultPath: "$.progress", comment: "Stop conditions, the safety lever, then each instance's command" },
  ).addCatch(cleanup, catchInto);
  const alarm = new sfn.Pass(scope, "Stop-condition alarm", {
    parameters: {
      Error: STOP_ERRORS.alarm,
      Cause: JsonPath.format(
        "Stop-condition alarm {} is in ALARM: the fault was stopped and cleaned up",
        JsonPath.stringAt("$.progress.alarm"),
      ),
    },
    resultPath: "$.error",
  }).next(cleanup);
  const lever = new sfn.Pass(scope, "Safety lever engaged", {
    parameters: {
      Error: STOP_ERRORS.lever,
      Cause: JsonPath.format(
        "The safety lever {} is engaged: the fault was stopped and cleaned up",
        JsonPath.stringAt("$.progress.lever"),
      ),
    },
    resultPath: "$.error",
  }).next(cleanup);
  const failed = new sfn.Pass(scope, "Fault command failed", {
    parameters: {
      Error: STOP_ERRORS.commandFailed,
      Cause: JsonPath.format(
        "The fault's command did not succeed everywhere, and was cleaned up: {}",
        JsonPath.jsonToString(JsonPath.objectAt("$.progress")),
      ),
    },
    resultPath: "$.error",
  }).next(cleanup);
  // A child's output goes into the Map's result, which Step Functions' 256 KiB payload limit bounds
  // before ResultPath discards it: each child returns {}, so 10,000 instances' result stays tiny.
  const done = new sfn.Succeed(scope, "Batch done", { outputPath: JsonPath.DISCARD });
  const state = "$.progress.state";
  // The check sent the fault again where the program did not reach an instance: watch its commands.
  const resent = new sfn.Pass(scope, "Watch the fault sent again", {
    comment: "The commands to watch from now on, those the check sent again among them",
    inputPath: "$.progress.commands",
    resultPath: "$.sent.commands",
  }).next(wait);
  const take = new sfn.Pass(scope, "Take the batch", {
    comment: "The instances this child execution injects, one group",
    parameters: {
      plan: JsonPath.objectAt("$.BatchInput.plan"),
      instanceIds: JsonPath.listAt("$.Items[*].instanceId"),
      // Until the first send returns, cleanup knows of no command and finds them itself.
      sent: { commands: [] },
    },
  });
  return take
    .next(send)
    .next(wait)
    .next(check)
    .next(
      new sfn.Choice(scope, "Still running?")
        .when(
          Condition.and(
            Condition.stringEquals(state, PROGRESS_STATES.inProgress),
            Condition.isPresent("$.progress.commands"),
          ),
          resent,
        )
        .when(Condition.stringEquals(state, PROGRESS_STATES.inProgress), wait)
        .when(Condition.stringEquals(state, PROGRESS_STATES.succeeded), done)
        .when(Condition.stringEquals(state, PROGRESS_STATES.alarmTriggered), alarm)
        .when(Condition.stringEquals(state, PROGRESS_STATES.leverEngaged), lever)
        .otherwise(failed),
    );
}

/** The hypothesis, as the state machine holds it. */
export interface DefinedHypothesis {
  /** The HypothesisSpec as JSON: a literal of the definition, passed to resolve-targets to record. */
  readonly spec: string;
  /** Whether a verdict other than Passed fails the execution. */
  readonly failExecution: boolean;
}

/**
 * The loop that samples the hypothesis's sampled probes until the watch after the fault is over.
 * The function never fails for a probe's sake (a failed sample is evidence); should it fail all
 * the same, the loop gives up and the report judges what was sampled, leaving the fault untouched.
 */
function sampleProbes(scope: Construct, fn: lambda.IFunction): sfn.IChainable {
  const sample = invoke(
    scope,
    "Sample the probes",
    fn,
    { plan: PLAN, sampling: JsonPath.objectAt("$.sampling") },
    { resultPath: "$.sampling", comment: "Takes the samples due, records them, and says when the next is" },
  )
    .addRetry({ errors: [sfn.Errors.ALL], interval: Duration.seconds(2), maxAttempts: 2, backoffRate: 2 })
    .addCatch(
      new sfn.Succeed(scope, "Sampling given up", {
        comment: "The report judges the samples recorded; a window without any is Inconclusive",
      }),
      { resultPath: "$.samplingError" },
    );
  const wait = new sfn.Wait(scope, "Wait for the next sample", {
    time: sfn.WaitTime.secondsPath("$.sampling.waitSeconds"),
  });
  const start = new sfn.Pass(scope, "Start sampling", {
    result: sfn.Result.fromObject({ round: 0 }),
    resultPath: "$.sampling",
  });
  return start.next(sample).next(
    new sfn.Choice(scope, "Sampling done?")
      .when(
        Condition.isPresent("$.sampling.stop"),
        new sfn.Fail(scope, "A probe failed", {
          errorPath: JsonPath.stringAt("$.sampling.stop.Error"),
          causePath: JsonPath.stringAt("$.sampling.stop.Cause"),
        }),
      )
      .when(Condition.booleanEquals("$.sampling.done", true), new sfn.Succeed(scope, "Sampling done"))
      .otherwise(wait.next(sample)),
  );
}

/** The last state of the fault's branch: the record that tells the sampling loop the fault has ended. */
function noteFaultEnd(scope: Construct, records: s3.IBucket): sfn.TaskStateBase {
  return new tasks.CallAwsService(scope, "Note the fault's end", {
    comment: "The sampling loop samples on through the After windows from this time",
    service: "s3",
    action: "putObject",
    parameters: {
      Bucket: records.bucketName,
      Key: JsonPath.format(`{}${FAULT_ENDED_RECORD}`, JsonPath.stringAt("$.plan.records")),
      Body: JsonPath.stringAt("$$.State.EnteredTime"),
      ContentType: "text/plain",
    },
    iamResources: [records.arnForObjects(`*/${FAULT_ENDED_RECORD}`)],
    resultPath: JsonPath.DISCARD,
  }).addRetry({ errors: [sfn.Errors.ALL], interval: Duration.seconds(2), maxAttempts: 5, backoffRate: 2 });
}

/** After the report: the execution fails, once all is cleaned up, unless the verdict passed. */
function gateOnVerdict(scope: Construct): sfn.IChainable {
  const fail = (id: string, error: string) =>
    new sfn.Fail(scope, id, { error, causePath: JsonPath.stringAt("$.verdict.summary") });
  const result = "$.verdict.result";
  return new sfn.Choice(scope, "Verdict?")
    .when(
      Condition.stringEquals(result, VERDICT_RESULTS.failed),
      fail("Hypothesis rejected", STOP_ERRORS.hypothesisRejected),
    )
    .when(
      Condition.stringEquals(result, VERDICT_RESULTS.inconclusive),
      fail("Hypothesis inconclusive", STOP_ERRORS.hypothesisInconclusive),
    )
    .otherwise(new sfn.Succeed(scope, "Hypothesis passed"));
}

/**
 * The state machine's definition; `functions` are the task functions the contract names, and
 * `records` the bucket they keep each experiment's targets in.
 */
export function buildDefinition(
  scope: Construct,
  functions: FaultTaskFunctions,
  records: s3.IBucket,
  hypothesis?: DefinedHypothesis,
): sfn.IChainable {
  const resolve = invoke(
    scope,
    "Resolve targets",
    functions.resolveTargets,
    {
      input: JsonPath.objectAt(JsonPath.executionInput),
      executionName: JsonPath.executionName,
      startTime: JsonPath.executionStartTime,
      ...(hypothesis ? { hypothesis: hypothesis.spec } : {}),
    },
    // Its result replaces the input: every later state reads the plan and where the targets are.
    { comment: "Checks the input, finds the instances, and plans the experiment" },
  );

  const report = invoke(scope, "Report", functions.report, REPORT_PAYLOAD, {
    comment: "Writes the report (JSON and a page) and the experiment's metrics",
  }).addCatch(
    // The report comes after the fault: cleanup finds the experiment's commands itself.
    cleanUpThenFail(
      scope,
      { cleanup: "Clean up after the report failed", fail: "Report failed" },
      functions,
      [],
    ),
    { resultPath: "$.error" },
  );

  const rampSeconds = sfn.WaitTime.secondsPath("$.plan.rampSeconds");
  const inject = new sfn.DistributedMap(scope, "Inject", {
    comment: "Each batch of targets, a child execution: all at once (parallel) or one by one (serial)",
    itemReader: new sfn.S3JsonItemReader({ bucket: records, key: JsonPath.stringAt("$.targets.key") }),
    // The batcher renders BatchInput as given: the path needs its ".$" spelled out. Step Functions
    // evaluates such a path against the Map state's input: AWS's tutorial passes
    // "BatchInput": {"MyMultiplicationFactor.$": "$.MyMultiplicationFactor"} and shows each child
    // receiving the value (https://docs.aws.amazon.com/step-functions/latest/dg/tutorial-itembatcher-param-task.html).
    itemBatcher: new sfn.ItemBatcher({
      maxItemsPerBatchPath: "$.plan.batchSize",
      batchInput: { "plan.$": "$.plan" },
    }),
    maxConcurrencyPath: JsonPath.stringAt("$.plan.batchConcurrency"),
    mapExecutionType: sfn.StateMachineType.STANDARD,
    label: "Inject",
    // Report finds the experiment's commands in SSM; the children's results are not needed.
    resultPath: JsonPath.DISCARD,
  })
    .itemProcessor(injectBatch(scope, functions))
    .addCatch(
      cleanUpThenFail(
        scope,
        {
          cleanup: "Clean up the experiment",
          report: "Report the stopped experiment",
          fail: "Experiment stopped",
        },
        functions,
        [],
      ),
      { resultPath: "$.error" },
    );

  const rampUp = new sfn.Wait(scope, "Ramp up", { time: rampSeconds, comment: "RAMP_TIME before the fault" });
  const rampDown = rampUp
    .next(inject)
    .next(new sfn.Wait(scope, "Ramp down", { time: rampSeconds, comment: "RAMP_TIME after the fault" }));
  const sampler = hypothesis && functions.sampleProbes;
  const fault = sampler
    ? new sfn.Parallel(scope, "Inject and watch", {
        comment: "The fault, and beside it the sampled probes until the watch after it is over",
        resultPath: JsonPath.DISCARD,
      })
        .branch(rampUp)
        .branch(sampleProbes(scope, sampler))
        .addCatch(
          cleanUpThenFail(
            scope,
            {
              cleanup: "Clean up after a probe failed",
              report: "Report the experiment a probe stopped",
              fail: "Stopped by a probe",
            },
            functions,
            [],
          ),
          { errors: [STOP_ERRORS.probeFailed], resultPath: "$.error" },
        )
    : rampUp;
  const dryRun = new sfn.Choice(scope, "Dry run?")
    .when(Condition.booleanEquals("$.plan.dryRun", true), report)
    .otherwise(fault);
  if (!hypothesis || !functions.checkSteadyState) {
    rampDown.next(report);
    return resolve.next(dryRun);
  }

  if (fault instanceof sfn.Parallel) {
    rampDown.next(noteFaultEnd(scope, records));
    fault.next(report);
  } else {
    rampDown
      .next(
        new sfn.Wait(scope, "Watch after the fault", {
          time: sfn.WaitTime.secondsPath("$.plan.watchAfterSeconds"),
          comment: "The hypothesis's After windows, and the time its alarms may take to fire",
        }),
      )
      .next(report);
  }
  if (hypothesis.failExecution) report.next(gateOnVerdict(scope));
  const steadyState = invoke(
    scope,
    "Check the steady state",
    functions.checkSteadyState,
    { plan: PLAN },
    {
      resultPath: "$.steadyState",
      comment: "The hypothesis's Before probes: if one does not pass, nothing is injected",
    },
  ).addCatch(report, { resultPath: "$.error" });
  return resolve
    .next(steadyState)
    .next(
      new sfn.Choice(scope, "Steady state holds?")
        .when(Condition.booleanEquals("$.steadyState.holds", true), dryRun)
        .otherwise(report),
    );
}
