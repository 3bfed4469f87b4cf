/**
 * Example app: the fault deployed into whichever account and region the CLI points at, with a
 * sample console input and a weekly schedule that is deployed switched off, so that a deployment
 * injects nothing by itself; a hypothesis every experiment is judged against; and its dashboard,
 * beside a target group's health and errors.
 */
import { App, CfnOutput, Duration, Stack } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as elbv2 from "aws-cdk-lib/aws-elasticloadbalancingv2";
import * as scheduler from "aws-cdk-lib/aws-scheduler";
import {
  AlarmExpectation,
  HttpResetPeerDashboard,
  HttpResetPeerFault,
  ProbeComparison,
  ProbePhase,
  type Hypothesis,
} from "../lib";
import { SAMPLE_EXECUTION_INPUT } from "./sample-input";

const app = new App();
const stack = new Stack(app, "HttpResetPeerFault", {
  description: "EC2 HTTP reset peer: a chaos fault that resets inbound HTTP connections to one port",
});

// The service under test's target group, whose health and errors the dashboard graphs beside the
// fault's. This app has no load balancer: give yours with `-c targetGroupArn=… -c loadBalancerArn=…`;
// without them, a stand-in's ARNs (its graphs stay empty).
const STAND_IN = `arn:${stack.partition}:elasticloadbalancing:${stack.region}:${stack.account}`;
const targetGroup = elbv2.ApplicationTargetGroup.fromTargetGroupAttributes(stack, "ServiceTargetGroup", {
  targetGroupArn:
    app.node.tryGetContext("targetGroupArn") ?? `${STAND_IN}:targetgroup/checkout/0123456789abcdef`,
  loadBalancerArns:
    app.node.tryGetContext("loadBalancerArn") ?? `${STAND_IN}:loadbalancer/app/checkout/0123456789abcdef`,
});
// What the team expects of checkout under the fault, judged after every experiment: a verdict in
// the execution's output and its report, and a failed execution when it does not hold.
const unhealthy = new cloudwatch.Alarm(stack, "CheckoutUnhealthyHosts", {
  alarmDescription: "A checkout instance is out of the load balancer's rotation",
  metric: targetGroup.metrics.unhealthyHostCount({ statistic: "Maximum", period: Duration.minutes(1) }),
  threshold: 1,
  comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
  evaluationPeriods: 1,
});
const hypothesis: Hypothesis = {
  statement:
    "Checkout keeps answering: 95% of its health checks pass and its 5XX stay at 10 a minute or fewer, the load balancer takes the reset instance out within a minute and back within two, the unhealthy-host alarm sees it within 3 minutes, no order is sent twice, and every client is back within 30 s",
  alarms: [
    {
      name: "unhealthy-host-seen",
      alarm: unhealthy,
      expect: AlarmExpectation.FIRES,
      within: Duration.minutes(3),
    },
  ],
  metrics: [
    {
      name: "checkout-5xx",
      metric: targetGroup.metrics.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, {
        period: Duration.minutes(1),
      }),
      comparison: ProbeComparison.LESS_THAN_OR_EQUAL,
      threshold: 10,
      phase: ProbePhase.CONTINUOUSLY,
      // The load balancer publishes no datapoint in a minute without a 5XX.
      missingDataValue: 0,
    },
  ],
  // The end user's view: give the URL with `-c checkoutUrl=…`. The fault stops when it fails.
  http: [
    {
      name: "checkout-answers",
      url: app.node.tryGetContext("checkoutUrl") ?? "https://checkout.example.com/health",
      maxLatency: Duration.seconds(1),
      successRate: 95,
      phase: ProbePhase.CONTINUOUSLY,
      stopOnFailure: true,
    },
  ],
  // The application's own view: its log counts the resets it saw.
  commands: [
    {
      name: "resets-logged",
      command: "grep -c 'connection reset' /var/log/checkout/app.log || true",
      outputMatches: "^[1-9]",
    },
  ],
  targetHealth: [
    {
      name: "taken-out-and-back",
      targetGroup,
      takenOutWithin: Duration.minutes(1),
      healthyAgainWithin: Duration.minutes(2),
    },
  ],
  clients: { maxUnsafeRetries: 0, backWithin: Duration.seconds(30), weight: 2 },
};

const fault = new HttpResetPeerFault(stack, "Fault", {
  tunableDefaults: { networkInterface: "eth0", totalChaosDuration: 60 },
  // Only instances tagged chaos-ready=true can be targeted, however the input selects them.
  optInTag: { key: "chaos-ready", value: "true" },
  schedules: [
    {
      description: "Tuesday game day: one minute of resets on port 80 of one opted-in instance",
      expression: scheduler.ScheduleExpression.cron({ weekDay: "TUE", hour: "10", minute: "0" }),
      input: { ec2InstanceTag: "chaos-ready:true", targetServicePort: 80 },
    },
  ],
  // Switch on with `-c schedulesEnabled=true` once the tagged instances are ready.
  schedulesEnabled: app.node.tryGetContext("schedulesEnabled") === "true",
  hypothesis,
});

const dashboard = new HttpResetPeerDashboard(stack, "Dashboard", {
  fault,
  serviceMetrics: [
    targetGroup.metrics.unhealthyHostCount({ statistic: "Maximum" }),
    targetGroup.metrics.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT),
  ],
});

new CfnOutput(stack, "StateMachineArn", { value: fault.stateMachine.stateMachineArn });
new CfnOutput(stack, "SampleExecutionInput", {
  description: "Paste into the Step Functions console's Start execution",
  value: JSON.stringify(SAMPLE_EXECUTION_INPUT),
});
new CfnOutput(stack, "FunctionRoleArns", {
  description: "Roles a target account's HttpResetPeerTarget must trust",
  value: stack.toJsonString(fault.functionRoles.map((role) => role.roleArn)),
});
new CfnOutput(stack, "DashboardName", { value: dashboard.dashboardName });
