import { Match } from "aws-cdk-lib/assertions";
import { STOP_ERRORS } from "../../lib/stop-errors";
import {
  executionTimeout,
  FIXED_MARGIN_SECONDS,
  PER_TARGET_MARGIN_SECONDS,
} from "../../lib/execution-timeout";
import { MAX_TARGETS, pollSeconds } from "../../lib/execution-limits";
import { MAX_DURATION_SECONDS, MAX_RAMP_SECONDS } from "../../lib/tunables";
import { renderAsl } from "./definition";
import { faultTemplate, newStack } from "./support";

describe("the state machine's definition", () => {
  const asl = renderAsl();
  const { States: top } = asl;
  const inject = top["Inject"];
  const group = inject.ItemProcessor!.States;

  test("resolves, then skips everything to the report on a dry run", () => {
    expect(asl.StartAt).toBe("Resolve targets");
    expect(top["Resolve targets"].Parameters).toEqual({
      "input.$": "$$.Execution.Input",
      "executionName.$": "$$.Execution.Name",
      "startTime.$": "$$.Execution.StartTime",
    });
    const dryRun = top["Dry run?"];
    expect(dryRun.Choices).toEqual([{ Variable: "$.plan.dryRun", BooleanEquals: true, Next: "Report" }]);
    expect(dryRun.Default).toBe("Ramp up");
  });

  test("waits the ramp with Wait states before and after the fault", () => {
    expect(top["Ramp up"]).toMatchObject({
      Type: "Wait",
      SecondsPath: "$.plan.rampSeconds",
      Next: "Inject",
    });
    expect(inject.Next).toBe("Ramp down");
    expect(top["Ramp down"]).toMatchObject({
      Type: "Wait",
      SecondsPath: "$.plan.rampSeconds",
      Next: "Report",
    });
  });

  test("injects in child executions, reading the targets resolve-targets wrote in batches the plan sizes", () => {
    expect(inject).toMatchObject({
      Type: "Map",
      MaxConcurrencyPath: "$.plan.batchConcurrency",
      ItemReader: {
        Resource: { "Fn::Join": ["", ["arn:", { Ref: "AWS::Partition" }, ":states:::s3:getObject"]] },
        ReaderConfig: { InputType: "JSON" },
        Parameters: { Bucket: "records-bucket", "Key.$": "$.targets.key" },
      },
      ItemBatcher: { MaxItemsPerBatchPath: "$.plan.batchSize", BatchInput: { "plan.$": "$.plan" } },
      ResultPath: null,
    });
    expect(inject.ItemProcessor!.ProcessorConfig).toEqual({ Mode: "DISTRIBUTED", ExecutionType: "STANDARD" });
    expect(group["Take the batch"].Parameters).toEqual({
      "plan.$": "$.BatchInput.plan",
      "instanceIds.$": "$.Items[*].instanceId",
      sent: { commands: [] },
    });
    expect(top.Report.Parameters).toEqual({
      "plan.$": "$.plan",
      "targets.$": "$.targets",
      "input.$": "$$.Execution.Input",
    });
  });

  test("sends, then polls with a Wait until the commands end, watching any the check sent again", () => {
    const processor = inject.ItemProcessor!;
    expect(processor.StartAt).toBe("Take the batch");
    expect(group["Take the batch"].Next).toBe("Send the fault");
    expect(group["Send the fault"].Next).toBe("Wait for progress");
    expect(group["Wait for progress"]).toMatchObject({ Type: "Wait", SecondsPath: "$.plan.pollSeconds" });
    expect(group["Check progress"].Next).toBe("Still running?");
    const [resent, ...choices] = group["Still running?"].Choices!;
    // A check that sent the fault again returns the commands to watch: they replace the sent ones.
    expect(resent).toEqual({
      And: [
        { Variable: "$.progress.state", StringEquals: "InProgress" },
        { Variable: "$.progress.commands", IsPresent: true },
      ],
      Next: "Watch the fault sent again",
    });
    expect(group["Watch the fault sent again"]).toMatchObject({
      Type: "Pass",
      InputPath: "$.progress.commands",
      ResultPath: "$.sent.commands",
      Next: "Wait for progress",
    });
    const next = Object.fromEntries(choices.map((c) => [c.StringEquals, c.Next]));
    expect(next).toEqual({
      InProgress: "Wait for progress",
      Succeeded: "Batch done",
      AlarmTriggered: "Stop-condition alarm",
      LeverEngaged: "Safety lever engaged",
    });
    expect(group["Still running?"].Default).toBe("Fault command failed");
  });

  test("cleans up before failing, whether a task fails, a command fails, an alarm fires or the lever is engaged", () => {
    for (const task of ["Send the fault", "Check progress"]) {
      expect(group[task].Catch).toEqual([
        { ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "Clean up" },
      ]);
    }
    expect(group["Stop-condition alarm"]).toMatchObject({
      Parameters: { Error: STOP_ERRORS.alarm, "Cause.$": expect.stringContaining("$.progress.alarm") },
      Next: "Clean up",
    });
    expect(group["Safety lever engaged"]).toMatchObject({
      Parameters: { Error: STOP_ERRORS.lever, "Cause.$": expect.stringContaining("$.progress.lever") },
      Next: "Clean up",
    });
    expect(group["Fault command failed"]).toMatchObject({
      Parameters: { Error: STOP_ERRORS.commandFailed },
      Next: "Clean up",
    });
    // Each cleanup records the stop cause, and the Fail names the first one recorded.
    const stopped = { Type: "Fail", ErrorPath: "$.cleanup.stop.Error", CausePath: "$.cleanup.stop.Cause" };
    expect(group["Clean up"]).toMatchObject({
      Parameters: expect.objectContaining({ "stop.$": "$.error", "instanceIds.$": "$.instanceIds" }),
      Next: "Fault stopped",
    });
    expect(group["Fault stopped"]).toEqual(stopped);
    // A failed child fails the Map Run: the parent cleans up the whole experiment.
    expect(inject.Catch).toEqual([
      { ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "Clean up the experiment" },
    ]);
    expect(top["Clean up the experiment"]).toMatchObject({
      Parameters: expect.objectContaining({ "plan.$": "$.plan", commands: [], "stop.$": "$.error" }),
      Next: "Report the stopped experiment",
    });
    // The stopped experiment's report has the cause and the cleanup; the Fail follows whatever it does.
    expect(top["Report the stopped experiment"]).toMatchObject({
      Parameters: {
        "plan.$": "$.plan",
        "targets.$": "$.targets",
        "input.$": "$$.Execution.Input",
        "stop.$": "$.cleanup.stop",
        "cleanup.$": "$.cleanup",
      },
      ResultPath: "$.report",
      Next: "Experiment stopped",
      Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.reportError", Next: "Experiment stopped" }],
    });
    expect(top["Experiment stopped"]).toEqual(stopped);
    expect(top["Report"].Catch).toEqual([
      { ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "Clean up after the report failed" },
    ]);
    expect(top["Clean up after the report failed"].Next).toBe("Report failed");
  });

  test("retries the Lambda service's transient errors on every task, and any error of the idempotent cleanup", () => {
    const tasks = [...Object.values(top), ...Object.values(group)].filter((s) => s.Type === "Task");
    expect(tasks).toHaveLength(8);
    for (const task of tasks) {
      const retried = task.Retry!.flatMap((r) => r.ErrorEquals);
      expect(retried).toEqual(
        expect.arrayContaining(["Lambda.ServiceException", "Lambda.TooManyRequestsException"]),
      );
    }
    expect(group["Clean up"].Retry!.flatMap((r) => r.ErrorEquals)).toContain("States.ALL");
  });
});

describe("the state machine resource", () => {
  test("logs ALL to a log group with retention, traces with X-Ray, and times out after the longest run", () => {
    const { template, fault } = faultTemplate();
    const seconds = executionTimeout(fault, fault.document.stepTimeoutSeconds, 10).toSeconds();
    expect(seconds).toBe(
      2 * MAX_RAMP_SECONDS +
        10 *
          (fault.document.stepTimeoutSeconds +
            pollSeconds(MAX_DURATION_SECONDS) +
            PER_TARGET_MARGIN_SECONDS) +
        FIXED_MARGIN_SECONDS,
    );
    template.hasResourceProperties("AWS::StepFunctions::StateMachine", {
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: {
        Level: "ALL",
        IncludeExecutionData: true,
        Destinations: [
          {
            CloudWatchLogsLogGroup: {
              LogGroupArn: { "Fn::GetAtt": [Match.stringLikeRegexp("^FaultStateMachineLogs"), "Arn"] },
            },
          },
        ],
      },
      DefinitionString: Match.objectLike({
        "Fn::Join": ["", Match.arrayWith([Match.stringLikeRegexp(`"TimeoutSeconds":${seconds}`)])],
      }),
    });
    template.hasResourceProperties("AWS::Logs::LogGroup", { RetentionInDays: 90 });
  });

  test("a larger serial allowance lengthens the timeout, within Step Functions' one-year limit", () => {
    expect(executionTimeout(newStack(), 44100, 20).toSeconds()).toBeGreaterThan(
      executionTimeout(newStack(), 44100, 10).toSeconds(),
    );
    expect(() => executionTimeout(newStack(), 44100, MAX_TARGETS)).toThrow(/one-year limit; at most 709/);
    expect(() => executionTimeout(newStack(), 44100, MAX_TARGETS + 1)).toThrow(
      /from 1 to 10000, the most instances/,
    );
    expect(() => executionTimeout(newStack(), 44100, 0)).toThrow(/from 1 to 10000/);
  });
});
