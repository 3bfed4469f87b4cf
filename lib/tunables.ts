/**
 * The fault's tunables, defined once.
 *
 * How a tunable travels, RESET_AT for example, with the one name it has at each hop:
 * 1. The execution input (the Step Functions console, the CLI, a schedule) keys it as the Harness
 *    fault does: `RESET_AT`, this file's key.
 * 2. The construct's props carry it as the key in camelCase, `tunableDefaults.resetAt` or a
 *    schedule's `input.resetAt` (`FaultTunables`, lib/fault-tunables.ts; `tunableProperty` in
 *    lib/tunable-input.ts), typed by `ResetAt`. At synthesis they become input keys again: the
 *    defaults reach the functions as TUNABLE_DEFAULTS, `{"RESET_AT": "response"}`, and a
 *    schedule's input goes to StartExecution keyed as the console keys it.
 * 3. The functions read the execution input over those defaults with `readTunables` below
 *    (`readInput` in lambda/input/input.ts), into values keyed as the input: `values.RESET_AT`, in
 *    the string form its pattern takes.
 * 4. The plan (`planRun` in lambda/input/plan.ts) carries what the state machine uses under names
 *    of its own (SEQUENCE as `sequence`, RAMP_TIME as `rampSeconds`, TOTAL_CHAOS_DURATION as
 *    `durationSeconds`, DRY_RUN as `dryRun`, ASSUME_ROLE_ARN as `assumeRoleArn`,
 *    AWS_AUTHENTICATION_SECRET as `authenticationSecret`, REGION as `region`), and every tunable
 *    that reaches the instances in `documentParameters`, under its `documentParameter` name:
 *    `{"ResetAt": ["response"]}`. EC2_INSTANCE_ID, EC2_INSTANCE_TAG and INSTANCE_AFFECTED_PERC end
 *    at resolve-targets, which picks the targets with them.
 * 5. SendCommand (lambda/ssm-commands/send-document.ts) passes those as the SSM document's
 *    parameters, `ResetAt`, which the document (scripts/render-document.ts) declares with this
 *    file's description, default, and pattern or `values` (as its `allowedValues`).
 * 6. The SSM agent gives each parameter to the document's script as an environment variable,
 *    `SSM_ResetAt` (interpolationType ENV_VAR; for older agents the script sets it from
 *    `{{ ResetAt }}`), which the script checks against the same pattern again.
 * 7. The program on the instance reads `SSM_ResetAt` into its parameters, named as the document names
 *    them in snake case: `Parameters.reset_at` (ssm-documents/src/http_reset_peer/parameters.py),
 *    a moment of moments.py, as the other values are integers, strings or tuples there.
 *
 * Every pattern here is written in the subset of regular-expression syntax on which JavaScript,
 * POSIX extended regular expressions (the payload's own re-validation with `grep -E`) and SSM's
 * `allowedPattern` agree: anchors, bracket expressions, groups, alternation and `{m,n}`; no `\d`,
 * no look-around. The SSM document repeats the patterns of the tunables it receives, and a test
 * proves the two agree.
 */
import { InjectionSequence, ResetAt } from "./fault-tunables";

/** How a tunable's value is read from an execution input. */
export type TunableKind = "integer" | "string" | "boolean" | "enum";

/** One tunable of the fault. */
export interface TunableDefinition {
  /** Key in the execution input, as the Harness fault names it. */
  readonly key: string;
  /** What the tunable means, for the README's input table and error messages. */
  readonly description: string;
  /** How the value is read: integers and booleans may be given as strings or as JSON values. */
  readonly kind: TunableKind;
  /** The Harness fault's default, in the string form the document and the pattern take. */
  readonly default: string;
  /** Anchored pattern every value must match, after it is turned into its string form. */
  readonly pattern: string;
  /**
   * The longest value the pattern accepts, given where the pattern bounds a long repetition
   * (`{1,512}`): the payload's shell checks this length itself, and the pattern without that bound,
   * which `grep -E` builds far faster. So that the two agree exactly, every alternative's bound is
   * this length less the fixed text before its repetition (test/payload/parameters.test.ts).
   */
  readonly maxLength?: number;
  /** For integers: the inclusive range the pattern accepts. */
  readonly range?: { readonly min: number; readonly max: number };
  /** For enums and booleans: the accepted values. */
  readonly values?: readonly string[];
  /** Name of the SSM document parameter the tunable is passed as, when it reaches the instance. */
  readonly documentParameter?: string;
  /**
   * Values refused with a reason of their own, before the pattern is tried. The value is never
   * quoted in the message: it may hold a secret.
   */
  readonly refused?: { readonly pattern: string; readonly reason: string };
}

/** The longest fault the document accepts: twelve hours. */
export const MAX_DURATION_SECONDS = 43200;

/** The longest ramp before and after the fault: one hour. */
export const MAX_RAMP_SECONDS = 3600;

/** The longest OBSERVE_RECOVERY_SECONDS: the instance's command runs that much past the fault. */
export const MAX_OBSERVE_SECONDS = 600;

const INSTANCE_ID = "i-([0-9a-f]{8}|[0-9a-f]{17})";

/** The pattern of an enum tunable: exactly one of the values of the enum that types its construct prop. */
const oneOf = (choices: Record<string, string>): string => `^(${Object.values(choices).join("|")})$`;

export const TUNABLES = {
  REGION: {
    key: "REGION",
    description: "AWS region that hosts the target instances. Empty: the region the fault is deployed in.",
    kind: "string",
    default: "",
    pattern: "^([a-z]{2}(-[a-z]+)+-[0-9]{1,2})?$",
  },
  EC2_INSTANCE_ID: {
    key: "EC2_INSTANCE_ID",
    description: "Comma-separated IDs of the target instances. Exactly one of this and EC2_INSTANCE_TAG.",
    kind: "string",
    default: "",
    pattern: `^(${INSTANCE_ID}(,${INSTANCE_ID}){0,999})?$`,
  },
  EC2_INSTANCE_TAG: {
    key: "EC2_INSTANCE_TAG",
    description: "Tag that selects the target instances, as key:value (split at the first colon).",
    kind: "string",
    default: "",
    pattern: "^([A-Za-z0-9 +=._/@-]{1,128}:[A-Za-z0-9 +=._:/@-]{0,256})?$",
  },
  TARGET_SERVICE_PORT: {
    key: "TARGET_SERVICE_PORT",
    description: "Port the target HTTP service listens on.",
    kind: "integer",
    default: "80",
    pattern: "^([1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])$",
    range: { min: 1, max: 65535 },
    documentParameter: "TargetServicePort",
  },
  NETWORK_INTERFACE: {
    key: "NETWORK_INTERFACE",
    description: "Network interface on which new inbound connections are intercepted.",
    kind: "string",
    default: "eth0",
    pattern: "^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$",
    documentParameter: "NetworkInterface",
  },
  TOTAL_CHAOS_DURATION: {
    key: "TOTAL_CHAOS_DURATION",
    description: "How long the fault lasts, in seconds.",
    kind: "integer",
    default: "30",
    pattern: "^([1-9][0-9]{0,3}|[1-3][0-9]{4}|4[0-2][0-9]{3}|43[01][0-9]{2}|43200)$",
    range: { min: 1, max: MAX_DURATION_SECONDS },
    documentParameter: "DurationSeconds",
  },
  RESET_PERCENTAGE: {
    key: "RESET_PERCENTAGE",
    description:
      "Percentage of the connections to the port that are reset, each chosen when first seen; the others reach the service untouched.",
    kind: "integer",
    default: "100",
    pattern: "^([1-9]|[1-9][0-9]|100)$",
    range: { min: 1, max: 100 },
    documentParameter: "ResetPercentage",
  },
  RESET_AT: {
    key: "RESET_AT",
    description:
      "When to reset: connect (after the handshake), request (once the request head is in) or response (after the response head and RESET_AFTER_BYTES bytes).",
    kind: "enum",
    default: ResetAt.REQUEST,
    pattern: oneOf(ResetAt),
    values: Object.values(ResetAt),
    documentParameter: "ResetAt",
  },
  RESET_AFTER_BYTES: {
    key: "RESET_AFTER_BYTES",
    description:
      "With RESET_AT=response: how many bytes of the response after its head reach the client before the reset.",
    kind: "integer",
    default: "0",
    pattern: "^(0|[1-9][0-9]{0,8})$",
    range: { min: 0, max: 999999999 },
    documentParameter: "ResetAfterBytes",
  },
  RESET_METHODS: {
    key: "RESET_METHODS",
    description:
      "Comma-separated HTTP methods, in capitals: only requests with one are reset, the others are answered. Empty: every method.",
    kind: "string",
    default: "",
    pattern: "^([A-Z]{1,16}(,[A-Z]{1,16}){0,15})?$",
    refused: {
      pattern: "[a-z]",
      reason: "names methods in capitals, as requests carry them: HTTP methods are case-sensitive",
    },
    documentParameter: "ResetMethods",
  },
  RESET_PATHS: {
    key: "RESET_PATHS",
    description:
      "Comma-separated path prefixes, each beginning with /: only requests under one are reset, the others are answered. Empty: every path.",
    kind: "string",
    default: "",
    // No $, quotes, backslash or ?: the document's script reads the value in double quotes, and a
    // prefix is compared with the request's target byte for byte, query and all.
    pattern: "^(/[A-Za-z0-9._~!&()*+;=:@/%,-]{0,1023})?$",
    maxLength: 1024,
    refused: {
      pattern: "^([^/]|.*,([^/]|$))",
      reason: "is a comma-separated list of path prefixes, each beginning with /",
    },
    documentParameter: "ResetPaths",
  },
  OBSERVE_RECOVERY_SECONDS: {
    key: "OBSERVE_RECOVERY_SECONDS",
    description:
      "Seconds after the fault during which the kernel counts which of the clients reset come back, and when; 0 watches nothing.",
    kind: "integer",
    default: "30",
    pattern: "^([0-9]|[1-9][0-9]|[1-5][0-9]{2}|600)$",
    range: { min: 0, max: MAX_OBSERVE_SECONDS },
    documentParameter: "ObserveRecoverySeconds",
  },
  INSTANCE_AFFECTED_PERC: {
    key: "INSTANCE_AFFECTED_PERC",
    description: "Percentage of the instances matching EC2_INSTANCE_TAG to target; 0 targets one instance.",
    kind: "integer",
    default: "0",
    pattern: "^([0-9]|[1-9][0-9]|100)$",
    range: { min: 0, max: 100 },
  },
  INSTALL_DEPENDENCIES: {
    key: "INSTALL_DEPENDENCIES",
    description: "Install python3 and iptables on the instance when missing.",
    kind: "boolean",
    default: "True",
    pattern: "^(True|False)$",
    values: ["True", "False"],
    documentParameter: "InstallDependencies",
  },
  PROXY: {
    key: "PROXY",
    description:
      "HTTP(S) proxy URL the instance's package installer goes through; empty for none. No credentials (user:password@).",
    kind: "string",
    default: "",
    // Up to 520 characters whichever the scheme: each alternative's bound is 520 less its prefix.
    pattern: "^(http://[A-Za-z0-9.~%:/_-]{1,513}|https://[A-Za-z0-9.~%:/_-]{1,512})?$",
    maxLength: 520,
    // An execution's input stays in its history, and a command's parameters in SSM's record of it.
    refused: {
      pattern: "^https?://[^/]*@",
      reason:
        "must not hold credentials (user:password@): an execution's input stays in its history and a " +
        "command's parameters in SSM's record. Use a proxy that lets the instance in without them",
    },
    documentParameter: "Proxy",
  },
  SEQUENCE: {
    key: "SEQUENCE",
    description:
      "parallel injects every target at once; serial one after another, each for the full duration.",
    kind: "enum",
    default: InjectionSequence.PARALLEL,
    pattern: oneOf(InjectionSequence),
    values: Object.values(InjectionSequence),
  },
  RAMP_TIME: {
    key: "RAMP_TIME",
    description: "Seconds to wait before and after the fault.",
    kind: "integer",
    default: "0",
    pattern: "^([0-9]|[1-9][0-9]{1,2}|[12][0-9]{3}|3[0-5][0-9]{2}|3600)$",
    range: { min: 0, max: MAX_RAMP_SECONDS },
  },
  ASSUME_ROLE_ARN: {
    key: "ASSUME_ROLE_ARN",
    description: "IAM role assumed on top of the base credentials, to act in another account.",
    kind: "string",
    default: "",
    pattern: "^(arn:aws[a-z-]{0,16}:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]{1,512})?$",
  },
  AWS_AUTHENTICATION_SECRET: {
    key: "AWS_AUTHENTICATION_SECRET",
    description: "Secrets Manager secret (name or ARN) holding an AWS credentials file to act with.",
    kind: "string",
    default: "",
    pattern: "^([A-Za-z0-9/_+=.@:-]{1,2048})?$",
  },
  DRY_RUN: {
    key: "DRY_RUN",
    description: "Resolve and check the targets, report them, and inject nothing.",
    kind: "boolean",
    default: "False",
    pattern: "^(True|False)$",
    values: ["True", "False"],
  },
} as const satisfies Record<string, TunableDefinition>;

/** The execution-input keys, as the Harness fault names them. */
export type TunableKey = keyof typeof TUNABLES;

/** Fails to compile unless every tunable's `key` is the name it is listed under. */
export const KEYED_AS_LISTED: { readonly [K in TunableKey]: { readonly key: K } } = TUNABLES;

/**
 * Parameters of the SSM document that are not tunables of the Harness fault: they belong to one command, not to
 * an experiment's input.
 */
export const DOCUMENT_ONLY_PARAMETERS = {
  Action: {
    description:
      "Inject starts the fault and holds it for DurationSeconds; Cleanup removes every trace of it.",
    default: "Inject",
    pattern: "^(Inject|Cleanup)$",
    values: ["Inject", "Cleanup"],
  },
  ExperimentId: {
    description:
      "Names the rules and state of one run. Inject: empty makes one up. Cleanup: empty cleans every run.",
    default: "",
    pattern: "^[A-Za-z0-9_-]{0,128}$",
    maxLength: 128,
  },
} as const;

/** The tunables' values, each in the string form its pattern takes. */
export type TunableValues = { [K in TunableKey]: string };

/** The outcome of reading tunables: the values, and one message per problem (empty when all fit). */
export interface TunableReading {
  readonly values: TunableValues;
  readonly problems: string[];
}

const BOOLEAN_WORDS: Record<string, string> = { true: "True", false: "False" };

/**
 * Turns a value as people type it (a string, a number, a JSON boolean) into the tunable's string
 * form, or undefined when it has the wrong type. The pattern check comes after.
 */
export function tunableString(definition: TunableDefinition, value: unknown): string | undefined {
  if (typeof value === "boolean")
    return definition.kind === "boolean" ? (value ? "True" : "False") : undefined;
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : undefined;
  if (typeof value !== "string") return undefined;
  const text = value.trim();
  switch (definition.kind) {
    case "boolean":
      return ownEntry(BOOLEAN_WORDS, text.toLowerCase()) ?? text;
    case "enum":
      return text.toLowerCase();
    case "integer":
      // "0080" means 80 to a person; the pattern does not allow leading zeros.
      return /^[0-9]+$/.test(text) ? String(Number(text)) : text;
    default:
      return text;
  }
}

function expectation(definition: TunableDefinition): string {
  if (definition.range) return `an integer from ${definition.range.min} to ${definition.range.max}`;
  if (definition.values) return `one of ${definition.values.join(", ")}`;
  return `a value matching ${definition.pattern}`;
}

/** A value quoted for an error message: short, and never more than a line. */
function quoted(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/**
 * The record's own entry for a key, never one that every object inherits (`constructor`,
 * `toString`, `__proto__`), so that such a key reads as unknown like any other.
 */
export function ownEntry<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined;
}

/**
 * Reads tunables from layers of values, later layers overriding earlier ones (for example the
 * construct's defaults, then an execution input), over the Harness fault's defaults. Keys that are not
 * tunables and values that do not fit are reported as problems; a null or absent value keeps the
 * default.
 */
export function readTunables(...layers: Record<string, unknown>[]): TunableReading {
  const definitions: Record<string, TunableDefinition> = TUNABLES;
  const values = Object.fromEntries(Object.values(TUNABLES).map((t) => [t.key, t.default])) as TunableValues;
  const problems: string[] = [];
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer)) {
      const definition = ownEntry(definitions, key);
      if (!definition) {
        const near = Object.keys(TUNABLES).find((k) => k === key.trim().toUpperCase());
        problems.push(`${key} is not a tunable${near ? `: did you mean ${near}?` : ""}`);
        continue;
      }
      if (value === null || value === undefined) continue;
      const text = tunableString(definition, value);
      if (text !== undefined && definition.refused && new RegExp(definition.refused.pattern).test(text)) {
        problems.push(`${key} ${definition.refused.reason}`);
        continue;
      }
      if (text === undefined || !new RegExp(definition.pattern).test(text)) {
        problems.push(`${key} must be ${expectation(definition)}; got ${quoted(value)}`);
        continue;
      }
      values[key as TunableKey] = text;
    }
  }
  if (!problems.length) problems.push(...combinationProblems(values));
  return { values, problems };
}

/**
 * Tunables that each fit but make no sense together, each named by its first key. Checked on the
 * values as a whole, so that a later layer can lift an earlier one's setting.
 */
function combinationProblems(values: TunableValues): string[] {
  const problems: string[] = [];
  if (values.RESET_AFTER_BYTES !== "0" && values.RESET_AT !== ResetAt.RESPONSE) {
    problems.push(`RESET_AFTER_BYTES applies only with RESET_AT=response (RESET_AT is ${values.RESET_AT})`);
  }
  for (const key of ["RESET_METHODS", "RESET_PATHS"] as const) {
    if (values[key] !== "" && values.RESET_AT === ResetAt.CONNECT) {
      problems.push(`${key} applies only with RESET_AT=request or RESET_AT=response (RESET_AT is connect)`);
    }
  }
  return problems;
}
