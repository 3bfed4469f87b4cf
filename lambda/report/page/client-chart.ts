/**
 * The clients' timeline: one inline SVG, a row per client, with two clocks. On the left, each of its
 * retries at its delay after the reset it followed (a log scale, 1 ms to 30 s: a client that hammers
 * sits at the left, one that backs off to the right). On the right, after the fault: when it first
 * connected again, or that it was not seen again.
 */
import type { ClientRow } from "../../contract";
import { coordinate, escapeHtml, formatCount } from "./html";

/** The chart's geometry, in the SVG's own units (it is scaled to the page's width). */
const CHART = {
  width: 1100,
  /** The client's address, left of the plots. */
  labels: 200,
  /** The retries' plot, then a gap, then the plot of the return after the fault. */
  retries: 540,
  gap: 60,
  axis: 24,
  row: 22,
} as const;

/** The retries' clock: 1 ms to RETRY_WINDOW_MS, on a log scale. */
const RETRY_WINDOW_MS = 30_000;
const RETRY_TICKS = [1, 10, 100, 1000, 10_000, 30_000];
/** Rows drawn at most: the table's first, the most unsafe retries first. */
export const CHART_ROWS = 30;

const msLabel = (ms: number): string =>
  ms >= 1000 ? `${formatCount(ms / 1000)} s` : `${formatCount(ms)} ms`;

/** Round ticks of the return's clock, from 0 to at least `most` ms. */
function returnTicks(most: number): number[] {
  const step =
    [100, 200, 500, 1000, 2000, 5000, 10_000, 30_000, 60_000, 120_000, 300_000].find((s) => most / s <= 5) ??
    600_000;
  const ticks: number[] = [];
  for (let t = 0; ticks.length < 2 || t - step < most; t += step) ticks.push(t);
  return ticks;
}

function axis(ticks: number[], x: (ms: number) => number, bottom: number): string[] {
  return ticks.flatMap((t) => {
    const at = coordinate(x(t));
    return [
      `<line x1="${at}" y1="${CHART.axis - 4}" x2="${at}" y2="${bottom + 4}"/>`,
      `<text x="${at}" y="${CHART.axis - 8}">${msLabel(t)}</text>`,
    ];
  });
}

function chartRow(
  r: ClientRow,
  index: number,
  retryX: (ms: number) => number,
  returnX: (ms: number) => number,
  watched: boolean,
): string {
  const mid = CHART.row / 2;
  const unsafe = Object.values(r.unsafeRetries ?? {}).reduce((n, c) => n + c, 0);
  const parts = [
    `<g class="row${unsafe ? " unsafe" : ""}" transform="translate(0 ${CHART.axis + index * CHART.row})">`,
    `<title>${escapeHtml(
      `${r.client} on ${r.instanceId}: ${r.retries} retries, ${unsafe} unsafe; ` +
        (r.reconnectMs === null
          ? watched
            ? "not seen again"
            : "not watched"
          : `back after ${r.reconnectMs} ms`),
    )}</title>`,
    `<rect class="stripe" x="0" y="0" width="${CHART.width}" height="${CHART.row}"/>`,
    `<text class="id" x="4" y="${mid + 4}">${escapeHtml(r.client.length > 28 ? `${r.client.slice(0, 27)}…` : r.client)}</text>`,
    ...(r.retryDelaysMs ?? []).map(
      (ms) => `<circle class="retry" cx="${coordinate(retryX(ms))}" cy="${mid}" r="3.5"/>`,
    ),
  ];
  if (r.reconnectMs !== null) {
    const at = coordinate(returnX(r.reconnectMs));
    parts.push(`<path class="back" d="M${at} ${mid - 5}l5 5-5 5-5-5z"/>`);
  } else if (watched) {
    parts.push(`<text class="gone" x="${coordinate(returnX(0))}" y="${mid + 4}">not seen again</text>`);
  }
  parts.push("</g>");
  return parts.join("");
}

/**
 * The chart of the rows given, their first CHART_ROWS; empty when none retried or came back.
 * `watched` holds the instances that watched for their clients' return after the fault.
 */
export function clientChart(rows: readonly ClientRow[], watched: ReadonlySet<string>): string {
  const drawn = rows.slice(0, CHART_ROWS);
  if (!drawn.some((r) => r.retryDelaysMs?.length || r.reconnectMs !== null)) return "";
  const { labels, retries, gap, width, axis: top, row } = CHART;
  const retryX = (ms: number): number =>
    labels + (Math.log10(Math.min(Math.max(ms, 1), RETRY_WINDOW_MS)) / Math.log10(RETRY_WINDOW_MS)) * retries;
  const returnLeft = labels + retries + gap;
  const ticks = returnTicks(Math.max(0, ...drawn.map((r) => r.reconnectMs ?? 0)));
  const returnX = (ms: number): number =>
    returnLeft + (ms / ticks[ticks.length - 1]) * (width - returnLeft - 30);
  const bottom = top + drawn.length * row;
  return [
    `<p class="legend"><span class="key retry"></span>a retry, at its delay after the reset it followed
(left, log scale) <span class="key back"></span>the client's first connection after the fault, from
the fault's end (right).</p>`,
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${bottom + 8}" role="img" aria-label="Each client's retry delays, and when it came back after the fault">`,
    '<g class="axis">',
    ...axis(RETRY_TICKS, retryX, bottom),
    ...axis(ticks, returnX, bottom),
    "</g>",
    ...drawn.map((r, i) => chartRow(r, i, retryX, returnX, watched.has(r.instanceId))),
    "</svg>",
  ].join("\n");
}
