/**
 * The fault's state machine, built with the L2 API from the task functions alone, so that tests
 * can render it to ASL and run it against the real handlers.
 *
 *   Resolve targets → Dry run? ── yes ─────────────────────────────────────→ Report
 *                         └─ no → Ramp up → Inject (Map, one group at a time) → Ramp down ↗
 *
 * A group, as resolve-targets made it, is every target at once (parallel) or one instance
 * (serial); each goes through
 * Send → Wait → Check → (InProgress: Wait again | Succeeded: next group | otherwise: Clean up → Fail).
 */
import { Duration } from "aws-cdk-lib";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import * as sfn from "aws-cdk-lib/aws-stepfunctions";
import * as tasks from "aws-cdk-lib/aws-stepfunctions-tasks";
import type { Construct } from "constructs";
import type { FaultTaskFunctions } from "./task-functions";

const { JsonPath, Condition } = sfn;

const PLAN = JsonPath.objectAt("$.plan");

/** Error types the execution fails with when the fault is stopped, beside the handlers' own. */
export const STOP_ERRORS = {
  alarm: "StopConditionAlarm",
  commandFailed: "FaultCommandFailed",
} as const;

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
 * Cleanup, then a Fail that rethrows what `$.error` holds ({Error, Cause}: a Catch's output, or one
 * of the STOP_ERRORS). Cleanup is idempotent, so any failure of it is retried; if it still fails,
 * the execution fails and the abort rule runs cleanup once more.
 */
function cleanUpThenFail(
  scope: Construct,
  ids: { readonly cleanup: string; readonly fail: string },
  fn: lambda.IFunction,
  commands: unknown,
): sfn.TaskStateBase {
  const cleanup = invoke(
    scope,
    ids.cleanup,
    fn,
    { plan: PLAN, commands },
    { resultPath: "$.cleanup" },
  ).addRetry({
    errors: [sfn.Errors.ALL],
    interval: Duration.seconds(5),
    maxAttempts: 3,
    backoffRate: 2,
  });
  cleanup.next(
    new sfn.Fail(scope, ids.fail, {
      errorPath: JsonPath.stringAt("$.error.Error"),
      causePath: JsonPath.stringAt("$.error.Cause"),
    }),
  );
  return cleanup;
}

/** What one group goes through: send, watch until the commands end, and clean up on any failure. */
function injectGroup(scope: Construct, fns: FaultTaskFunctions): sfn.IChainable {
  const catchInto = { resultPath: "$.error" };
  const cleanup = cleanUpThenFail(
    scope,
    { cleanup: "Clean up", fail: "Fault stopped" },
    fns.cleanup,
    JsonPath.objectAt("$.sent.commands"),
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
  // A group's result is what report needs of it: the commands sent.
  const done = new sfn.Pass(scope, "Group done", { outputPath: "$.sent" });
  const state = "$.progress.state";
  return send
    .next(wait)
    .next(check)
    .next(
      new sfn.Choice(scope, "Still running?")
        .when(Condition.stringEquals(state, "InProgress"), wait)
        .when(Condition.stringEquals(state, "Succeeded"), done)
        .when(Condition.stringEquals(state, "AlarmTriggered"), alarm)
        .otherwise(failed),
    );
}

/** The state machine's definition; `functions` are the task functions the contract names. */
export function buildDefinition(scope: Construct, functions: FaultTaskFunctions): sfn.IChainable {
  const resolve = invoke(
    scope,
    "Resolve targets",
    functions.resolveTargets,
    {
      input: JsonPath.objectAt(JsonPath.executionInput),
      executionName: JsonPath.executionName,
    },
    // Its result replaces the input: every later state reads the plan, the targets and the groups.
    {},
  );

  const report = invoke(
    scope,
    "Report",
    functions.report,
    { plan: PLAN, targets: JsonPath.listAt("$.targets"), runs: JsonPath.objectAt("$.runs") },
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
  const inject = new sfn.Map(scope, "Inject", {
    itemsPath: "$.groups",
    itemSelector: {
      plan: PLAN,
      instanceIds: JsonPath.objectAt("$$.Map.Item.Value"),
      // Until the first send returns, cleanup knows of no command and finds them itself.
      sent: { commands: [] },
    },
    // One group at a time: serial runs instance after instance; parallel has a single group.
    maxConcurrency: 1,
    resultPath: "$.runs",
  }).itemProcessor(injectGroup(scope, functions));

  const rampUp = new sfn.Wait(scope, "Ramp up", { time: rampSeconds });
  rampUp
    .next(inject)
    .next(new sfn.Wait(scope, "Ramp down", { time: rampSeconds }))
    .next(report);

  return resolve.next(
    new sfn.Choice(scope, "Dry run?")
      .when(
        Condition.booleanEquals("$.plan.dryRun", true),
        new sfn.Pass(scope, "Inject nothing", {
          result: sfn.Result.fromArray([]),
          resultPath: "$.runs",
        }).next(report),
      )
      .otherwise(rampUp),
  );
}
