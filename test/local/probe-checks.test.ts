/**
 * An alarm or metric probe's check while the fault runs (stopOnFailure), read through the SDK from
 * the fake CloudWatch: a metric value since the fault's start that breaks the threshold, or a
 * STAYS_OK alarm in ALARM, fails it; a FIRES alarm's state is told for the loop to tally.
 */
import "./support/environment";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import type { AlarmProbeSpec, CheckedProbeSpec, MetricProbeSpec } from "../../lib/hypothesis/probe-spec";
import { takeCheck } from "../../lambda/hypothesis/checks";
import { FakeAws, HOME_REGION } from "./support/fake-aws";

const SAMPLING = {
  intervalSeconds: 10,
  timeoutSeconds: 5,
  retries: 1,
  initialDelaySeconds: 0,
  stopOnFailure: true,
};
const METRIC = { namespace: "App", metricName: "Errors", dimensions: { Service: "checkout" } };
const errors: MetricProbeSpec & CheckedProbeSpec = {
  kind: "Metric",
  name: "errors",
  weight: 1,
  phase: "During",
  queries: [
    {
      Id: "judged",
      ReturnData: true,
      MetricStat: {
        Metric: {
          Namespace: METRIC.namespace,
          MetricName: METRIC.metricName,
          Dimensions: [{ Name: "Service", Value: "checkout" }],
        },
        Period: 60,
        Stat: "Sum",
      },
    },
  ],
  comparison: "LessThanOrEqual",
  threshold: 5,
  windowSeconds: 60,
  sampling: SAMPLING,
};
const alarm = (expect: AlarmProbeSpec["expect"]): AlarmProbeSpec & CheckedProbeSpec => ({
  kind: "Alarm",
  name: "latency",
  weight: 1,
  alarmName: "checkout-latency",
  expect,
  withinSeconds: 60,
  sampling: SAMPLING,
});

let aws: FakeAws;
beforeEach(() => {
  aws = new FakeAws().bind();
});
afterEach(() => aws.dispose());

const cloudwatch = () => new CloudWatchClient({ region: HOME_REGION });
const faultStart = () => new Date(Date.now() - 5 * 60_000);

test("a metric holds while its values since the fault's start keep to the threshold, and fails on the first that does not", async () => {
  aws.cloudwatch.record(METRIC.namespace, METRIC.metricName, METRIC.dimensions, [
    { at: new Date(Date.now() - 3 * 60_000), value: 2 },
  ]);
  expect(await takeCheck(cloudwatch(), errors, faultStart())).toMatchObject({ kind: "Metric", passed: true });
  aws.cloudwatch.record(METRIC.namespace, METRIC.metricName, METRIC.dimensions, [
    { at: new Date(Date.now() - 60_000), value: 9 },
  ]);
  const broken = await takeCheck(cloudwatch(), errors, faultStart());
  expect(broken).toMatchObject({ passed: false, why: expect.stringMatching(/^1 of \d+ values broke/) });
});

test("a metric without a datapoint yet is no reason to stop", async () => {
  expect(await takeCheck(cloudwatch(), errors, faultStart())).toMatchObject({ passed: true });
});

test("a STAYS_OK alarm in ALARM fails; a FIRES one only tells its state", async () => {
  aws.cloudwatch.addAlarm("checkout-latency");
  expect(await takeCheck(cloudwatch(), alarm("StaysOk"), faultStart())).toEqual(
    expect.objectContaining({ passed: true, state: "OK" }),
  );
  aws.cloudwatch.setAlarmState("checkout-latency", "ALARM");
  expect(await takeCheck(cloudwatch(), alarm("StaysOk"), faultStart())).toMatchObject({
    passed: false,
    state: "ALARM",
    why: "checkout-latency is in ALARM",
  });
  expect(await takeCheck(cloudwatch(), alarm("Fires"), faultStart())).toMatchObject({
    passed: true,
    state: "ALARM",
  });
});
