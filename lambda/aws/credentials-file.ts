import { CredentialsError } from "../errors";

/** An AWS identity's keys, as the SDK clients take them. */
export interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

/**
 * Reads the [default] profile of a file in the ~/.aws/credentials format, the form the Harness fault's
 * authentication secret takes. Messages never quote the file: it holds secrets.
 */
export function parseCredentialsFile(text: string, source: string): Credentials {
  const profiles: Record<string, Record<string, string>> = {};
  let current: Record<string, string> | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith("#") || line.startsWith(";")) continue;
    const section = /^\[\s*([^\]]+?)\s*\]$/.exec(line);
    if (section) {
      current = profiles[section[1]] ??= {};
      continue;
    }
    const equals = line.indexOf("=");
    if (current && equals > 0)
      current[line.slice(0, equals).trim().toLowerCase()] = line.slice(equals + 1).trim();
  }
  const profile = profiles.default;
  if (!profile?.aws_access_key_id || !profile.aws_secret_access_key) {
    throw new CredentialsError(
      `${source} must hold an AWS credentials file with a [default] profile that sets aws_access_key_id ` +
        "and aws_secret_access_key (and aws_session_token for temporary credentials)",
    );
  }
  return {
    accessKeyId: profile.aws_access_key_id,
    secretAccessKey: profile.aws_secret_access_key,
    ...(profile.aws_session_token ? { sessionToken: profile.aws_session_token } : {}),
  };
}
