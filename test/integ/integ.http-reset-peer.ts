/**
 * Deploy-time truth, for those who have an AWS account: one Amazon Linux 2023 instance serving
 * HTTP on port 80 (Python's http.server, nothing to download) with a client on the same instance
 * calling it all the time, the fault beside it, and an experiment that must succeed, reset the
 * client's connections and restore the instance. `npm run integ` deploys it (see CONTRIBUTING.md:
 * "Integration test"); CI compares its snapshot only, since nothing can be deployed there.
 */
import { App, Duration, Stack, Tags } from "aws-cdk-lib";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import * as iam from "aws-cdk-lib/aws-iam";
import { ExpectedResult, IntegTest, Match } from "@aws-cdk/integ-tests-alpha";
import { HttpResetPeerFault } from "../../lib";

const app = new App();
const stack = new Stack(app, "HttpResetPeerInteg");

const vpc = new ec2.Vpc(stack, "Vpc", {
  maxAzs: 1,
  natGateways: 0,
  subnetConfiguration: [{ name: "public", subnetType: ec2.SubnetType.PUBLIC }],
});
const instance = new ec2.Instance(stack, "Web", {
  vpc,
  vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
  associatePublicIpAddress: true,
  instanceType: ec2.InstanceType.of(ec2.InstanceClass.T4G, ec2.InstanceSize.MICRO),
  machineImage: ec2.MachineImage.latestAmazonLinux2023({ cpuType: ec2.AmazonLinuxCpuType.ARM_64 }),
  // The SSM agent needs only this to take commands; it reaches SSM over the public address.
  role: new iam.Role(stack, "WebRole", {
    assumedBy: new iam.ServicePrincipal("ec2.amazonaws.com"),
    managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName("AmazonSSMManagedInstanceCore")],
  }),
  requireImdsv2: true,
});
instance.userData.addCommands(
  "nohup python3 -m http.server 80 --directory /tmp >/dev/null 2>&1 &",
  // A client calling the service from the instance's own address, a new connection each time.
  "TOKEN=$(curl -sX PUT http://169.254.169.254/latest/api/token -H 'X-aws-ec2-metadata-token-ttl-seconds: 300')",
  'ADDRESS=$(curl -s -H "X-aws-ec2-metadata-token: $TOKEN" http://169.254.169.254/latest/meta-data/local-ipv4)',
  'nohup sh -c "while :; do curl -s -o /dev/null -m 2 http://$ADDRESS/; sleep 0.2; done" >/dev/null 2>&1 &',
);
Tags.of(instance).add("chaos-ready", "true");

const fault = new HttpResetPeerFault(stack, "Fault", {
  optInTag: { key: "chaos-ready", value: "true" },
  // Amazon Linux 2023 comes without iptables: the fault installs it.
  tunableDefaults: { installDependencies: true, networkInterface: "ens5" },
});

const integ = new IntegTest(app, "HttpResetPeerIntegTest", { testCases: [stack], diffAssets: true });
const started = integ.assertions.awsApiCall("StepFunctions", "startExecution", {
  stateMachineArn: fault.stateMachine.stateMachineArn,
  input: JSON.stringify({
    EC2_INSTANCE_ID: instance.instanceId,
    TARGET_SERVICE_PORT: 80,
    TOTAL_CHAOS_DURATION: 60,
  }),
});
const described = () =>
  integ.assertions.awsApiCall("StepFunctions", "describeExecution", {
    executionArn: started.getAttString("executionArn"),
  });
started.next(
  described()
    .expect(
      ExpectedResult.objectLike({
        status: "SUCCEEDED",
        output: Match.serializedJson({
          totals: Match.objectLike({ succeeded: 1, failed: 0 }),
          instances: [Match.objectLike({ status: "Success", restored: true })],
        }),
      }),
    )
    .waitForAssertions({ totalTimeout: Duration.minutes(20), interval: Duration.seconds(30) })
    // And the client's connections were reset: connectionsReset above zero.
    .next(
      described().expect(
        ExpectedResult.objectLike({ output: Match.stringLikeRegexp('"connectionsReset":[1-9]') }),
      ),
    ),
);
