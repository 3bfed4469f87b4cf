/**
 * The fault's state machine, built with the L2 API from the task functions and the records bucket
 * alone, so that tests can render it to ASL and run it against the real handlers.
 *
 *   Resolve targets → Dry run? ── yes ────────────────────────────────────────────→ Report
 *                         └─ no → Ramp up → Inject (Distributed Map) → Ramp down ↗
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
import { STOP_ERRORS } from "./stop-errors";
import type { FaultTaskFunctions } from "./task-functions";

const { JsonPath, Condition } = sfn;

const PLAN = JsonPath.objectAt("$.plan");

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
  result: Pick<tasks.LambdaInvokeProps, "resultPath" | "resultSelector">,
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
 * and the abort rule runs cleanup once more.
 */
function cleanUpThenFail(
  scope: Construct,
  ids: { readonly cleanup: string; readonly fail: string },
  fn: lambda.IFunction,
  commands: unknown,
  instanceIds?: string[],
): sfn.TaskStateBase {
  const cleanup = invoke(
    scope,
    ids.cleanup,
    fn,
    { plan: PLAN, commands, stop: JsonPath.objectAt("$.error"), ...(instanceIds ? { instanceIds } : {}) },
    { resultPath: "$.cleanup" },
  ).addRetry({
    errors: [sfn.Errors.ALL],
    interval: Duration.seconds(5),
    maxAttempts: 3,
    backoffRate: 2,
  });
  cleanup.next(
    new sfn.Fail(scope, ids.fail, {
      errorPath: JsonPath.stringAt("$.cleanup.stop.Error"),
      causePath: JsonPath.stringAt("$.cleanup.stop.Cause"),
    }),
  );
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
    fns.cleanup,
    JsonPath.objectAt("$.sent.commands"),
    // Its own batch only: the parent undoes the rest once the Map Run has stopped the other children.
    JsonPath.listAt("$.instanceIds"),
  );
  const send = invoke(
    scope,
    "Send the fault",
    fns.sendCommand,
    { plan: PLAN, instanceIds: JsonPath.listAt("$.instanceIds") },
    { resultPath: "$.sent" },
  ).addCatch(cleanup, catchInto);
  const wait = new sfn.Wait(scope, "Wait for progress", {
    time: sfn.WaitTime.secondsPath("$.plan.pollSeconds"),
  });
  const check = invoke(
    scope,
    "Check progress",
    fns.checkProgress,
    { plan: PLAN, commands: JsonPath.objectAt("$.sent.commands") },
    { resultPath: "$.progress" },
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
  const take = new sfn.Pass(scope, "Take the batch", {
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
        .when(Condition.stringEquals(state, "InProgress"), wait)
        .when(Condition.stringEquals(state, "Succeeded"), done)
        .when(Condition.stringEquals(state, "AlarmTriggered"), alarm)
        .when(Condition.stringEquals(state, "LeverEngaged"), lever)
        .otherwise(failed),
    );
}

/**
 * The state machine's definition; `functions` are the task functions the contract names, and
 * `records` the bucket they keep each experiment's targets in.
 */
export function buildDefinition(
  scope: Construct,
  functions: FaultTaskFunctions,
  records: s3.IBucket,
): sfn.IChainable {
  const resolve = invoke(
    scope,
    "Resolve targets",
    functions.resolveTargets,
    {
      input: JsonPath.objectAt(JsonPath.executionInput),
      executionName: JsonPath.executionName,
      startTime: JsonPath.executionStartTime,
    },
    // Its result replaces the input: every later state reads the plan and where the targets are.
    {},
  );

  const report = invoke(
    scope,
    "Report",
    functions.report,
    { plan: PLAN, targets: JsonPath.objectAt("$.targets") },
    {},
  ).addCatch(
    // The report comes after the fault: cleanup finds the experiment's commands itself.
    cleanUpThenFail(
      scope,
      { cleanup: "Clean up after the report failed", fail: "Report failed" },
      functions.cleanup,
      [],
    ),
    { resultPath: "$.error" },
  );

  const rampSeconds = sfn.WaitTime.secondsPath("$.plan.rampSeconds");
  const inject = new sfn.DistributedMap(scope, "Inject", {
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
        { cleanup: "Clean up the experiment", fail: "Experiment stopped" },
        functions.cleanup,
        [],
      ),
      { resultPath: "$.error" },
    );

  const rampUp = new sfn.Wait(scope, "Ramp up", { time: rampSeconds });
  rampUp
    .next(inject)
    .next(new sfn.Wait(scope, "Ramp down", { time: rampSeconds }))
    .next(report);

  return resolve.next(
    new sfn.Choice(scope, "Dry run?")
      .when(Condition.booleanEquals("$.plan.dryRun", true), report)
      .otherwise(rampUp),
  );
}
