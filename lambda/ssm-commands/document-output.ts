import type { ClientsSummary, ResetSeries } from "../contract";

/**
 * The document prints one JSON object as the first line of its output, success or failure; what
 * follows is for people. Anything else there (an agent error, output cut short) reads as nothing.
 */
export interface DocumentSummary {
  readonly action?: string;
  readonly experimentId?: string;
  readonly startedAt?: string | null;
  readonly endedAt?: string;
  readonly connectionsReset?: number;
  readonly remoteConnectionsReset?: number;
  readonly localConnectionsReset?: number;
  /** Connections RESET_PERCENTAGE let through untouched. */
  readonly connectionsSpared?: number | null;
  /** Requests reset, and requests passed on to the service, by method ("other" for the rest). */
  readonly requestsReset?: Record<string, number>;
  readonly requestsForwarded?: Record<string, number>;
  /** What remote clients met: "Reset", "NoRemoteClients", "NotMatched", "InterceptedNotReset" or "Unknown". */
  readonly remoteTraffic?: string;
  readonly verified?: boolean;
  /** What showed that the fault bit: "remote peers", "localhost". */
  readonly verifiedBy?: string[];
  readonly restored?: boolean;
  readonly outcome?: string;
  /** Resets over the window, the self-check's left out. */
  readonly resetSeries?: ResetSeries;
  /** What the clients did; null when the proxy left no ledger. */
  readonly clients?: ClientsSummary | null;
  readonly error?: string;
}

export function documentSummary(output: string | undefined): DocumentSummary {
  const firstLine = (output ?? "").split("\n", 1)[0].trim();
  try {
    const value: unknown = JSON.parse(firstLine);
    return typeof value === "object" && value !== null && !Array.isArray(value) ? value : {};
  } catch {
    return {};
  }
}
