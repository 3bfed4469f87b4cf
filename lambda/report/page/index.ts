/**
 * The experiment's report as a page to look at: report.html, beside report.json. One
 * self-contained document (inline CSS and SVG, no script, nothing fetched from anywhere), so that
 * it reads the same opened from the S3 console, a download or an attachment, and so that nothing
 * a report carries (an error, a cause, an input value) can run in it: every string is escaped,
 * and the page's Content-Security-Policy forbids scripts and loads besides.
 */
import { consoleUrl } from "../console-links";
import type { CleanupResult, InstanceReport, Report, StopCause } from "../../contract";
import { cell, duration, epoch, escapeHtml, failed, formatCount } from "./html";
import { CONTENT_SECURITY_POLICY, STYLE } from "./style";
import { clientsSection } from "./clients";
import { timelineSection } from "./timeline";
import { verdictSection } from "./verdict";

/**
 * Instances the page draws and lists at most, those that failed first: a page of 10,000 rows
 * is too long to read and too slow to open. report.json has them all.
 */
export const PAGE_LIST_LIMIT = 200;

/** The first `limit` items, escaped and joined, and how many more there are. */
function cutList(items: readonly string[], limit = PAGE_LIST_LIMIT): string {
  const shown = items.slice(0, limit).map((item) => `<code>${escapeHtml(item)}</code>`);
  const more = items.length - shown.length;
  return shown.join(", ") + (more > 0 ? ` and ${formatCount(more)} more (see report.json)` : "");
}

/**
 * The AWS console's page of an instance or a command: a link the reader may follow, which loads
 * nothing with the page. Its parts are URL-encoded, then the whole escaped like any other string.
 */
function consoleLink(region: string, path: string, id: string): string {
  return `<a href="${escapeHtml(consoleUrl(region, path))}"><code>${escapeHtml(id)}</code></a>`;
}

function instanceLink(region: string, instanceId: string): string {
  // Only EC2 instances have a page in the EC2 console; a managed on-premises node ("mi-…") has none.
  if (!instanceId.startsWith("i-")) return `<code>${escapeHtml(instanceId)}</code>`;
  const [r, id] = [encodeURIComponent(region), encodeURIComponent(instanceId)];
  return consoleLink(region, `ec2/home?region=${r}#InstanceDetails:instanceId=${id}`, instanceId);
}

function commandLink(region: string, commandId: string): string {
  if (!commandId) return cell(null);
  const [r, id] = [encodeURIComponent(region), encodeURIComponent(commandId)];
  return consoleLink(region, `systems-manager/run-command/${id}?region=${r}`, commandId);
}

/** The instances the page shows: those that failed first, then the rest, each in the report's order. */
function shownInstances(instances: readonly InstanceReport[]): InstanceReport[] {
  const failures = instances.filter(failed);
  if (failures.length >= PAGE_LIST_LIMIT) return failures.slice(0, PAGE_LIST_LIMIT);
  return [...failures, ...instances.filter((r) => !failed(r))].slice(0, PAGE_LIST_LIMIT);
}

// ---------------------------------------------------------------------------------------------
// Header, stop cause, input

function header(report: Report): string {
  const { totals } = report;
  const started = epoch(report.startedAt);
  const reported = epoch(report.reportedAt);
  const took = started !== undefined && reported !== undefined ? ` (${duration(reported - started)})` : "";
  const traffic = Object.entries(totals.remoteTraffic ?? {});
  const stats: [string, unknown][] = [
    ["targets", totals.targets],
    ["instances", totals.instances],
    ["succeeded", totals.succeeded],
    ["failed", totals.failed],
    ["connections reset", totals.connectionsReset],
    ["from remote peers", totals.remoteConnectionsReset],
    ["spared by RESET_PERCENTAGE", totals.connectionsSpared],
  ];
  return [
    "<header>",
    `<h1>HTTP reset peer: <code>${escapeHtml(report.experimentId)}</code></h1>`,
    '<dl class="facts">',
    `<dt>Region</dt><dd>${cell(report.region)}</dd>`,
    `<dt>Dry run</dt><dd>${report.dryRun ? '<span class="badge">dry run</span>' : "no"}</dd>`,
    `<dt>Time (UTC)</dt><dd>${cell(report.startedAt)} → ${cell(report.reportedAt)}${escapeHtml(took)}</dd>`,
    "</dl>",
    '<ul class="totals">',
    ...stats.map(
      ([label, value]) =>
        `<li${label === "failed" && Number(value) > 0 ? ' class="bad"' : ""}><b>${cell(value)}</b>${label}</li>`,
    ),
    "</ul>",
    ...requestsLine(totals.requestsReset, totals.requestsForwarded),
    `<p>Remote clients met, by instance: ${
      traffic.length
        ? traffic
            .map(([outcome, n]) => `${escapeHtml(outcome)} on ${cell(n)} instance${n === 1 ? "" : "s"}`)
            .join(", ")
        : cell(null)
    }</p>`,
    "</header>",
  ].join("\n");
}

/** The requests reset and passed on by method, when there are any (reports before they were counted have none). */
function requestsLine(reset?: Record<string, number>, forwarded?: Record<string, number>): string[] {
  const byMethod = (counts?: Record<string, number>) =>
    Object.entries(counts ?? {})
      .map(([method, n]) => `${escapeHtml(method)} ${cell(n)}`)
      .join(", ") || cell(0);
  if (!Object.keys({ ...reset, ...forwarded }).length) return [];
  return [
    `<p>Requests reset, by method: ${byMethod(reset)}; passed on to the service: ${byMethod(forwarded)}</p>`,
  ];
}

/** A cause that is JSON (a Lambda error, a failure list) indented to read; any other as it is. */
function readableCause(cause: string): string {
  try {
    const value: unknown = JSON.parse(cause);
    if (typeof value === "object" && value !== null) return JSON.stringify(value, null, 2);
  } catch {
    // Not JSON: shown as written.
  }
  return cause;
}

function stopSection(stop: StopCause | undefined, cleanup: CleanupResult | undefined): string {
  if (!stop && !cleanup) return "";
  const parts = ['<section class="stop">', "<h2>Stopped early</h2>"];
  if (stop) {
    parts.push(`<p class="error-name">${cell(stop.Error)}</p>`);
    parts.push(`<pre class="cause">${escapeHtml(readableCause(String(stop.Cause ?? "")))}</pre>`);
  }
  if (cleanup) {
    parts.push("<h3>Cleanup</h3>");
    const cancelled = cleanup.cancelled ?? [];
    parts.push(`<p>Commands cancelled: ${cancelled.length ? cutList(cancelled) : "none"}</p>`);
    const sent = cleanup.cleanupCommands ?? [];
    if (!sent.length) parts.push("<p>Cleanup commands sent: none</p>");
    else {
      parts.push("<p>Cleanup commands sent:</p>", "<ul>");
      for (const command of sent.slice(0, PAGE_LIST_LIMIT)) {
        parts.push(
          `<li><code>${escapeHtml(command.commandId)}</code> to ${cell(command.instances)} instance${
            command.instances === 1 ? "" : "s"
          }</li>`,
        );
      }
      if (sent.length > PAGE_LIST_LIMIT)
        parts.push(`<li>and ${formatCount(sent.length - PAGE_LIST_LIMIT)} more</li>`);
      parts.push("</ul>");
    }
  }
  parts.push("</section>");
  return parts.join("\n");
}

function inputSection(input: Record<string, unknown> | undefined): string {
  const entries = Object.entries(input ?? {});
  if (!entries.length) return "<section><h2>Input</h2><p>None.</p></section>";
  const rows = entries.map(
    ([key, value]) =>
      `<tr><th scope="row"><code>${escapeHtml(key)}</code></th><td>${
        typeof value === "string" ? cell(value) : escapeHtml(JSON.stringify(value) ?? String(value))
      }</td></tr>`,
  );
  return ["<section>", "<h2>Input</h2>", '<table class="input">', ...rows, "</table>", "</section>"].join(
    "\n",
  );
}

/** A dry run has no instance results, so its targets are the only instances to name. */
function targetsSection(report: Report): string {
  if (report.instances.length || !report.targets?.length) return "";
  return `<section><h2>Targets (${formatCount(report.targets.length)})</h2><p>${cutList(report.targets)}</p></section>`;
}

// ---------------------------------------------------------------------------------------------
// Instance table

function connections(r: InstanceReport): string {
  if (r.connectionsReset === null && r.remoteConnectionsReset === null && r.localConnectionsReset === null)
    return cell(null);
  const spared = r.connectionsSpared ? `, ${cell(r.connectionsSpared)} spared` : "";
  return `${cell(r.connectionsReset)} <span class="split">(${cell(r.remoteConnectionsReset)} / ${cell(
    r.localConnectionsReset,
  )}${spared})</span>`;
}

function verified(r: InstanceReport): string {
  const by = r.verifiedBy?.length
    ? ` <span class="split">by ${escapeHtml(r.verifiedBy.join(", "))}</span>`
    : "";
  return cell(r.verified) + by;
}

function instanceRow(r: InstanceReport, region: string): string {
  const cells = [
    instanceLink(region, r.instanceId),
    commandLink(region, r.commandId),
    cell(r.status),
    cell(r.outcome),
    connections(r),
    cell(r.remoteTraffic),
    verified(r),
    cell(r.restored),
    cell(r.error),
  ];
  return `<tr${failed(r) ? ' class="failed"' : ""}>${cells.map((c) => `<td>${c}</td>`).join("")}</tr>`;
}

function instancesSection(report: Report, shown: readonly InstanceReport[]): string {
  const parts = ["<section>", `<h2>Instances (${formatCount(report.instances.length)})</h2>`];
  if (!shown.length) {
    parts.push("<p>No instance results.</p>", "</section>");
    return parts.join("\n");
  }
  const left = report.instances.length - shown.length;
  if (left > 0) {
    parts.push(
      `<p class="cut">Listed: ${formatCount(shown.length)} of ${formatCount(
        report.instances.length,
      )}, those that failed first; ${formatCount(left)} left out. The full list is in report.json.</p>`,
    );
  }
  const headings = [
    "Instance",
    "Command",
    "SSM status",
    "Outcome",
    "Connections reset (remote / local, spared)",
    "Remote traffic",
    "Verified",
    "Restored",
    "Error",
  ];
  parts.push(
    '<table class="instances">',
    `<thead><tr>${headings.map((h) => `<th scope="col">${h}</th>`).join("")}</tr></thead>`,
    "<tbody>",
    ...shown.map((r) => instanceRow(r, report.region)),
    "</tbody>",
    "</table>",
    "</section>",
  );
  return parts.join("\n");
}

// ---------------------------------------------------------------------------------------------
// The page

/**
 * The report as one HTML5 document. Pure and linear in the report's size: the same report makes
 * the same page, and a report of 10,000 instances draws and lists only PAGE_LIST_LIMIT of them.
 */
export function reportPage(report: Report): string {
  const shown = shownInstances(report.instances ?? []);
  const stop = report.stop ?? report.cleanup?.stop;
  return [
    "<!DOCTYPE html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>HTTP reset peer: ${escapeHtml(report.experimentId)}</title>`,
    `<style>${STYLE}</style>`,
    "</head>",
    "<body>",
    header(report),
    verdictSection(report),
    stopSection(stop, report.cleanup),
    report.note ? `<p class="note">${escapeHtml(report.note)}</p>` : "",
    inputSection(report.input),
    targetsSection(report),
    clientsSection(report),
    timelineSection(report, shown),
    instancesSection(report, shown),
    `<footer>Written ${cell(report.reportedAt)} from report.json, which is beside this page.</footer>`,
    "</body>",
    "</html>",
  ]
    .filter((part) => part !== "")
    .join("\n")
    .concat("\n");
}
