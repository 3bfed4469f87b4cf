/**
 * The credentials the fault acts with, as the Harness fault describes them: the base is the function's own
 * identity or, with AWS_AUTHENTICATION_SECRET, the credentials file the secret holds; ASSUME_ROLE_ARN
 * is assumed on top of the base. With neither, the local fault role is assumed, so that the
 * functions' own roles need no EC2 or SSM permission.
 */
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { allowedSecretArn } from "./access-policy";
import { parseCredentialsFile, type Credentials } from "./credentials-file";
import { faultRoleArn } from "../input/environment";
import { CredentialsError } from "../errors";
import { homeClient, homeConfig } from "./sdk-config";
import { traced } from "../telemetry";

export interface FaultAccess {
  readonly region: string;
  readonly assumeRoleArn: string;
  readonly authenticationSecret: string;
  /** Names the assumed-role session, so that CloudTrail shows which experiment acted. */
  readonly experimentId: string;
}

const describe = (error: unknown): string =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error);

/** A secret named by full ARN lives in that ARN's region; one named otherwise, in the function's. */
const regionOf = (secretArn: string): string | undefined =>
  /^arn:[^:]+:secretsmanager:([^:]+):/.exec(secretArn)?.[1];

async function secretCredentials(secretArn: string): Promise<Credentials> {
  const client = homeClient(SecretsManagerClient, regionOf(secretArn));
  let text: string | undefined;
  try {
    text = (await client.send(new GetSecretValueCommand({ SecretId: secretArn }))).SecretString;
  } catch (error) {
    throw new CredentialsError(
      `Cannot read the secret ${secretArn} (${describe(error)}): check that it exists and that the construct was given it`,
    );
  }
  return parseCredentialsFile(text ?? "", `The secret ${secretArn}`);
}

async function assumeRole(
  roleArn: string,
  base: Credentials | undefined,
  experimentId: string,
): Promise<Credentials> {
  // A secret's keys make a client of their own; the function's identity, the kept one.
  const sts = base ? traced(new STSClient({ ...homeConfig(), credentials: base })) : homeClient(STSClient);
  try {
    const { Credentials: c } = await sts.send(
      new AssumeRoleCommand({
        RoleArn: roleArn,
        RoleSessionName: `http-reset-peer-${experimentId}`.slice(0, 64),
      }),
    );
    if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error("STS returned no credentials");
    return {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      sessionToken: c.SessionToken,
      expiration: c.Expiration,
    };
  } catch (error) {
    throw new CredentialsError(
      `Cannot assume ${roleArn} (${describe(error)}): its trust policy must allow the ` +
        `${base ? "identity in AWS_AUTHENTICATION_SECRET" : "fault's functions' roles"} to call sts:AssumeRole`,
    );
  }
}

export async function faultCredentials(access: FaultAccess): Promise<Credentials> {
  const base = access.authenticationSecret
    ? await secretCredentials(allowedSecretArn(access.authenticationSecret))
    : undefined;
  if (access.assumeRoleArn) return assumeRole(access.assumeRoleArn, base, access.experimentId);
  return base ?? assumeRole(faultRoleArn(), undefined, access.experimentId);
}
