/**
 * A hypothesis of every kind of probe, and the world it probes, for the control plane's runs with
 * one: an alarm that must stay OK and one that fires when the fault reaches an instance, a metric
 * with datapoints, an HTTP probe of a service on loopback, the health of the instances in a target
 * group whose checks fail while they are injected, a command probe of the application's log (the
 * simulated instances answer it: COMMAND_PROBE_ANSWER), and the clients. The sampled probes run in real
 * time, so the runs with a hypothesis do too.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Duration, type Stack } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as elbv2 from "aws-cdk-lib/aws-elasticloadbalancingv2";
import { AlarmExpectation, ProbeComparison, ProbePhase, type HttpResetPeerFaultProps } from "../../lib";
import type { SimulatedAgent } from "../../test/local/support/agents/simulated";
import { HOME_ACCOUNT, HOME_REGION } from "../../test/local/support/fake-aws";
import type { LocalFault } from "../../test/local/support/local-fault";

const OK_ALARM = "checkout-latency";
const FIRING_ALARM = "checkout-resets";
const METRIC = { namespace: "Checkout", metricName: "Errors5xx", dimensions: { Service: "checkout" } };
const GROUP_ID = "0123456789abcdef";
const GROUP_ARN = `arn:aws:elasticloadbalancing:${HOME_REGION}:${HOME_ACCOUNT}:targetgroup/web/${GROUP_ID}`;

/** The probes' samples every 10 s, Harness's and Litmus's default interval too. */
const INTERVAL = Duration.seconds(10);

const props =
  (url: string) =>
  (stack: Stack): HttpResetPeerFaultProps => ({
    hypothesis: {
      statement:
        "Checkout keeps answering, the load balancer takes the instance out and back, and alarms see it",
      alarms: [
        {
          name: "latency-ok",
          alarm: cloudwatch.Alarm.fromAlarmName(stack, "Latency", OK_ALARM),
          expect: AlarmExpectation.STAYS_OK,
        },
        {
          name: "resets-seen",
          alarm: cloudwatch.Alarm.fromAlarmName(stack, "Resets", FIRING_ALARM),
          expect: AlarmExpectation.FIRES,
          within: Duration.minutes(1),
        },
      ],
      metrics: [
        {
          name: "few-5xx",
          metric: new cloudwatch.Metric({
            namespace: METRIC.namespace,
            metricName: METRIC.metricName,
            dimensionsMap: METRIC.dimensions,
            statistic: "Sum",
            period: Duration.minutes(1),
          }),
          comparison: ProbeComparison.LESS_THAN_OR_EQUAL,
          threshold: 100,
          phase: ProbePhase.CONTINUOUSLY,
          window: Duration.minutes(1),
          missingDataValue: 0,
        },
      ],
      http: [
        {
          name: "checkout-answers",
          url,
          phase: ProbePhase.CONTINUOUSLY,
          interval: INTERVAL,
          successRate: 50,
        },
      ],
      targetHealth: [
        {
          name: "taken-out-and-back",
          targetGroup: elbv2.ApplicationTargetGroup.fromTargetGroupAttributes(stack, "Web", {
            targetGroupArn: GROUP_ARN,
          }),
          interval: INTERVAL,
          takenOutWithin: Duration.seconds(30),
          healthyAgainWithin: Duration.seconds(30),
        },
      ],
      commands: [
        {
          name: "resets-logged",
          command: "grep -c 'connection reset' /var/log/app.log || true",
          outputMatches: "^\\d+",
          phase: ProbePhase.CONTINUOUSLY,
          interval: INTERVAL,
        },
      ],
      clients: { maxUnsafeRetries: 0 },
    },
    tunableDefaults: { observeRecoverySeconds: 0 },
  });

/** What the simulated instances print for the command probe: a count of the log's resets. */
export const COMMAND_PROBE_ANSWER = { exitCode: 0, stdout: "3\n" };

/** The service the HTTP probe asks, on loopback for the whole benchmark: the props name its port. */
let service: { server: Server; props: (stack: Stack) => HttpResetPeerFaultProps } | undefined;

export async function hypothesisProps(): Promise<(stack: Stack) => HttpResetPeerFaultProps> {
  if (!service) {
    const server = createServer((_, res) => res.end("ok"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    server.unref();
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/health`;
    service = { server, props: props(url) };
  }
  return service.props;
}

/**
 * The world the hypothesis probes, in one local account: its alarms (the second fires when the
 * fault first reaches an instance), a datapoint of the metric, and every instance in the target
 * group, healthy once its first checks pass. Resolves when they have, with what stops its timer.
 */
export async function probedWorld(
  local: LocalFault,
  agent: SimulatedAgent,
  ids: readonly string[],
): Promise<() => void> {
  local.aws.cloudwatch.addAlarm(OK_ALARM);
  local.aws.cloudwatch.addAlarm(FIRING_ALARM);
  local.aws.cloudwatch.record(METRIC.namespace, METRIC.metricName, METRIC.dimensions, [
    { at: new Date(), value: 1 },
  ]);
  // The instances injected now, read from the agent's runs once a second rather than per check.
  let injected = new Set<string>();
  let fired = false;
  const timer = setInterval(() => {
    injected = new Set(
      agent.runs
        .filter((r) => r.parameters.Action === "Inject" && r.endedAt === undefined)
        .map((r) => r.instanceId),
    );
    if (injected.size && !fired) {
      fired = true;
      local.aws.cloudwatch.setAlarmState(FIRING_ALARM, "ALARM");
    }
  }, 1000);
  const group = local.aws.loadBalancing.createTargetGroup(
    "web",
    { intervalMs: 2000, healthyThreshold: 2, unhealthyThreshold: 2, check: (id) => !injected.has(id) },
    GROUP_ID,
  );
  for (const id of ids) local.aws.loadBalancing.register(group, id);
  await new Promise((resolve) => setTimeout(resolve, 5000));
  return () => clearInterval(timer);
}
