/**
 * The CloudWatch metrics the fault publishes, named once: the functions publish them, the
 * dashboard graphs them, docs/report.md lists them.
 */

/** The namespace of every metric the fault publishes. */
export const METRICS_NAMESPACE = "HttpResetPeer";

/** Powertools' own dimension on the metrics the functions publish as they run (embedded metric format). */
export const SERVICE = { dimension: "service", name: "http-reset-peer" } as const;

export const DIMENSIONS = {
  experiment: "ExperimentId",
  instance: "InstanceId",
  /** A child execution's batch, named by its first instance. */
  batch: "Batch",
} as const;

/**
 * Published by the report function when an experiment ends, with PutMetricData, at the times they
 * describe: per instance and bucket of its reset series, and per experiment.
 */
export const REPORT_METRICS = {
  /**
   * Connections reset in one bucket of the series, at the bucket's start: by the experiment's
   * every instance (ExperimentId), and by each instance the execution's output lists
   * (ExperimentId, InstanceId).
   */
  connectionsReset: "ConnectionsReset",
  /** Per experiment (ExperimentId), at the report's time. */
  targets: "Targets",
  instancesFailed: "InstancesFailed",
  /** Seconds from the execution's start to its report. */
  experimentDuration: "ExperimentDuration",
  /** What the clients did, per experiment (ExperimentId), at the report's time: requests sent again... */
  retries: "ClientRetries",
  /** ...those not safe to send again... */
  unsafeRetries: "UnsafeRetries",
  /** ...and the longest from the window's end to a client's return, in milliseconds. */
  reconnectMs: "ReconnectMs",
  /**
   * The verdict on the hypothesis, with a hypothesis: its score (0-100), and 1 when it passed, 0
   * when not; per experiment (ExperimentId) and for every experiment (no dimension).
   */
  hypothesisScore: "HypothesisScore",
  hypothesisPassed: "HypothesisPassed",
} as const;

/**
 * Published by every progress check while the fault runs, in the embedded metric format (no API
 * call): with the `service` dimension, and ExperimentId (and Batch).
 */
export const LIVE_METRICS = {
  /** 1 at every check of the experiment (ExperimentId). */
  experimentInProgress: "ExperimentInProgress",
  /** Instances of the batch whose command has not ended (ExperimentId, Batch). */
  instancesUnderFault: "InstancesUnderFault",
  /** Instances the fault was sent to again, their agent not having fetched the program (ExperimentId). */
  instancesRedelivered: "InstancesRedelivered",
} as const;
