/**
 * Which credentials an execution may ask for. The construct lists the roles and secrets it granted
 * the functions; asking for anything else is refused by name before AWS refuses it vaguely.
 */
import { allowedRoleArns, allowedSecretArns } from "../input/environment";
import { CredentialsError } from "../errors";

/** Secrets Manager appends a hyphen and six characters to a secret's name in its full ARN. */
const withoutSuffix = (name: string): string => name.replace(/-[A-Za-z0-9]{6}$/, "");

const secretNameOf = (arn: string): string => arn.slice(arn.indexOf(":secret:") + ":secret:".length);

function matches(given: string, allowedArn: string): boolean {
  if (given.startsWith("arn:")) {
    return given === allowedArn || withoutSuffix(given) === allowedArn || given === withoutSuffix(allowedArn);
  }
  const allowedName = secretNameOf(allowedArn);
  return given === allowedName || given === withoutSuffix(allowedName);
}

export function checkRoleAllowed(roleArn: string): void {
  const allowed = allowedRoleArns();
  if (!allowed.includes(roleArn)) {
    throw new CredentialsError(
      `ASSUME_ROLE_ARN ${roleArn} is not one of the roles this fault may assume ` +
        `(${allowed.join(", ") || "none"}): add it to the construct's assumable roles and redeploy`,
    );
  }
}

/**
 * The ARN to read for AWS_AUTHENTICATION_SECRET, given by name or by (full or partial) ARN: the
 * longer of the two forms that match, so that a full ARN is used whenever one is known.
 */
export function allowedSecretArn(secret: string): string {
  const allowed = allowedSecretArns();
  const match = allowed.find((arn) => matches(secret, arn));
  if (!match) {
    throw new CredentialsError(
      `AWS_AUTHENTICATION_SECRET ${secret} is not one of the secrets this fault may read ` +
        `(${allowed.join(", ") || "none"}): add it to the construct's credential secrets and redeploy`,
    );
  }
  return secret.length > match.length ? secret : match;
}

/** Refuses an execution's credentials unless the construct allowed them. */
export function checkAccess(access: { assumeRoleArn: string; authenticationSecret: string }): void {
  if (access.assumeRoleArn) checkRoleAllowed(access.assumeRoleArn);
  if (access.authenticationSecret) allowedSecretArn(access.authenticationSecret);
}
