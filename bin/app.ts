/**
 * Example app: the fault deployed into whichever account and region the CLI points at, with a
 * sample console input and a weekly schedule that is deployed switched off, so that a deployment
 * injects nothing by itself; and its dashboard, beside a target group's health and errors.
 */
import { App, CfnOutput, Stack } from "aws-cdk-lib";
import * as elbv2 from "aws-cdk-lib/aws-elasticloadbalancingv2";
import * as scheduler from "aws-cdk-lib/aws-scheduler";
import { HttpResetPeerDashboard, HttpResetPeerFault } from "../lib";
import { SAMPLE_EXECUTION_INPUT } from "./sample-input";

const app = new App();
const stack = new Stack(app, "HttpResetPeerFault", {
  description: "EC2 HTTP reset peer: a chaos fault that resets inbound HTTP connections to one port",
});

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
