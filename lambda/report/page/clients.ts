/**
 * The page's answer to what the fault is run to learn: what the clients did about the resets. In
 * words first (did they send requests again, how soon, was it safe, did they hammer, did they come
 * back), then the clients' table, each unsafe retry's request named, and their timeline.
 */
import type { ClientRow, ClientsTable, ClientsTotals, Report, TopClient } from "../../contract";
import { clientChart } from "./client-chart";
import { cell, escapeHtml, formatCount } from "./html";

const total = (counts: Record<string, number> | null | undefined): number =>
  Object.values(counts ?? {}).reduce((n, count) => n + count, 0);

/** One sentence a question, from the totals. */
function answers(c: ClientsTotals, requestsReset: number): string[] {
  const unsafe = Object.entries(c.unsafeRetries);
  const unsafeCount = total(c.unsafeRetries);
  const sentences = [
    `${formatCount(c.seen)} clients were reset; they sent ${formatCount(c.retries)} requests again within 30 s` +
      (requestsReset
        ? ` (${formatCount(Math.round((c.retries / requestsReset) * 100) / 100)} a request reset)`
        : "") +
      (c.retryDelayMsMax === null
        ? "."
        : `, the slowest ${formatCount(c.retryDelayMsMax)} ms after its reset.`),
    unsafeCount
      ? `${formatCount(unsafeCount)} of those retries were not safe to send again (${unsafe
          .map(([method, count]) => `${escapeHtml(method)} ×${formatCount(count)}`)
          .join(", ")}, with no idempotency key): each may have had its side effect twice.`
      : "None of the retries was unsafe: every request sent again was idempotent, or carried an idempotency key.",
  ];
  if (c.amplificationMax !== null) {
    sentences.push(
      `During the fault, the clients of the most hammered instance connected ${formatCount(
        c.amplificationMax,
      )} times as often as after it.`,
    );
  }
  if (c.reconnected !== null || c.notSeenAgain) {
    sentences.push(
      `${formatCount(c.reconnected)} came back after the fault` +
        (c.reconnectMsMax === null ? "" : `, the last ${formatCount(c.reconnectMsMax)} ms after its end`) +
        `; not seen again while the instances watched: ${formatCount(c.notSeenAgain)}.`,
    );
  }
  return sentences;
}

/** A spread of delays as the table shows it: the median and the longest. */
function delays(ms: readonly number[] | undefined): string {
  if (!ms?.length) return cell(null);
  const sorted = [...ms].sort((a, b) => a - b);
  return `${formatCount(sorted[(sorted.length - 1) >> 1])} / ${formatCount(sorted[sorted.length - 1])}`;
}

/** Where the client was after the fault: back after so long, not seen, or not watched. */
function back(reconnectMs: number | null, watched: boolean): string {
  if (reconnectMs !== null) return `${formatCount(reconnectMs)} ms`;
  return watched ? '<span class="no">not seen again</span>' : cell(null);
}

function rowCells(r: ClientRow, watched: boolean): string {
  const unsafe = total(r.unsafeRetries);
  const requests = [...new Set(r.unsafeRequests ?? [])]
    .map((q) => `<code>${escapeHtml(q)}</code>`)
    .join("<br>");
  return (
    `<tr${unsafe ? ' class="unsafe"' : ""}><td><code>${escapeHtml(r.client)}</code></td>` +
    `<td><code>${escapeHtml(r.instanceId)}</code></td><td class="num">${cell(r.resets)}</td>` +
    `<td class="num">${cell(r.retries)}</td><td class="num${unsafe ? " bad" : ""}">${cell(unsafe)}</td>` +
    `<td>${requests || cell(null)}</td><td class="num">${delays(r.retryDelaysMs)}</td>` +
    `<td class="num">${cell(r.amplification)}</td><td class="num">${back(r.reconnectMs, watched)}</td></tr>`
  );
}

/** The top clients' rows, when the report could read no instance's table. */
function topCells(t: TopClient & { readonly instanceId: string }): string {
  return (
    `<tr><td><code>${escapeHtml(t.client)}</code></td><td><code>${escapeHtml(t.instanceId)}</code></td>` +
    `<td class="num">${cell(null)}</td><td class="num">${cell(t.retries)}</td>` +
    `<td class="num${t.unsafeRetries ? " bad" : ""}">${cell(t.unsafeRetries)}</td><td>${cell(null)}</td>` +
    `<td class="num">${cell(null)}</td><td class="num">${cell(null)}</td><td class="num">${cell(t.reconnectMs)}</td></tr>`
  );
}

const HEAD =
  "<tr><th>Client</th><th>Instance</th><th>Reset</th><th>Retries</th><th>Unsafe retries</th>" +
  "<th>Unsafe requests</th><th>Retry delay, ms (median / max)</th><th>Amplification</th><th>Back after the fault</th></tr>";

const instances = (n: number): string => `${formatCount(n)} instance${n === 1 ? "" : "s"}`;

/** Whose rows the table holds, and why not others'. */
function tableNote(table: ClientsTable): string {
  return (
    `Clients of the ${instances(table.instancesRead)} with the most unsafe retries, of ` +
    `${instances(table.instancesWithClients)} that told of their clients; every client's row is in its ` +
    `instance's command output.${table.error ? ` ${table.error}` : ""}`
  );
}

export function clientsSection(report: Report): string {
  const c = report.totals.clients;
  if (!c || !c.instances) return "";
  const table = report.clients;
  const watched = new Set(
    report.instances.filter((r) => r.clients && r.clients.reconnected !== null).map((r) => r.instanceId),
  );
  const rows = table?.rows.length
    ? table.rows.map((r) => rowCells(r, watched.has(r.instanceId)))
    : c.top.map(topCells);
  const requestsReset = total(report.totals.requestsReset) || report.totals.connectionsReset;
  return [
    '<section class="clients">',
    "<h2>What the clients did</h2>",
    ...answers(c, requestsReset).map((sentence) => `<p>${sentence}</p>`),
    rows.length ? ["<table>", HEAD, ...rows, "</table>"].join("\n") : "",
    table ? `<p class="cut">${escapeHtml(tableNote(table))}</p>` : "",
    table ? clientChart(table.rows, watched) : "",
    "</section>",
  ]
    .filter(Boolean)
    .join("\n");
}
