/** STS AssumeRole (refused unless the role exists and trusts the caller) and GetCallerIdentity. */
import { STSServiceException, type AssumeRoleCommandInput } from "@aws-sdk/client-sts";
import { serviceError, validationError, type ServiceExceptionClass } from "./errors";
import type { Identities } from "./identities";

const Base = STSServiceException as unknown as ServiceExceptionClass;

export interface Role {
  readonly arn: string;
  /** ARNs of the identities the role's trust policy lets assume it (roles as `arn:aws:iam::A:role/N`). */
  readonly trusts: string[];
}

/** An assumed-role session's ARN names its role: arn:aws:sts::A:assumed-role/N/S → arn:aws:iam::A:role/N. */
export const roleOf = (arn: string): string =>
  arn.replace(/^arn:aws:sts::(\d+):assumed-role\/([^/]+)\/.*$/, "arn:aws:iam::$1:role/$2");

export class FakeSts {
  readonly roles = new Map<string, Role>();

  constructor(private readonly identities: Identities) {}

  addRole(arn: string, trusts: string[]): void {
    this.roles.set(arn, { arn, trusts });
  }

  AssumeRole(input: AssumeRoleCommandInput, caller: string) {
    const session = input.RoleSessionName ?? "";
    if (!/^[\w+=,.@-]{2,64}$/.test(session)) {
      throw validationError(Base, `Value '${session}' at 'roleSessionName' failed to satisfy constraint`);
    }
    const role = this.roles.get(input.RoleArn ?? "");
    if (!role || !role.trusts.includes(roleOf(caller))) {
      throw serviceError(
        Base,
        "AccessDenied",
        `User: ${caller} is not authorized to perform: sts:AssumeRole on resource: ${input.RoleArn}`,
        403,
      );
    }
    const [, account, name] = /^arn:aws:iam::(\d+):role\/(.+)$/.exec(role.arn) ?? [];
    const arn = `arn:aws:sts::${account}:assumed-role/${name?.split("/").pop()}/${session}`;
    const keys = this.identities.issue(arn, account ?? "");
    return {
      Credentials: {
        AccessKeyId: keys.accessKeyId,
        SecretAccessKey: keys.secretAccessKey,
        SessionToken: keys.sessionToken,
        Expiration: new Date(Date.now() + 3600_000),
      },
      AssumedRoleUser: { Arn: arn, AssumedRoleId: `AROAFAKE:${session}` },
    };
  }

  GetCallerIdentity(_input: unknown, caller: string) {
    const account = /^arn:aws:(?:iam|sts)::(\d+):/.exec(caller)?.[1] ?? "";
    return { Arn: caller, Account: account, UserId: `AIDAFAKE:${caller.split("/").pop()}` };
  }
}
