import { setEnvironment } from "./support/environment";
import {
  DescribeExecutionCommand,
  ListExecutionsCommand,
  SFNClient,
  StopExecutionCommand,
} from "@aws-sdk/client-sfn";
import { mockClient } from "aws-sdk-client-mock";
import type { AlarmStateChangeEvent, ParameterChangeEvent } from "../../lambda/contract";
import { handler as sendHandler } from "../../lambda/handlers/send-command";
import { handler as stopHandler } from "../../lambda/handlers/stop-experiments";
import { instanceIds, useFakeAws } from "./support/fake-aws";
import { invoked } from "./support/invoke";
import { planFor } from "./support/plan";

const send = invoked(sendHandler);
const stop = invoked(stopHandler);
const fake = useFakeAws();
const sfn = mockClient(SFNClient);
afterAll(() => sfn.restore());

const STATE_MACHINE = "arn:aws:states:eu-west-1:111111111111:stateMachine:Fault";
const executionArn = (name: string) => `arn:aws:states:eu-west-1:111111111111:execution:Fault:${name}`;

const alarmEvent: AlarmStateChangeEvent = {
  "detail-type": "CloudWatch Alarm State Change",
  time: "2026-01-01T00:05:00Z",
  detail: {
    alarmName: "checkout-5xx",
    state: { value: "ALARM", reason: "Threshold Crossed: 1 datapoint [42.0] was greater than 10.0" },
  },
};

/** Executions as Step Functions knows them: running ones, with their input, and what was stopped. */
function executions(running: Record<string, unknown>) {
  const names = Object.keys(running);
  const stopped: { arn: string; error?: string; cause?: string }[] = [];
  sfn.reset();
  // Two pages, as Step Functions hands out a long listing.
  sfn.on(ListExecutionsCommand).callsFake((input) => {
    expect(input).toMatchObject({ stateMachineArn: STATE_MACHINE, statusFilter: "RUNNING" });
    const page = input.nextToken ? names.slice(1) : names.slice(0, 1);
    return {
      executions: page.map((name) => ({ executionArn: executionArn(name), name })),
      nextToken: input.nextToken || names.length < 2 ? undefined : "page-2",
    };
  });
  sfn.on(StopExecutionCommand).callsFake((input) => {
    stopped.push({ arn: input.executionArn, error: input.error, cause: input.cause });
    return { stopDate: new Date() };
  });
  sfn.on(DescribeExecutionCommand).callsFake((input) => {
    const name = String(input.executionArn).split(":").pop()!;
    return {
      executionArn: input.executionArn,
      name,
      status: stopped.some((s) => s.arn === input.executionArn) ? "ABORTED" : "RUNNING",
      input: JSON.stringify(running[name]),
      startDate: new Date(Date.now() - 60_000),
    };
  });
  return stopped;
}

beforeEach(() => setEnvironment({ STATE_MACHINE_ARN: STATE_MACHINE }));

test("stops every running execution, naming the alarm and its reason, and cleans up after each", async () => {
  const [a, b] = [instanceIds(2, 1), instanceIds(3, 10)];
  await send({ plan: planFor(a, {}, "exp-a"), instanceIds: a });
  await send({ plan: planFor(b, {}, "exp-b"), instanceIds: b });
  const stopped = executions({
    "exp-a": { EC2_INSTANCE_ID: a.join(",") },
    "exp-b": { EC2_INSTANCE_ID: b.join(",") },
  });

  const result = await stop(alarmEvent);

  expect(stopped.map((s) => s.arn).sort()).toEqual([executionArn("exp-a"), executionArn("exp-b")]);
  for (const s of stopped) {
    expect(s.error).toBe("StopConditionAlarm");
    expect(s.cause).toBe(
      "The stop-condition alarm checkout-5xx went to ALARM at 2026-01-01T00:05:00Z: " +
        "Threshold Crossed: 1 datapoint [42.0] was greater than 10.0",
    );
  }
  // Each experiment's own commands were cancelled, and its own instances sent Cleanup.
  const cleanups = fake().sent("Cleanup");
  expect(cleanups.map((c) => c.parameters.ExperimentId[0]).sort()).toEqual(["exp-a", "exp-b"]);
  expect(cleanups.flatMap((c) => c.instanceIds).sort()).toEqual([...a, ...b].sort());
  expect(result.stopped.map((s) => s.cleanup.cancelled.length)).toEqual([1, 1]);
  // Recorded under each experiment's prefix, for a send-command task still under way to find.
  const recorded = [...fake().objects].filter(([key]) => key.endsWith("/stop.json"));
  expect(recorded.map(([key, cause]) => [key.split("/")[0], JSON.parse(cause)]).sort()).toEqual(
    ["exp-a", "exp-b"].map((id) => [id, { Error: "StopConditionAlarm", Cause: stopped[0].cause }]),
  );
});

test("with nothing running, stops nothing and sends nothing", async () => {
  const stopped = executions({});
  expect(await stop(alarmEvent)).toEqual({ stopped: [] });
  expect(stopped).toEqual([]);
  expect(fake().sent("Cleanup")).toEqual([]);
});

test("an execution whose input was refused before anything was sent is stopped and left alone", async () => {
  const stopped = executions({ refused: { NOT_A_TUNABLE: 1 } });
  const result = await stop(alarmEvent);
  expect(stopped.map((s) => s.arn)).toEqual([executionArn("refused")]);
  expect(result.stopped[0].cleanup).toEqual({ cancelled: [], cleanupCommands: [] });
  expect(fake().sent("Cleanup")).toEqual([]);
});

describe("the safety lever", () => {
  const leverEvent: ParameterChangeEvent = {
    "detail-type": "Parameter Store Change",
    time: "2026-01-01T00:06:00Z",
    detail: { name: "http-reset-peer-safety-lever", operation: "Update" },
  };

  test("engaged: every running execution is stopped, saying so, and cleaned up after", async () => {
    const ids = instanceIds(2);
    await send({ plan: planFor(ids, {}, "exp-a"), instanceIds: ids });
    const stopped = executions({ "exp-a": { EC2_INSTANCE_ID: ids.join(",") } });
    fake().lever = "engaged";
    await stop(leverEvent);
    expect(stopped).toEqual([
      {
        arn: executionArn("exp-a"),
        error: "SafetyLeverEngaged",
        cause: "The safety lever http-reset-peer-safety-lever was engaged at 2026-01-01T00:06:00Z",
      },
    ]);
    expect(
      fake()
        .sent("Cleanup")
        .flatMap((c) => c.instanceIds)
        .sort(),
    ).toEqual(ids);
  });

  test("released: nothing is stopped", async () => {
    const stopped = executions({ "exp-a": { EC2_INSTANCE_ID: instanceIds(1).join(",") } });
    fake().lever = "released";
    expect(await stop(leverEvent)).toEqual({ stopped: [] });
    expect(stopped).toEqual([]);
  });
});
