import { Token } from "aws-cdk-lib";
import type { IConstruct } from "constructs";
import { HttpResetPeerValidationError } from "./errors";
import { TUNABLES } from "./tunables";

/** A tag that an instance must carry before the fault may be sent to it. */
export interface OptInTag {
  /** The tag key, for example `chaos-ready`. */
  readonly key: string;
  /** The value the tag must have, for example `true`. */
  readonly value: string;
}

/**
 * The tag in the `key:value` form the handlers read; empty without a tag. Validated against the
 * same pattern as EC2_INSTANCE_TAG, since both name an EC2 tag the same way.
 */
export function optInTagText(scope: IConstruct, tag: OptInTag | undefined): string {
  if (!tag) return "";
  if (Token.isUnresolved(tag.key) || Token.isUnresolved(tag.value)) {
    throw new HttpResetPeerValidationError(
      scope,
      "optInTag must be known at synthesis: the handlers and the IAM condition both need it",
    );
  }
  const text = `${tag.key}:${tag.value}`;
  // The handlers split key:value at the first colon, so the key cannot hold one.
  if (!tag.key || tag.key.includes(":") || !new RegExp(TUNABLES.EC2_INSTANCE_TAG.pattern).test(text)) {
    throw new HttpResetPeerValidationError(
      scope,
      `optInTag ${JSON.stringify(tag)} is not a valid EC2 tag: the key takes 1-128 characters ` +
        "without a colon, the value 0-256, both from letters, digits, spaces and + = . _ : / @ -",
    );
  }
  return text;
}
