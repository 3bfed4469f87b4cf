import { Duration, RemovalPolicy } from "aws-cdk-lib";
import { Match } from "aws-cdk-lib/assertions";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import { faultTemplate, newStack, statementsOf } from "./support";
import { HttpResetPeerFault } from "../../lib";
import { Template } from "aws-cdk-lib/assertions";

/** The Harness fault's policy: the report reads the clients' rows with ssm:GetCommandInvocation. */
const HARNESS_ACTIONS = [
  "ec2:DescribeInstances",
  "ec2:DescribeInstanceStatus",
  "ssm:SendCommand",
  "ssm:CancelCommand",
  "ssm:GetCommandInvocation",
  "ssm:DescribeInstanceInformation",
  "ssm:GetDocument",
  "ssm:DescribeDocument",
];
/** Beyond the Harness fault's policy, each justified in the code and docs/iam.md. */
const EXTRA_ACTIONS = ["ssm:ListCommands", "ssm:ListCommandInvocations"];

const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : [value]);
const actionsOf = (statements: Record<string, unknown>[]) =>
  new Set(statements.flatMap((s) => asList(s.Action)));
const instanceArn = {
  "Fn::Join": [
    "",
    [
      "arn:",
      { Ref: "AWS::Partition" },
      ":ec2:",
      { Ref: "AWS::Region" },
      ":",
      { Ref: "AWS::AccountId" },
      ":instance/*",
    ],
  ],
};
const onInstances = (s: Record<string, unknown>) =>
  JSON.stringify(s.Resource) === JSON.stringify(instanceArn);
const documentArn = Match.objectLike({
  "Fn::Join": ["", Match.arrayWith([":ssm:", ":document/Ec2HttpResetPeer"])],
});

describe("the fault role", () => {
  test("carries exactly the Harness fault's actions plus the two listing actions", () => {
    const { template } = faultTemplate();
    expect([...actionsOf(statementsOf(template, "FaultFaultRole"))].sort()).toEqual(
      [...HARNESS_ACTIONS, ...EXTRA_ACTIONS].sort(),
    );
  });

  test("sends only this document, to instances of this account and region, with no condition by default", () => {
    const { template } = faultTemplate();
    const statements = statementsOf(template, "FaultFaultRole");
    const send = statements.filter((s) => asList(s.Action).includes("ssm:SendCommand"));
    expect(send).toHaveLength(2);
    expect(send).toContainEqual(
      expect.objectContaining({ Resource: instanceArn, Action: "ssm:SendCommand", Effect: "Allow" }),
    );
    expect(send.find(onInstances)).not.toHaveProperty("Condition");
    template.hasResourceProperties("AWS::IAM::Policy", {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ["ssm:SendCommand", "ssm:GetDocument", "ssm:DescribeDocument"],
            Resource: documentArn,
          }),
        ]),
      },
    });
  });

  test("with an opt-in tag, SendCommand on instances requires the tag, and the document statement does not", () => {
    const { template } = faultTemplate({ optInTag: { key: "chaos-ready", value: "true" } });
    const send = statementsOf(template, "FaultFaultRole").filter((s) =>
      asList(s.Action).includes("ssm:SendCommand"),
    );
    expect(send.find(onInstances)).toMatchObject({
      Condition: { StringEquals: { "ssm:resourceTag/chaos-ready": "true" } },
    });
    expect(send.find((s) => !onInstances(s))).not.toHaveProperty("Condition");
  });

  test("puts only the actions IAM cannot scope on Resource *", () => {
    const { template } = faultTemplate();
    const wildcard = statementsOf(template, "FaultFaultRole").filter((s) => s.Resource === "*");
    expect([...actionsOf(wildcard)].sort()).toEqual(
      [
        "ec2:DescribeInstances",
        "ec2:DescribeInstanceStatus",
        "ssm:CancelCommand",
        "ssm:GetCommandInvocation",
        "ssm:DescribeInstanceInformation",
        "ssm:ListCommandInvocations",
        "ssm:ListCommands",
      ].sort(),
    );
  });

  test("is trusted by exactly the six task functions' roles", () => {
    const { template } = faultTemplate();
    const [faultRole] = Object.entries(template.findResources("AWS::IAM::Role")).filter(([id]) =>
      id.startsWith("FaultFaultRole"),
    );
    const principals = faultRole[1].Properties.AssumeRolePolicyDocument.Statement.flatMap(
      (s: { Principal: { AWS: unknown } }) => asList(s.Principal.AWS),
    );
    expect(principals.map((p: { "Fn::GetAtt": string[] }) => p["Fn::GetAtt"][0]).sort()).toEqual(
      ["CheckProgress", "Cleanup", "Report", "ResolveTargets", "SendCommand", "StopExperiments"].map((t) =>
        expect.stringMatching(new RegExp(`^FaultTasks${t}Role`)),
      ),
    );
  });
});

describe("the task functions' roles", () => {
  const stack = newStack();
  const alarm = cloudwatch.Alarm.fromAlarmArn(
    stack,
    "Alarm",
    "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:errors",
  );
  const secret = secretsmanager.Secret.fromSecretCompleteArn(
    stack,
    "Secret",
    "arn:aws:secretsmanager:eu-west-1:123456789012:secret:chaos-creds-AbCdEf",
  );
  const otherRole = "arn:aws:iam::111122223333:role/Ec2HttpResetPeerFault-eu-west-1";
  new HttpResetPeerFault(stack, "Fault", {
    stopConditionAlarms: [alarm],
    credentialSecrets: [secret],
    assumableRoleArns: [otherRole],
  });
  const template = Template.fromStack(stack);
  const tasks = ["ResolveTargets", "SendCommand", "CheckProgress", "Cleanup", "Report", "StopExperiments"];

  test.each(tasks)(
    "%s may assume the fault role and exactly the allowed roles, and reach no EC2 or SSM",
    (task) => {
      const statements = statementsOf(template, `FaultTasks${task}Role`);
      const assume = statements
        .filter((s) => s.Action === "sts:AssumeRole")
        .flatMap((s) => asList(s.Resource));
      expect(assume).toEqual(
        expect.arrayContaining([
          { "Fn::GetAtt": [expect.stringMatching(/^FaultFaultRole/), "Arn"] },
          otherRole,
        ]),
      );
      expect(assume).toHaveLength(2);
      // The safety lever is the one SSM resource a function's own role reads.
      const ownSsm = statements.filter((s) => asList(s.Action).some((a) => /^(ec2|ssm):/.test(String(a))));
      for (const s of ownSsm) {
        expect(
          asList(s.Action).every((a) =>
            /^ssm:(DescribeParameters|GetParameters?|GetParameterHistory)$/.test(String(a)),
          ),
        ).toBe(true);
        expect(JSON.stringify(s.Resource)).toContain("FaultSafetyLeverParameter");
      }
      expect(statements).toContainEqual(
        expect.objectContaining({
          Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
          Resource: secret.secretArn,
        }),
      );
    },
  );

  test("only resolve-targets and check-progress read the alarms, and only the configured ones", () => {
    for (const task of tasks) {
      const reads = statementsOf(template, `FaultTasks${task}Role`).filter(
        (s) => s.Action === "cloudwatch:DescribeAlarms",
      );
      expect(reads).toEqual(
        ["ResolveTargets", "CheckProgress"].includes(task)
          ? [expect.objectContaining({ Resource: alarm.alarmArn })]
          : [],
      );
    }
  });

  test("only the report and the cleanup publish metrics, and only in the fault's namespace", () => {
    for (const task of tasks) {
      const puts = statementsOf(template, `FaultTasks${task}Role`).filter((s) =>
        asList(s.Action).includes("cloudwatch:PutMetricData"),
      );
      expect(puts).toEqual(
        ["Report", "Cleanup"].includes(task)
          ? [
              {
                Sid: "PublishReportMetrics",
                Effect: "Allow",
                Action: "cloudwatch:PutMetricData",
                Resource: "*",
                Condition: { StringEquals: { "cloudwatch:namespace": "HttpResetPeer" } },
              },
            ]
          : [],
      );
    }
  });

  test("only the stop function may list, stop and read executions, and only this state machine's", () => {
    for (const task of tasks) {
      const states = statementsOf(template, `FaultTasks${task}Role`).filter((s) =>
        asList(s.Action).some((a) => String(a).startsWith("states:")),
      );
      if (task !== "StopExperiments") {
        expect(states).toEqual([]);
        continue;
      }
      expect(states).toEqual([
        expect.objectContaining({
          Action: "states:ListExecutions",
          Resource: { Ref: expect.stringMatching(/^FaultStateMachine/) },
        }),
        expect.objectContaining({
          Action: ["states:StopExecution", "states:DescribeExecution"],
          Resource: expect.objectContaining({ "Fn::Join": expect.anything() }),
        }),
      ]);
    }
  });

  test("write only to their own log group, and the state machine may only invoke them", () => {
    const statements = statementsOf(template, "FaultTasksReportRole");
    expect(statements).toContainEqual(
      expect.objectContaining({
        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: { "Fn::GetAtt": [expect.stringMatching(/^FaultTasksReportLogs/), "Arn"] },
      }),
    );
    const machine = statementsOf(template, "FaultStateMachineRole");
    const invoke = machine.filter((s) => asList(s.Action).includes("lambda:InvokeFunction"));
    expect(invoke.flatMap((s) => asList(s.Resource))).toHaveLength(10);
  });
});

describe("the records bucket", () => {
  test("is private, encrypted, refuses plain HTTP, expires records, and is kept by default", () => {
    const { template } = faultTemplate();
    template.hasResource("AWS::S3::Bucket", {
      DeletionPolicy: "Retain",
      Properties: {
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }],
        },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        LifecycleConfiguration: { Rules: [{ ExpirationInDays: 90, Status: "Enabled" }] },
      },
    });
    template.hasResourceProperties("AWS::S3::BucketPolicy", {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
        ]),
      },
    });
  });

  test("every task but check-progress reads and writes its objects, those that undo or report list it, and nothing else of it", () => {
    const { template } = faultTemplate();
    const onRecords = (prefix: string) =>
      statementsOf(template, prefix).filter((s) => asList(s.Action).some((a) => String(a).startsWith("s3:")));
    const objects = {
      Sid: "ExperimentRecords",
      Effect: "Allow",
      Action: ["s3:GetObject", "s3:PutObject"],
      Resource: {
        "Fn::Join": ["", [{ "Fn::GetAtt": [expect.stringMatching(/^FaultRecords/), "Arn"] }, "/*"]],
      },
    };
    const listing = {
      Sid: "ListExperimentRecords",
      Effect: "Allow",
      Action: "s3:ListBucket",
      Resource: { "Fn::GetAtt": [expect.stringMatching(/^FaultRecords/), "Arn"] },
    };
    expect(onRecords("FaultTasksResolveTargetsRole")).toEqual([objects]);
    for (const fn of ["SendCommand", "Cleanup", "Report", "StopExperiments"]) {
      expect(onRecords(`FaultTasks${fn}Role`)).toEqual([objects, listing]);
    }
    expect(onRecords("FaultTasksCheckProgressRole")).toEqual([]);
    // The Distributed Map's ItemReader reads the targets with the state machine's role.
    expect(onRecords("FaultStateMachineRole")).toEqual([
      expect.objectContaining({ Action: "s3:GetObject", Effect: "Allow" }),
    ]);
  });

  test("a DESTROY removal policy empties it first; recordRetention sets the expiry", () => {
    const { template } = faultTemplate({
      removalPolicy: RemovalPolicy.DESTROY,
      recordRetention: Duration.days(7),
    });
    template.hasResource("AWS::S3::Bucket", {
      DeletionPolicy: "Delete",
      Properties: { LifecycleConfiguration: { Rules: [{ ExpirationInDays: 7, Status: "Enabled" }] } },
    });
    template.resourceCountIs("Custom::S3AutoDeleteObjects", 1);
  });
});
