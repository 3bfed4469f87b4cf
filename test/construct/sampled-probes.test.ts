/**
 * The sampled probes (HTTP, target health) at synthesis: what is refused by name, the Parallel state
 * that samples them beside the fault, and the functions and IAM they need and no more.
 */
import { Duration, Stack } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import * as elbv2 from "aws-cdk-lib/aws-elasticloadbalancingv2";
import {
  AlarmExpectation,
  HttpProbeMethod,
  ProbeComparison,
  HttpResetPeerFault,
  ProbePhase,
  type HttpProbe,
  type Hypothesis,
  type TargetHealthProbe,
} from "../../lib";
import { renderHypothesis } from "../../lib/hypothesis/hypothesis";
import type { HttpProbeSpec, TargetHealthProbeSpec } from "../../lib/hypothesis/probe-spec";
import { STOP_ERRORS } from "../../lib/stop-errors";
import { renderAsl, type Asl } from "./definition";
import { newStack, statementsOf } from "./support";

const GROUP_ARN = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web/0123456789abcdef";
const group = (stack: Stack, arn = GROUP_ARN) =>
  elbv2.ApplicationTargetGroup.fromTargetGroupAttributes(stack, `Group${stack.node.children.length}`, {
    targetGroupArn: arn,
  });
/** The run properties a probe gets when it is given none. */
const DEFAULT_SAMPLING = {
  intervalSeconds: 10,
  timeoutSeconds: 5,
  retries: 0,
  initialDelaySeconds: 0,
  stopOnFailure: false,
};
const http = (props: Partial<HttpProbe> = {}): HttpProbe => ({
  name: "checkout",
  url: "https://shop.example.com/health",
  ...props,
});
const health = (stack: Stack, props: Partial<TargetHealthProbe> = {}): TargetHealthProbe => ({
  name: "lb",
  targetGroup: group(stack),
  takenOutWithin: Duration.minutes(1),
  ...props,
});

function build(hypothesis: (stack: Stack) => Hypothesis, account = "123456789012") {
  const stack = new Stack(newStack().node.root as never, "Sampled", {
    env: { account, region: "eu-west-1" },
  });
  const fault = new HttpResetPeerFault(stack, "Fault", { hypothesis: hypothesis(stack) });
  return { stack, fault, template: Template.fromStack(stack) };
}

describe("sampled probes are checked at synthesis, by name", () => {
  test.each<[string, (stack: Stack) => Hypothesis, RegExp]>([
    [
      "an ftp URL",
      () => ({ http: [http({ url: "ftp://files.example.com/" })] }),
      /HTTP probe "checkout": url must be http:\/\/ or https:\/\/; got ftp:/,
    ],
    [
      "credentials in the URL",
      () => ({ http: [http({ url: "https://me:secret@shop.example.com/" })] }),
      /url must not hold credentials/,
    ],
    ["not a URL", () => ({ http: [http({ url: "shop" })] }), /url is not a URL: "shop"/],
    [
      "a body with GET",
      () => ({ http: [http({ body: "{}" })] }),
      /a body goes with POST, PUT or PATCH; the method is GET/,
    ],
    [
      "a status range upside down",
      () => ({ http: [http({ expectStatus: [{ min: 500, max: 200 }] })] }),
      /expectStatus ranges take whole codes from 100 to 599, min ≤ max; got 500-200/,
    ],
    [
      "a bad body pattern",
      () => ({ http: [http({ bodyPattern: "(" })] }),
      /bodyPattern is not a regular expression/,
    ],
    [
      "a header with a line break",
      () => ({ http: [http({ headers: { "X-A": "a\r\nHost: evil" } })] }),
      /header "X-A" holds a line break or NUL/,
    ],
    [
      "a Content-Length header",
      () => ({ http: [http({ headers: { "Content-Length": "3" } })] }),
      /header "Content-Length" cannot be given/,
    ],
    [
      "a success rate of 0",
      () => ({ http: [http({ successRate: 0 })] }),
      /successRate must be a percentage from 1 to 100; got 0/,
    ],
    [
      "an interval of 1 s",
      () => ({ http: [http({ interval: Duration.seconds(1) })] }),
      /interval must be from 5 to 900 seconds, known at synthesis; got 1 s/,
    ],
    [
      "a timeout longer than the interval",
      () => ({ http: [http({ timeout: Duration.seconds(30) })] }),
      /timeout \(30 s\) must be at most the interval \(10 s\)/,
    ],
    [
      "6 retries",
      () => ({ http: [http({ retries: 6 })] }),
      /retries must be a whole number from 0 to 5; got 6/,
    ],
    [
      "a latency bound beyond the timeout",
      () => ({ http: [http({ maxLatency: Duration.seconds(6) })] }),
      /maxLatency must be from 1 ms to the timeout \(5 s\); got 6000 ms/,
    ],
    [
      "an After window shorter than the interval",
      () => ({ http: [http({ window: Duration.seconds(5) })] }),
      /window must be from the interval \(10 s\) to 1 hour; got 5 s/,
    ],
    [
      "a target-health probe with no bound",
      (stack) => ({ targetHealth: [health(stack, { takenOutWithin: undefined })] }),
      /target health probe "lb": give takenOutWithin, healthyAgainWithin, or both/,
    ],
    [
      "taken out within 5 s",
      (stack) => ({ targetHealth: [health(stack, { takenOutWithin: Duration.seconds(5) })] }),
      /takenOutWithin must be from 10 seconds to 1 hour; got 5 s/,
    ],
    [
      "a bound shorter than the interval",
      (stack) => ({
        targetHealth: [
          health(stack, { interval: Duration.seconds(30), takenOutWithin: Duration.seconds(20) }),
        ],
      }),
      /takenOutWithin \(20 s\) must be at least the interval \(30 s\)/,
    ],
    [
      "a target group of another account",
      (stack) => ({
        targetHealth: [
          health(stack, { targetGroup: group(stack, GROUP_ARN.replace("123456789012", "210987654321")) }),
        ],
      }),
      /its target group .* is in another account or region/,
    ],
    [
      "a VPC without an HTTP probe",
      (stack) => ({ targetHealth: [health(stack)], httpProbeVpc: new ec2.Vpc(stack, "Vpc") }),
      /hypothesis httpProbeVpc is given without any http probe/,
    ],
  ])("refuses %s", (_, hypothesis, message) => {
    expect(() => build(hypothesis)).toThrow(message);
  });

  test("renders the probes with their defaults, tokens in the URL kept for deployment", () => {
    const stack = newStack();
    const { spec } = renderHypothesis(stack, {
      http: [
        http(),
        http({
          name: "order",
          url: `http://${new elbv2.ApplicationLoadBalancer(stack, "Alb", { vpc: new ec2.Vpc(stack, "AlbVpc") }).loadBalancerDnsName}/order`,
          method: HttpProbeMethod.POST,
          body: '{"sku":1}',
          headers: { "Idempotency-Key": "probe" },
          expectStatus: [{ min: 200, max: 299 }, { min: 503 }],
          bodyPattern: "ok",
          maxLatency: Duration.millis(800),
          successRate: 95,
          phase: ProbePhase.CONTINUOUSLY,
          retries: 2,
          stopOnFailure: true,
        }),
      ],
      targetHealth: [health(stack, { healthyAgainWithin: Duration.minutes(2) })],
    });
    const [checkout, order, lb] = spec.probes as [HttpProbeSpec, HttpProbeSpec, TargetHealthProbeSpec];
    expect(checkout).toEqual({
      kind: "Http",
      name: "checkout",
      weight: 1,
      phase: "During",
      request: { url: "https://shop.example.com/health", method: "GET", headers: {} },
      expect: { statusRanges: [{ from: 200, to: 299 }] },
      successRate: 1,
      windowSeconds: 60,
      sampling: DEFAULT_SAMPLING,
    });
    expect(order).toMatchObject({
      phase: "Continuously",
      request: { method: "POST", body: '{"sku":1}', headers: { "Idempotency-Key": "probe" } },
      expect: {
        statusRanges: [
          { from: 200, to: 299 },
          { from: 503, to: 503 },
        ],
        bodyPattern: "ok",
        maxLatencyMs: 800,
      },
      successRate: 0.95,
      sampling: { retries: 2, stopOnFailure: true },
    });
    expect(lb).toEqual({
      kind: "TargetHealth",
      name: "lb",
      weight: 1,
      targetGroupArn: GROUP_ARN,
      takenOutWithinSeconds: 60,
      healthyAgainWithinSeconds: 120,
      sampling: DEFAULT_SAMPLING,
    });
  });
});

describe("the state machine samples beside the fault", () => {
  const asl = renderAsl({ spec: "{}", failExecution: true }, true, true);
  const parallel = asl.States["Inject and watch"];
  const [faultBranch, samplingBranch] = parallel.Branches as [Asl, Asl];

  test("a Parallel state: the fault's branch and the sampling loop, after the dry-run choice, before the report", () => {
    expect(parallel.Type).toBe("Parallel");
    expect(asl.States["Dry run?"].Default).toBe("Inject and watch");
    expect(parallel.Next).toBe("Report");
    expect(parallel.ResultPath).toBeNull();
    expect(faultBranch.StartAt).toBe("Ramp up");
    expect(samplingBranch.StartAt).toBe("Start sampling");
    // The loop samples on through the After windows: no Wait of its own after the fault.
    expect(asl.States["Watch after the fault"]).toBeUndefined();
  });

  test("the fault's branch ends by noting its end in the records, as the state machine's own SDK call", () => {
    expect(faultBranch.States["Ramp down"].Next).toBe("Note the fault's end");
    const note = faultBranch.States["Note the fault's end"];
    expect(note).toMatchObject({
      Type: "Task",
      Resource: { "Fn::Join": ["", ["arn:", { Ref: "AWS::Partition" }, ":states:::aws-sdk:s3:putObject"]] },
      End: true,
      ResultPath: null,
      Parameters: {
        Bucket: "records-bucket",
        "Key.$": "States.Format('{}fault-ended.json', $.plan.records)",
        "Body.$": "$$.State.EnteredTime",
      },
    });
    expect(faultBranch.States.Inject.ItemProcessor?.ProcessorConfig).toMatchObject({ Mode: "DISTRIBUTED" });
  });

  test("the loop: sample, then stop the fault, end, or wait for the next sample; a sampler that fails gives up, not the fault", () => {
    const states = samplingBranch.States;
    expect(states["Start sampling"]).toMatchObject({
      Type: "Pass",
      Next: "Sample the probes",
      ResultPath: "$.sampling",
    });
    expect(states["Sample the probes"]).toMatchObject({ Next: "Sampling done?", ResultPath: "$.sampling" });
    expect(states["Sample the probes"].Catch).toEqual([
      expect.objectContaining({ ErrorEquals: ["States.ALL"], Next: "Sampling given up" }),
    ]);
    expect(states["Sampling given up"].Type).toBe("Succeed");
    expect(states["Sampling done?"].Choices?.map((c) => c.Next)).toEqual(["A probe failed", "Sampling done"]);
    expect(states["Sampling done?"].Default).toBe("Wait for the next sample");
    expect(states["Wait for the next sample"]).toMatchObject({
      SecondsPath: "$.sampling.waitSeconds",
      Next: "Sample the probes",
    });
    expect(states["A probe failed"]).toMatchObject({ Type: "Fail", ErrorPath: "$.sampling.stop.Error" });
  });

  test("a probe that fails with stopOnFailure takes the stop path: cleanup, a report, and a Fail", () => {
    expect(parallel.Catch).toEqual([
      {
        ErrorEquals: [STOP_ERRORS.probeFailed],
        Next: "Clean up after a probe failed",
        ResultPath: "$.error",
      },
    ]);
    expect(asl.States["Clean up after a probe failed"].Next).toBe("Report the experiment a probe stopped");
    expect(asl.States["Report the experiment a probe stopped"].Next).toBe("Stopped by a probe");
    expect(asl.States["Stopped by a probe"]).toMatchObject({
      Type: "Fail",
      ErrorPath: "$.cleanup.stop.Error",
    });
  });

  test("without a sampled probe, no Parallel: the Wait after the fault is as before", () => {
    const plain = renderAsl({ spec: "{}", failExecution: true });
    expect(Object.values(plain.States).some((s) => s.Type === "Parallel")).toBe(false);
    expect(plain.States["Ramp down"].Next).toBe("Watch after the fault");
  });
});

describe("alarm and metric probes with stopOnFailure", () => {
  const { template } = build((stack) => ({
    alarms: [
      {
        name: "checked",
        alarm: cloudwatch.Alarm.fromAlarmName(stack, "Checked", "checked"),
        expect: AlarmExpectation.STAYS_OK,
        stopOnFailure: true,
        interval: Duration.seconds(30),
      },
      {
        name: "judged",
        alarm: cloudwatch.Alarm.fromAlarmName(stack, "Judged", "judged"),
        expect: AlarmExpectation.STAYS_OK,
      },
    ],
    metrics: [
      {
        name: "errors",
        metric: new cloudwatch.Metric({ namespace: "App", metricName: "Errors" }),
        comparison: ProbeComparison.LESS_THAN,
        threshold: 1,
      },
    ],
  }));

  test("the sampler is made to check them, and may read the checked alarm alone, and no metric", () => {
    const statements = statementsOf(template, "FaultTasksSampleProbes");
    const alarms = statements.filter((st) => st.Sid === "ReadHypothesisAlarms");
    expect(alarms).toHaveLength(1);
    expect(JSON.stringify(alarms[0].Resource)).toContain("alarm:checked");
    expect(JSON.stringify(alarms[0].Resource)).not.toContain("alarm:judged");
    expect(alarms[0].Action).toBe("cloudwatch:DescribeAlarms");
    expect(statements.some((st) => st.Sid === "ReadHypothesisMetrics")).toBe(false);
  });
});

describe("the command probes' document", () => {
  const { fault, template } = build(() => ({
    commands: [
      {
        name: "log-resets",
        command: "grep -c reset /var/log/app.log || true",
        timeout: Duration.seconds(20),
        interval: Duration.seconds(30),
      },
      { name: "disk", command: "df -h /", outputDoesNotMatch: "100%" },
    ],
  }));
  const documents = template.findResources("AWS::SSM::Document");
  const [probeDocumentId, probeDocument] =
    Object.entries(documents).find(([id]) => id.startsWith("FaultProbeDocument")) ?? [];

  test("one document: a Probe parameter whose allowed values are the probes' names, the commands in its script", () => {
    const content = probeDocument?.Properties.Content;
    expect(content.parameters).toEqual({
      Probe: {
        type: "String",
        description: "The command probe to run",
        allowedValues: ["log-resets", "disk"],
      },
    });
    const [step] = content.mainSteps;
    expect(step).toMatchObject({ action: "aws:runShellScript", inputs: { timeoutSeconds: "20" } });
    expect(step.inputs.runCommand.join("\n")).toContain(Buffer.from("df -h /").toString("base64"));
  });

  test("the fault role may send it and the fault's document, and no other", () => {
    const sends = statementsOf(template, "FaultFaultRole").filter((st) =>
      JSON.stringify(st.Action).includes("ssm:SendCommand"),
    );
    expect(sends.map((st) => st.Sid)).toEqual([
      "SendTheFaultDocument",
      "SendTheProbeDocument",
      "SendToInstances",
    ]);
    expect(JSON.stringify(sends.find((st) => st.Sid === "SendTheProbeDocument")?.Resource)).toContain(
      probeDocumentId,
    );
    expect(JSON.stringify(template.toJSON())).not.toContain("AWS-RunShellScript");
  });

  test("the steady-state check and the sampler are told its name; no other function is", () => {
    const functions = template.findResources("AWS::Lambda::Function");
    const told = Object.entries(functions)
      .filter(([, fn]) => fn.Properties.Environment?.Variables?.PROBE_DOCUMENT)
      .map(([id]) => id.replace(/Function[0-9A-F]{8}$/, ""));
    expect(told.sort()).toEqual(["FaultTasksCheckSteadyState", "FaultTasksSampleProbes"]);
    expect(fault.functions.sampleProbes).toBeDefined();
  });

  test("without a command probe, no probe document", () => {
    const { template: plain } = build(() => ({ http: [http()] }));
    expect(
      Object.keys(plain.findResources("AWS::SSM::Document")).some((id) =>
        id.startsWith("FaultProbeDocument"),
      ),
    ).toBe(false);
  });
});

describe("the sampled probes' functions and IAM", () => {
  const { fault, template } = build((stack) => ({
    http: [http()],
    targetHealth: [health(stack)],
    httpProbeVpc: new ec2.Vpc(stack, "Vpc"),
  }));
  const idOf = (fn: unknown) =>
    Stack.of(fault).getLogicalId((fn as { node: { defaultChild: never } }).node.defaultChild);

  test("the HTTP probes' function runs in the VPC named; the sampler, outside it", () => {
    const functions = template.findResources("AWS::Lambda::Function");
    expect(functions[idOf(fault.functions.probeHttp)].Properties.VpcConfig).toMatchObject({
      SubnetIds: expect.any(Array),
      SecurityGroupIds: expect.any(Array),
    });
    expect(functions[idOf(fault.functions.sampleProbes)].Properties.VpcConfig).toBeUndefined();
  });

  test.each(["TasksSampleProbes", "TasksCheckSteadyState"])(
    "%s may read target health and invoke the HTTP probes' function, and is told its name",
    (role) => {
      const statements = statementsOf(template, `Fault${role}`);
      expect(statements).toContainEqual(
        expect.objectContaining({
          Sid: "ReadTargetHealth",
          Action: "elasticloadbalancing:DescribeTargetHealth",
          Resource: "*",
        }),
      );
      expect(statements).toContainEqual(
        expect.objectContaining({
          Action: "lambda:InvokeFunction",
          Resource: { "Fn::GetAtt": [idOf(fault.functions.probeHttp), "Arn"] },
        }),
      );
    },
  );

  test("no other role reads target health or invokes the HTTP probes' function; the state machine does not invoke it", () => {
    const all = template.findResources("AWS::IAM::Policy");
    const holders = Object.entries(all)
      .filter(
        ([, p]) =>
          JSON.stringify(p).includes("DescribeTargetHealth") ||
          JSON.stringify(p).includes(idOf(fault.functions.probeHttp)),
      )
      .map(([id]) => id.replace(/[0-9A-F]{8}$/, ""));
    expect(holders.sort()).toEqual([
      "FaultTasksCheckSteadyStateRoleDefaultPolicy",
      "FaultTasksSampleProbesRoleDefaultPolicy",
    ]);
  });

  test("the state machine writes only the fault-ended record", () => {
    const statements = statementsOf(template, "FaultStateMachineRole");
    const writes = statements.filter((s) => JSON.stringify(s.Action).toLowerCase().includes("s3:putobject"));
    expect(writes).toEqual([
      expect.objectContaining({
        Resource: {
          "Fn::Join": [
            "",
            [{ "Fn::GetAtt": [expect.stringMatching(/^FaultRecords/), "Arn"] }, "/*/fault-ended.json"],
          ],
        },
      }),
    ]);
  });

  test("a hypothesis without sampled probes makes neither function", () => {
    const { fault: plain } = build(() => ({ clients: { maxUnsafeRetries: 0 } }));
    expect(plain.functions.sampleProbes).toBeUndefined();
    expect(plain.functions.probeHttp).toBeUndefined();
  });
});
