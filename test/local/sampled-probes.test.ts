/**
 * Whole experiments with sampled probes, in real time: the construct's state machine samples an HTTP
 * probe and a target group's health beside the fault, the real handlers send real requests to a
 * server on loopback and read a fake load balancer whose health checks fail while an instance is
 * injected, as an ELB's do, and a command probe the simulated instances answer. One experiment holds
 * its hypothesis; in the others an HTTP probe, and an alarm, with stopOnFailure stop the fault, which
 * is cleaned up, reported and failed with ProbeFailed.
 */
import "./support/environment";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Duration, type Stack } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as elbv2 from "aws-cdk-lib/aws-elasticloadbalancingv2";
import { AlarmExpectation, ProbePhase, type HttpResetPeerFaultProps } from "../../lib";
import type { Verdict } from "../../lambda/contract";
import { SimulatedAgent } from "./support/agents/simulated";
import { localFault, type LocalFault, type LocalFaultProps } from "./support/local-fault";
import { SIMULATED_INPUT } from "./support/simulated-fleet";
import { describeOutcome, recordedReport, reportOf, wholeReport } from "./support/scenario";
import { HOME_ACCOUNT, HOME_REGION } from "./support/fake-aws";

/** Real seconds: the sampled probes' intervals are real. */
const INPUT = { ...SIMULATED_INPUT, TOTAL_CHAOS_DURATION: 15 };
/** Each simulated second is a real one; the progress check polls every half second. */
const WAITS = { waitMs: { "Ramp up": 5, "Ramp down": 5, "Wait for progress": 500 } };

/** A service on loopback that resets the connections `resetting` says to: the end user's view. */
class Checkout {
  requests = 0;
  resets = 0;
  resetting: (request: number) => boolean = () => false;
  private readonly server: Server = createServer((req, res) => {
    this.requests++;
    if (this.resetting(this.requests)) {
      this.resets++;
      req.socket.resetAndDestroy();
      return;
    }
    res.end("ok");
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/health`;
  }

  stop = () => new Promise<void>((resolve) => this.server.close(() => resolve()));
}

function hypothesis(url: string, groupArn: string, stopOnFailure: boolean) {
  return (stack: Stack): HttpResetPeerFaultProps => ({
    hypothesis: {
      statement: "Checkout keeps answering, and the load balancer takes the instance out and back",
      http: [
        {
          name: "checkout",
          url,
          bodyPattern: "^ok$",
          phase: ProbePhase.CONTINUOUSLY,
          interval: Duration.seconds(5),
          timeout: Duration.seconds(2),
          window: Duration.seconds(10),
          successRate: stopOnFailure ? 100 : 50,
          stopOnFailure,
        },
      ],
      // The application's log, as the instance's own view: resets logged while the fault runs.
      commands: stopOnFailure
        ? []
        : [
            {
              name: "resets-logged",
              command: "grep -c 'connection reset' /var/log/app.log || true",
              outputMatches: "^[1-9]",
              interval: Duration.seconds(5),
              timeout: Duration.seconds(3),
            },
          ],
      targetHealth: stopOnFailure
        ? []
        : [
            {
              name: "taken-out-and-back",
              targetGroup: elbv2.ApplicationTargetGroup.fromTargetGroupAttributes(stack, "Web", {
                targetGroupArn: groupArn,
              }),
              interval: Duration.seconds(5),
              takenOutWithin: Duration.seconds(10),
              healthyAgainWithin: Duration.seconds(10),
            },
          ],
    },
  });
}

const injectedOn = (agent: SimulatedAgent, id: string) =>
  agent.runs.some((r) => r.instanceId === id && r.parameters.Action === "Inject" && r.endedAt === undefined);

/** Two instances in real time, registered in a target group whose checks fail while they are injected. */
function fleet(local: LocalFault, agent: SimulatedAgent) {
  const injected = (id: string) => injectedOn(agent, id);
  const ids = local.aws.fleet.addMany(2, { tags: { app: "web" }, agent }).map((i) => i.id);
  const groupArn = local.aws.loadBalancing.createTargetGroup(
    "web",
    { intervalMs: 300, healthyThreshold: 2, unhealthyThreshold: 2, check: (id) => !injected(id) },
    GROUP_ID,
  );
  for (const id of ids) local.aws.loadBalancing.register(groupArn, id);
  return { ids, injected, groupArn };
}

const probe = (verdict: Verdict | undefined, name: string) => verdict?.probes.find((p) => p.name === name);

let checkout: Checkout;
let url: string;
beforeEach(async () => {
  checkout = new Checkout();
  url = await checkout.start();
});
afterEach(() => checkout.stop());

/** The target group's ARN, fixed so that the fault can be synthesized before the group is made. */
const GROUP_ID = "0123456789abcdef";
const GROUP_ARN = `arn:aws:elasticloadbalancing:${HOME_REGION}:${HOME_ACCOUNT}:targetgroup/web/${GROUP_ID}`;

function deployed(props: LocalFaultProps) {
  const agent: SimulatedAgent = new SimulatedAgent({
    msPerSecond: 1000,
    resetsPerSecond: 1,
    // The log's count of resets: some while the instance is injected.
    commandProbe: (_, id) => ({ exitCode: 0, stdout: injectedOn(agent, id) ? "3\n" : "0\n" }),
  });
  const local = localFault({ props, timing: { visibilityMs: 20, deliveryMs: 5 } });
  return { agent, local, ...fleet(local, agent) };
}

test("the end user's view and the load balancer's, sampled beside the fault: Passed, with the times and codes seen", async () => {
  const { agent, local, injected } = deployed(hypothesis(url, GROUP_ARN, false));
  try {
    // One request in three meets the injected instance while the fault runs, as behind a load balancer.
    checkout.resetting = (n) => agent.runs.some((r) => injected(r.instanceId)) && n % 3 === 0;
    await new Promise((resolve) => setTimeout(resolve, 1000)); // the targets pass their first checks
    const outcome = await local.stateMachine.start(INPUT, WAITS).done;
    expect(describeOutcome(outcome)).toBe("SUCCEEDED");
    const verdict = reportOf(outcome).verdict;
    expect(verdict).toMatchObject({ result: "Passed", score: 100, steadyStateHeld: true });
    const http = probe(verdict, "checkout");
    expect(http?.windows?.map((w) => [w.phase, w.outcome])).toEqual([
      ["Before", "Passed"],
      ["During", "Passed"],
      ["After", "Passed"],
    ]);
    expect(http?.evidence).toMatchObject({ url, method: "GET", statusCodes: { 200: expect.any(Number) } });
    const lb = probe(verdict, "taken-out-and-back");
    expect(lb?.outcome).toBe("Passed");
    expect(lb?.evidence.takenOutAfterSecondsMax).toBeLessThanOrEqual(10);
    expect(lb?.evidence.healthyAgainAfterSecondsMax).toBeLessThanOrEqual(10);
    expect(
      Object.values(lb?.evidence.instances as Record<string, { states: string[] }>).map((i) => i.states),
    ).toEqual([
      ["healthy", "unhealthy", "healthy"],
      ["healthy", "unhealthy", "healthy"],
    ]);
    // The command probe ran on both instances through the probe document, and saw the log's resets.
    expect(probe(verdict, "resets-logged")).toMatchObject({
      kind: "Command",
      outcome: "Passed",
      evidence: { instancesMax: 2, notPassed: [] },
    });
    expect(
      local.aws.ssm.commands.filter((c) => c.parameters.Probe?.[0] === "resets-logged").length,
    ).toBeGreaterThan(0);
    expect(wholeReport(local, outcome).verdict).toEqual(verdict);
    // The page answers the load balancer's and the end user's questions in words.
    const [, bucket, key] = /^s3:\/\/([^/]+)\/(.+)$/.exec(reportOf(outcome).reportPage) ?? [];
    const page = local.aws.s3.read(bucket, key);
    expect(page).toMatch(
      /Did the load balancer take the instance out \(taken-out-and-back\)\? Taken out \d+ s after the fault&#39;s start at the slowest, healthy again \d+ s after its end: Passed/,
    );
    expect(page).toMatch(/What did the end user see \(checkout\)\? \d+ × 200(, \d+ × ECONNRESET)?: Passed/);
    // The loop sampled while the fault ran: the report's evidence comes from its records.
    const rounds = local.aws.calls.calls.filter(
      (c) => c.operation === "PutObject" && String(c.input.Key).includes("/samples/"),
    );
    expect(rounds.length).toBeGreaterThanOrEqual(4);
  } finally {
    await local.dispose();
  }
}, 90_000);

test("an HTTP probe with stopOnFailure that fails while the fault runs stops it: cleaned up, reported, ProbeFailed", async () => {
  const { agent, local, ids, injected } = deployed(hypothesis(url, GROUP_ARN, true));
  try {
    checkout.resetting = () => agent.runs.some((r) => injected(r.instanceId));
    const started = Date.now();
    const execution = local.stateMachine.start(INPUT, WAITS);
    const outcome = await execution.done;
    expect(outcome.status).toBe("FAILED");
    expect(outcome.error).toBe("ProbeFailed");
    expect(outcome.cause).toMatch(
      /^HTTP probe "checkout" failed while the fault ran: 1 of \d samples failed/,
    );
    // Stopped well before the fault's 15 seconds were over, and every instance cleaned up.
    expect(Date.now() - started).toBeLessThan(14_000);
    for (const id of ids) {
      expect(injected(id)).toBe(false);
      expect(agent.runs.some((r) => r.instanceId === id && r.parameters.Action === "Cleanup")).toBe(true);
    }
    const report = recordedReport(local, execution.name);
    expect(report?.verdict).toMatchObject({ result: "Failed" });
    expect(probe(report?.verdict, "checkout")?.evidence).toMatchObject({
      errors: { ECONNRESET: expect.any(Number) },
    });
  } finally {
    await local.dispose();
  }
}, 90_000);

test("an alarm that must stay OK, with stopOnFailure, stops the fault when it goes to ALARM while the fault runs", async () => {
  const props = (stack: Stack): HttpResetPeerFaultProps => ({
    hypothesis: {
      alarms: [
        {
          name: "latency-ok",
          alarm: cloudwatch.Alarm.fromAlarmName(stack, "Latency", "checkout-latency"),
          expect: AlarmExpectation.STAYS_OK,
          stopOnFailure: true,
          interval: Duration.seconds(5),
        },
      ],
    },
  });
  const { agent, local, ids, injected } = deployed(props);
  try {
    local.aws.cloudwatch.addAlarm("checkout-latency");
    const execution = local.stateMachine.start(INPUT, WAITS);
    // The latency alarm goes to ALARM once the fault reaches an instance.
    const firing = setInterval(() => {
      if (ids.some(injected)) local.aws.cloudwatch.setAlarmState("checkout-latency", "ALARM");
    }, 200);
    const outcome = await execution.done;
    clearInterval(firing);
    expect(outcome.error).toBe("ProbeFailed");
    expect(outcome.cause).toBe('alarm probe "latency-ok" failed while the fault ran');
    for (const id of ids) {
      expect(injected(id)).toBe(false);
      expect(agent.runs.some((r) => r.instanceId === id && r.parameters.Action === "Cleanup")).toBe(true);
    }
    // Judged afterwards from the alarm's history, as every STAYS_OK alarm is.
    expect(probe(recordedReport(local, execution.name)?.verdict, "latency-ok")?.outcome).toBe("Failed");
  } finally {
    await local.dispose();
  }
}, 90_000);
