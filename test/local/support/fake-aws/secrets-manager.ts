/** Secrets Manager GetSecretValue, by name, partial ARN or full ARN (name plus a six-character suffix). */
import { ResourceNotFoundException, type GetSecretValueCommandInput } from "@aws-sdk/client-secrets-manager";
import { serviceError, type ServiceExceptionClass } from "./errors";

interface Secret {
  readonly arn: string;
  readonly name: string;
  readonly value: string;
}

export class FakeSecretsManager {
  private readonly secrets: Secret[] = [];

  /** Stores a secret and returns its full ARN. */
  put(name: string, value: string, region = "eu-west-1"): string {
    const arn = `arn:aws:secretsmanager:${region}:111111111111:secret:${name}-AbCdEf`;
    this.secrets.push({ arn, name, value });
    return arn;
  }

  GetSecretValue(input: GetSecretValueCommandInput) {
    const id = input.SecretId ?? "";
    const secret = this.secrets.find((s) => id === s.arn || id === s.name || id === s.arn.slice(0, -7));
    if (!secret) {
      throw serviceError(
        ResourceNotFoundException as unknown as ServiceExceptionClass,
        "ResourceNotFoundException",
        "Secrets Manager can't find the specified secret.",
      );
    }
    return {
      ARN: secret.arn,
      Name: secret.name,
      SecretString: secret.value,
      VersionId: "v1",
      CreatedDate: new Date(),
    };
  }
}
