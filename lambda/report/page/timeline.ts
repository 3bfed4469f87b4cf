/**
 * The report page's timeline: one inline SVG, a row per instance with its fault window and its
 * resets per second, on one axis of UTC.
 */
import type { InstanceReport, Report, ResetSeries } from "../../contract";
import { coordinate, epoch, escapeHtml, failed, formatCount, utcTime } from "./html";

/** The timeline's geometry, in the SVG's own units (it is scaled to the page's width). */
const TIMELINE = {
  width: 1100,
  /** The instance IDs, left of the plot. */
  labels: 180,
  /** Each row's peak, right of the plot. */
  peaks: 70,
  /** The tick labels, above and below the rows. */
  axis: 24,
  row: 34,
  /** Space between a row's edge and its band. */
  inset: 4,
} as const;

/** A series the page can draw: a readable start, a positive step, and counts. */
function drawable(series: ResetSeries | null | undefined): ResetSeries | undefined {
  if (!series || epoch(series.start) === undefined || !(series.step > 0)) return undefined;
  return Array.isArray(series.counts) ? series : undefined;
}

const seriesEnd = (series: ResetSeries): number =>
  (epoch(series.start) as number) + series.counts.length * series.step * 1000;

interface Span {
  readonly from: number;
  readonly to: number;
}

/**
 * From the earliest start to the latest end of every instance, drawn or not, so the axis is the
 * experiment's; the execution's own times when no instance tells any (a dry run, a cancelled run).
 */
function timeSpan(report: Report): Span {
  let from = Infinity;
  let to = -Infinity;
  for (const r of report.instances) {
    const series = drawable(r.resetSeries);
    for (const t of [epoch(r.startedAt), series && epoch(series.start)])
      if (t !== undefined) from = Math.min(from, t);
    for (const t of [epoch(r.endedAt), series && seriesEnd(series)])
      if (t !== undefined) to = Math.max(to, t);
  }
  if (from === Infinity) from = epoch(report.startedAt) ?? to;
  if (to === -Infinity) to = epoch(report.reportedAt) ?? from;
  if (!Number.isFinite(from)) from = to = 0;
  // An empty span has no scale; one second makes a readable axis for it.
  return { from, to: Math.max(to, from + 1000) };
}

const TICK_SECONDS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200];

/** Whole multiples of a round step of UTC, about eight of them at most across the span. */
function ticks(span: Span): number[] {
  const seconds = (span.to - span.from) / 1000;
  const step = (TICK_SECONDS.find((s) => seconds / s <= 8) ?? Math.ceil(seconds / 8 / 86400) * 86400) * 1000;
  const times: number[] = [];
  for (let t = Math.ceil(span.from / step) * step; t <= span.to; t += step) times.push(t);
  return times;
}

/** A tick's label: its time of day, and its day too on an axis longer than one. */
const tickLabel = (ms: number, span: Span): string =>
  span.to - span.from > 86_400_000 ? new Date(ms).toISOString().slice(5, 16).replace("T", " ") : utcTime(ms);

/** A rate as the peak label shows it: whole above ten, one decimal below. */
const rate = (perSecond: number): string =>
  perSecond >= 10 ? formatCount(Math.round(perSecond)) : String(Math.round(perSecond * 10) / 10);

/**
 * The resets-per-second bars of one row, scaled to the row's own peak. A bucket narrower than a
 * unit of the SVG shares its column with its neighbours, the tallest drawn: a long window on a long
 * axis would otherwise draw hundreds of bars one on another in each of 200 rows.
 */
function resetBars(series: ResetSeries, x: (t: number) => number): { bars: string[]; peak: number } {
  const start = epoch(series.start) as number;
  const stepMs = series.step * 1000;
  const rates = series.counts.map((count) => (Number(count) > 0 ? Number(count) / series.step : 0));
  const peak = Math.max(0, ...rates);
  if (peak === 0) return { bars: [], peak };
  const width = x(start + stepMs) - x(start);
  const barWidth = width > 3 ? width - 1 : Math.max(width, 1);
  const columns = new Map<number, { left: number; rate: number }>();
  rates.forEach((r, i) => {
    if (r === 0) return;
    const left = x(start + i * stepMs);
    const column = columns.get(Math.floor(left));
    if (!column || r > column.rate) columns.set(Math.floor(left), { left: column?.left ?? left, rate: r });
  });
  const bottom = TIMELINE.row - TIMELINE.inset;
  const room = TIMELINE.row - 2 * TIMELINE.inset;
  const bars = [...columns.values()].map(({ left, rate: r }) => {
    const height = Math.max(1, (r / peak) * room);
    return `<rect class="bar" x="${coordinate(left)}" y="${coordinate(bottom - height)}" width="${coordinate(
      barWidth,
    )}" height="${coordinate(height)}"/>`;
  });
  return { bars, peak };
}

/** What hovering a row tells: the row's facts in one line. */
function rowTitle(r: InstanceReport, peak: number | undefined): string {
  const start = epoch(r.startedAt);
  const end = epoch(r.endedAt);
  return [
    `${r.instanceId}: ${r.status}${r.outcome ? ` (${r.outcome})` : ""}`,
    `${r.connectionsReset ?? "unknown"} connections reset`,
    start !== undefined && end !== undefined
      ? `window ${utcTime(start)}–${utcTime(end)} UTC`
      : "no fault window",
    peak === undefined ? "no reset series" : `peak ${rate(peak)} resets/s`,
    ...(r.error ? [`error: ${r.error}`] : []),
  ].join("; ");
}

/** Instance IDs are 19 characters; anything much longer would run into the plot. */
const label = (id: string): string => (id.length > 24 ? `${id.slice(0, 23)}…` : id);

function timelineRow(r: InstanceReport, index: number, x: (t: number) => number): string {
  const { row, inset, labels, width, peaks } = TIMELINE;
  const series = drawable(r.resetSeries);
  const start = epoch(r.startedAt);
  const end = epoch(r.endedAt);
  const { bars, peak } = series ? resetBars(series, x) : { bars: [], peak: undefined };
  const missing = [
    start === undefined || end === undefined ? "no fault window" : "",
    series ? "" : "no reset series",
  ].filter(Boolean);
  const parts = [
    `<g class="row${failed(r) ? " failed" : ""}" data-instance-id="${escapeHtml(r.instanceId)}" transform="translate(0 ${
      TIMELINE.axis + index * row
    })">`,
    `<title>${escapeHtml(rowTitle(r, peak))}</title>`,
    `<rect class="stripe" x="0" y="0" width="${width}" height="${row}"/>`,
    `<text class="id" x="4" y="14">${escapeHtml(label(r.instanceId))}</text>`,
    `<text class="status" x="4" y="28">${escapeHtml(label(`${r.status}${r.outcome ? ` · ${r.outcome}` : ""}`))}</text>`,
  ];
  if (start !== undefined && end !== undefined) {
    const left = x(start);
    parts.push(
      `<rect class="window" x="${coordinate(left)}" y="${inset}" width="${coordinate(
        Math.max(1, x(end) - left),
      )}" height="${row - 2 * inset}"/>`,
    );
  }
  parts.push(...bars);
  if (missing.length) {
    const why = `${missing.join(", ")}${r.status ? ` (${r.status})` : ""}`;
    parts.push(`<text class="missing" x="${labels + 6}" y="${row / 2 + 4}">${escapeHtml(why)}</text>`);
  }
  const peakLabel = peak === undefined ? "—" : `max ${rate(peak)}/s`;
  parts.push(
    `<text class="peak" x="${width - peaks + 6}" y="${row / 2 + 4}">${escapeHtml(peakLabel)}</text>`,
    "</g>",
  );
  return parts.join("");
}

function axis(span: Span, x: (t: number) => number, rows: number): string {
  const bottom = TIMELINE.axis + rows * TIMELINE.row;
  const parts = ['<g class="axis">'];
  for (const t of ticks(span)) {
    const at = coordinate(x(t));
    parts.push(
      `<line x1="${at}" y1="${TIMELINE.axis - 4}" x2="${at}" y2="${bottom + 4}"/>`,
      `<text x="${at}" y="${TIMELINE.axis - 8}">${tickLabel(t, span)}</text>`,
      `<text x="${at}" y="${bottom + 18}">${tickLabel(t, span)}</text>`,
    );
  }
  parts.push("</g>");
  return parts.join("");
}

/** The timeline of the instances shown, on the whole experiment's axis. */
export function timelineSection(report: Report, shown: readonly InstanceReport[]): string {
  const parts = ["<section>", "<h2>Timeline</h2>"];
  if (!shown.length) {
    parts.push("<p>No instance results to draw.</p>", "</section>");
    return parts.join("\n");
  }
  const span = timeSpan(report);
  const { labels, width, peaks, axis: axisHeight, row } = TIMELINE;
  const plot = width - labels - peaks;
  const x = (t: number): number => labels + ((t - span.from) / (span.to - span.from)) * plot;
  const height = 2 * axisHeight + shown.length * row;
  parts.push(
    `<p class="legend"><span class="key window"></span>fault window <span class="key bar"></span>resets per second,
each row scaled to its own peak (right). Times in UTC, ${escapeHtml(new Date(span.from).toISOString())} to
${escapeHtml(new Date(span.to).toISOString())}.</p>`,
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" role="img" aria-label="Resets per second on each instance over time">`,
    axis(span, x, shown.length),
    ...shown.map((r, i) => timelineRow(r, i, x)),
    "</svg>",
  );
  const left = report.instances.length - shown.length;
  if (left > 0) {
    parts.push(
      `<p class="cut">${formatCount(left)} more instances not drawn: the first ${formatCount(
        shown.length,
      )}, those that failed first, are. All are in report.json.</p>`,
    );
  }
  parts.push("</section>");
  return parts.join("\n");
}
