/** Who holds which access key: the fake STS hands keys out and every call is attributed by them. */
export interface Identity {
  readonly arn: string;
  readonly account: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

let counter = 0;

export class Identities {
  private readonly byKey = new Map<string, Identity>();

  /** Registers a long-lived key (an IAM user's, or the function's role as Lambda hands it over). */
  add(accessKeyId: string, identity: Identity): void {
    this.byKey.set(accessKeyId, identity);
  }

  /** A fresh set of temporary keys for an identity. */
  issue(arn: string, account: string): { accessKeyId: string } & Identity {
    const n = String(++counter).padStart(12, "0");
    const identity = { arn, account, secretAccessKey: `secret-${n}`, sessionToken: `token-${n}` };
    const accessKeyId = `ASIAFAKE${n}`;
    this.byKey.set(accessKeyId, identity);
    return { accessKeyId, ...identity };
  }

  of(accessKeyId: string): Identity | undefined {
    return this.byKey.get(accessKeyId);
  }
}
