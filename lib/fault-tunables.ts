/**
 * The fault's tunables, one optional property each, for the construct's defaults and for schedules'
 * inputs. Each property carries the tunable of the same name in UPPER_SNAKE_CASE, the key an
 * execution input (the console, the CLI) uses: `targetServicePort` is TARGET_SERVICE_PORT. Every
 * value is checked at synthesis against the same pattern the state machine and the SSM document
 * check.
 */
export interface FaultTunables {
  /**
   * REGION: AWS region that hosts the target instances.
   * @default - the region the fault is deployed in
   */
  readonly region?: string;
  /**
   * EC2_INSTANCE_ID: Comma-separated IDs of the target instances. Exactly one of this and EC2_INSTANCE_TAG.
   * @default - none: an execution names its targets by ID or by tag
   */
  readonly ec2InstanceId?: string;
  /**
   * EC2_INSTANCE_TAG: Tag that selects the target instances, as key:value (split at the first colon).
   * @default - none: an execution names its targets by ID or by tag
   */
  readonly ec2InstanceTag?: string;
  /**
   * TARGET_SERVICE_PORT: Port the target HTTP service listens on. From 1 to 65535.
   * @default 80
   */
  readonly targetServicePort?: number;
  /**
   * NETWORK_INTERFACE: Network interface on which new inbound connections are intercepted.
   * @default "eth0"
   */
  readonly networkInterface?: string;
  /**
   * TOTAL_CHAOS_DURATION: How long the fault lasts, in seconds. From 1 to 43200.
   * @default 30
   */
  readonly totalChaosDuration?: number;
  /**
   * RESET_PERCENTAGE: Percentage of the connections to the port that are reset, each chosen when first seen; the others reach the service untouched. From 1 to 100.
   * @default 100
   */
  readonly resetPercentage?: number;
  /**
   * RESET_AT: When to reset: right after the handshake, once the request head is in, or after the response head and RESET_AFTER_BYTES bytes.
   * @default ResetAt.REQUEST
   */
  readonly resetAt?: ResetAt;
  /**
   * RESET_AFTER_BYTES: With RESET_AT=response: how many bytes of the response after its head reach the client before the reset. From 0 to 999999999.
   * @default 0
   */
  readonly resetAfterBytes?: number;
  /**
   * RESET_METHODS: Comma-separated HTTP methods, in capitals: only requests with one are reset, the others are answered.
   * @default - every method
   */
  readonly resetMethods?: string;
  /**
   * RESET_PATHS: Comma-separated path prefixes, each beginning with /: only requests under one are reset, the others are answered.
   * @default - every path
   */
  readonly resetPaths?: string;
  /**
   * OBSERVE_RECOVERY_SECONDS: Seconds after the fault during which the kernel counts which of the clients reset come back, and when; 0 watches nothing. From 0 to 600.
   * @default 30
   */
  readonly observeRecoverySeconds?: number;
  /**
   * INSTANCE_AFFECTED_PERC: Percentage of the instances matching EC2_INSTANCE_TAG to target; 0 targets one instance. From 0 to 100.
   * @default 0
   */
  readonly instanceAffectedPerc?: number;
  /**
   * INSTALL_DEPENDENCIES: Install python3 and iptables on the instance when missing.
   * @default true
   */
  readonly installDependencies?: boolean;
  /**
   * PROXY: HTTP(S) proxy URL the instance's package installer goes through; empty for none.
   * @default - no proxy
   */
  readonly proxy?: string;
  /**
   * SEQUENCE: Whether the targets are injected all at once or one after another.
   * @default InjectionSequence.PARALLEL
   */
  readonly sequence?: InjectionSequence;
  /**
   * RAMP_TIME: Seconds to wait before and after the fault. From 0 to 3600.
   * @default 0
   */
  readonly rampTime?: number;
  /**
   * ASSUME_ROLE_ARN: IAM role assumed on top of the base credentials, to act in another account.
   * @default - the fault role of the account the fault is deployed in
   */
  readonly assumeRoleArn?: string;
  /**
   * AWS_AUTHENTICATION_SECRET: Secrets Manager secret (name or ARN) holding an AWS credentials file to act with.
   * @default - the task functions' own credentials
   */
  readonly awsAuthenticationSecret?: string;
  /**
   * DRY_RUN: Resolve and check the targets, report them, and inject nothing.
   * @default false
   */
  readonly dryRun?: boolean;
}

/**
 * When a connection caught by the fault is reset: the RESET_AT tunable, whose execution-input
 * values are these members' values.
 */
export enum ResetAt {
  /**
   * As soon as the fault accepts the connection, right after its handshake and before a byte is
   * read: the client sees the reset on its first read or write, and the service sees nothing.
   */
  CONNECT = "connect",
  /**
   * Once the connection's request head has arrived (or after a second of silence): the service
   * never sees the request. With `resetMethods` or `resetPaths`, the first request that matches them.
   */
  REQUEST = "request",
  /**
   * After the service's response head and `resetAfterBytes` more bytes of it have reached the
   * client: the request reaches the service, and the client reads a response cut short.
   */
  RESPONSE = "response",
}

/**
 * How an experiment's targets take the fault: the SEQUENCE tunable, whose execution-input values
 * are these members' values.
 */
export enum InjectionSequence {
  /** Every target at once, for the whole duration. */
  PARALLEL = "parallel",
  /** One target after another, each for the whole duration. */
  SERIAL = "serial",
}
