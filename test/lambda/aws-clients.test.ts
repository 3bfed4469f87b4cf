import { resetEnvironment, setEnvironment } from "./support/environment";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { DescribeInstanceInformationCommand, type SSMClient } from "@aws-sdk/client-ssm";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { ListExecutionsCommand, SFNClient } from "@aws-sdk/client-sfn";
import { GetParameterCommand, SSMClient as ParameterClient } from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import {
  cloudWatchClient,
  faultClients,
  forgetClients,
  type FaultAccess,
} from "../../lambda/aws/aws-clients";
import { runningExecutions } from "../../lambda/stopping/executions";
import { writeReport } from "../../lambda/records/records";
import { engagedLever } from "../../lambda/stopping/safety-lever";
import { tracer } from "../../lambda/telemetry";
import { planFor } from "./support/plan";
import { awsError } from "./support/fake-aws";

const sts = mockClient(STSClient);
const secrets = mockClient(SecretsManagerClient);

const ROLE = "arn:aws:iam::222222222222:role/chaos";
const SECRET = "arn:aws:secretsmanager:us-east-1:111111111111:secret:chaos/creds-AbCdEf";
const FILE =
  "# uploaded\n[other]\naws_access_key_id = NO\n\n[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = file-secret\naws_session_token = file-token\n";

const access = (overrides: Partial<FaultAccess> = {}): FaultAccess => ({
  region: "us-west-2",
  assumeRoleArn: "",
  authenticationSecret: "",
  experimentId: "run-1",
  ...overrides,
});

beforeEach(() => {
  forgetClients();
  sts.reset();
  secrets.reset();
  sts.on(AssumeRoleCommand).callsFake((input) => ({
    Credentials: {
      AccessKeyId: `ASIA-${input.RoleArn.split("/").pop()}`,
      SecretAccessKey: "assumed-secret",
      SessionToken: "assumed-token",
      Expiration: new Date(Date.now() + 3600_000),
    },
  }));
  secrets.on(GetSecretValueCommand).resolves({ SecretString: FILE });
  setEnvironment({
    ALLOWED_ROLE_ARNS: JSON.stringify([ROLE]),
    ALLOWED_SECRET_ARNS: JSON.stringify([SECRET]),
  });
});
afterEach(resetEnvironment);
afterAll(() => {
  sts.restore();
  secrets.restore();
});

/** The identity a client was made with. */
const identityOf = async (client: { config: { credentials: () => Promise<{ accessKeyId: string }> } }) =>
  (await client.config.credentials()).accessKeyId;

const retryModeOf = async (client: { config: { retryStrategy: () => Promise<unknown> } }) =>
  ((await client.config.retryStrategy()) as { mode: string }).mode;

const stsCaller = () => identityOf(sts.call(0).thisValue as STSClient);

test("with neither role nor secret, the local fault role is assumed with the function's identity", async () => {
  const { ec2, ssm } = await faultClients(access());
  expect(sts.commandCalls(AssumeRoleCommand)[0].args[0].input).toEqual({
    RoleArn: "arn:aws:iam::111111111111:role/fault",
    RoleSessionName: "http-reset-peer-run-1",
  });
  expect(await stsCaller()).toBe("AKIDLAMBDA");
  expect(await identityOf(ec2)).toBe("ASIA-fault");
  expect(await identityOf(ssm)).toBe("ASIA-fault");
  expect(await ec2.config.region()).toBe("us-west-2");
  expect(await retryModeOf(ssm)).toBe("adaptive");
  expect(await ssm.config.maxAttempts()).toBeGreaterThan(3);
  expect(secrets.calls()).toHaveLength(0);
});

test("ASSUME_ROLE_ARN is assumed on top of the function's identity", async () => {
  const { ec2 } = await faultClients(access({ assumeRoleArn: ROLE }));
  expect(sts.commandCalls(AssumeRoleCommand)[0].args[0].input.RoleArn).toBe(ROLE);
  expect(await stsCaller()).toBe("AKIDLAMBDA");
  expect(await identityOf(ec2)).toBe("ASIA-chaos");
});

test("a warm function asks for an experiment's credentials once, until they near their expiry", async () => {
  await faultClients(access());
  await faultClients(access());
  expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(1);
  await faultClients(access({ experimentId: "run-2" }));
  expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(2);
  sts.on(AssumeRoleCommand).resolves({
    Credentials: {
      AccessKeyId: "ASIASHORT",
      SecretAccessKey: "s",
      SessionToken: "t",
      Expiration: new Date(Date.now() + 4 * 60_000),
    },
  });
  await faultClients(access({ experimentId: "run-3" }));
  const { ssm } = await faultClients(access({ experimentId: "run-3" }));
  expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(4);
  expect(await identityOf(ssm)).toBe("ASIASHORT");
});

test("AWS_AUTHENTICATION_SECRET alone: the credentials file's [default] profile, as it is", async () => {
  const { ssm } = await faultClients(access({ authenticationSecret: "chaos/creds" }));
  expect(sts.calls()).toHaveLength(0);
  expect(secrets.commandCalls(GetSecretValueCommand)[0].args[0].input).toEqual({ SecretId: SECRET });
  expect(await (secrets.call(0).thisValue as SecretsManagerClient).config.region()).toBe("us-east-1");
  expect(await ssm.config.credentials()).toMatchObject({
    accessKeyId: "AKIDFILE",
    secretAccessKey: "file-secret",
    sessionToken: "file-token",
  });
});

test("AWS_AUTHENTICATION_SECRET with ASSUME_ROLE_ARN: the role is assumed with the file's credentials", async () => {
  const { ec2 } = await faultClients(access({ authenticationSecret: SECRET, assumeRoleArn: ROLE }));
  expect(await stsCaller()).toBe("AKIDFILE");
  expect(await identityOf(ec2)).toBe("ASIA-chaos");
});

test.each([
  ["by name", "chaos/creds"],
  ["by full ARN", SECRET],
  ["by partial ARN", "arn:aws:secretsmanager:us-east-1:111111111111:secret:chaos/creds"],
])("an allowed secret may be named %s", async (_, secret) => {
  await faultClients(access({ authenticationSecret: secret }));
  expect(secrets.commandCalls(GetSecretValueCommand)[0].args[0].input.SecretId).toBe(SECRET);
});

test("an allowed secret given as a partial ARN is read by the full ARN asked for", async () => {
  setEnvironment({
    ALLOWED_SECRET_ARNS: JSON.stringify(["arn:aws:secretsmanager:us-east-1:111111111111:secret:chaos/creds"]),
  });
  await faultClients(access({ authenticationSecret: SECRET }));
  expect(secrets.commandCalls(GetSecretValueCommand)[0].args[0].input.SecretId).toBe(SECRET);
});

describe("CredentialsError", () => {
  const refusal = (a: FaultAccess): Promise<Error> =>
    faultClients(a).then(
      () => Promise.reject(new Error("expected a refusal")),
      (e: Error) => e,
    );

  test.each([
    [
      "a role not allowed",
      access({ assumeRoleArn: "arn:aws:iam::222222222222:role/admin" }),
      "is not one of the roles",
    ],
    ["a secret not allowed", access({ authenticationSecret: "other" }), "is not one of the secrets"],
    [
      "a secret of another name's prefix",
      access({ authenticationSecret: "chaos/cred" }),
      "is not one of the secrets",
    ],
  ])("%s", async (_, a, message) => {
    const error = await refusal(a);
    expect(error).toMatchObject({ name: "CredentialsError", message: expect.stringContaining(message) });
    expect(sts.calls()).toHaveLength(0);
    expect(secrets.calls()).toHaveLength(0);
  });

  test("a role that cannot be assumed names the role and the trust policy", async () => {
    sts.on(AssumeRoleCommand).rejects(awsError("AccessDenied", "not authorized to perform sts:AssumeRole"));
    const error = await refusal(access({ assumeRoleArn: ROLE }));
    expect(error.name).toBe("CredentialsError");
    expect(error.message).toContain(`Cannot assume ${ROLE} (AccessDenied: not authorized`);
    expect(error.message).toContain("trust policy");
  });

  test("STS answering without credentials", async () => {
    sts.on(AssumeRoleCommand).resolves({});
    const error = await refusal(access());
    expect(error.message).toContain("STS returned no credentials");
  });

  test("a secret that cannot be read", async () => {
    secrets.on(GetSecretValueCommand).rejects(awsError("ResourceNotFoundException"));
    const error = await refusal(access({ authenticationSecret: SECRET }));
    expect(error).toMatchObject({
      name: "CredentialsError",
      message: expect.stringContaining("Cannot read the secret"),
    });
  });

  test.each([
    ["no [default] profile", "[prod]\naws_access_key_id = A\naws_secret_access_key = B\n"],
    ["no secret key", "[default]\naws_access_key_id = AKIDLEAK\n"],
    ["a binary secret", undefined],
  ])("a secret with %s, without quoting it", async (_, content) => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: content });
    const error = await refusal(access({ authenticationSecret: SECRET }));
    expect(error.name).toBe("CredentialsError");
    expect(error.message).toContain("must hold an AWS credentials file with a [default] profile");
    expect(error.message).not.toContain("AKIDLEAK");
  });
});

test("a throttled call is retried by the SDK, and then succeeds", async () => {
  const { ssm } = await faultClients(access());
  let attempts = 0;
  // Answers inside the retry middleware, where the network would be: throttled once, then fine.
  (ssm as SSMClient).middlewareStack.add(
    () => async () => {
      attempts++;
      if (attempts === 1) throw awsError("ThrottlingException", "Rate exceeded");
      return { output: { $metadata: {}, InstanceInformationList: [] }, response: {} };
    },
    { step: "finalizeRequest", priority: "low" },
  );
  const output = await ssm.send(new DescribeInstanceInformationCommand({}));
  expect(output.InstanceInformationList).toEqual([]);
  expect(attempts).toBe(2);
});

test("stop-condition alarms are read with the function's own identity, where it is deployed", async () => {
  const cloudwatch = cloudWatchClient();
  expect(await cloudwatch.config.region()).toBe("eu-west-1");
  expect(await identityOf(cloudwatch)).toBe("AKIDLAMBDA");
  expect(await retryModeOf(cloudwatch)).toBe("adaptive");
});

test("a warm function makes each client once: per region for its own, per experiment's credentials for the fault's", async () => {
  expect(cloudWatchClient()).toBe(cloudWatchClient());
  const first = await faultClients(access());
  expect(await faultClients(access())).toBe(first);
  const elsewhere = await faultClients(access({ region: "eu-west-1" }));
  expect(elsewhere.ssm).not.toBe(first.ssm);
  expect(await elsewhere.ssm.config.region()).toBe("eu-west-1");
  forgetClients();
  expect((await faultClients(access())).ssm).not.toBe(first.ssm);
});

test("every AWS client the functions make is traced, so X-Ray shows each call", async () => {
  const s3 = mockClient(S3Client);
  s3.on(PutObjectCommand).resolves({});
  const sfn = mockClient(SFNClient);
  sfn.on(ListExecutionsCommand).resolves({ executions: [] });
  const parameters = mockClient(ParameterClient);
  parameters.on(GetParameterCommand).resolves({ Parameter: { Value: "released" } });
  setEnvironment({
    STATE_MACHINE_ARN: "arn:aws:states:eu-west-1:111111111111:stateMachine:Fault",
    SAFETY_LEVER_PARAMETER: "lever",
  });
  const capture = jest.spyOn(tracer, "captureAWSv3Client");
  try {
    // A secret's credentials, then a role assumed with them: Secrets Manager, STS, EC2 and SSM.
    await faultClients(access({ authenticationSecret: SECRET, assumeRoleArn: ROLE }));
    cloudWatchClient();
    await writeReport(planFor(["i-0123456789abcdef0"]), {}, "<html></html>");
    await runningExecutions();
    await engagedLever();
    const traced = capture.mock.calls.map(([client]) => (client as object).constructor.name).sort();
    expect(traced).toEqual(
      [
        "CloudWatchClient",
        "EC2Client",
        "S3Client",
        "SFNClient",
        "SSMClient",
        "SSMClient",
        "STSClient",
        "SecretsManagerClient",
      ].sort(),
    );
  } finally {
    capture.mockRestore();
    s3.restore();
    sfn.restore();
    parameters.restore();
  }
});
