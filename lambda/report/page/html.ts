/** The report page's smallest pieces: escaping, and how its numbers, times and values read. */
import type { InstanceReport } from "../../contract";

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** For text and for quoted attribute values alike, so one function serves every string. */
export const escapeHtml = (value: unknown): string => String(value).replace(/[&<>"']/g, (c) => ESCAPES[c]);

/** As the report's totals count them: an instance failed unless its command succeeded without error. */
export const failed = (r: InstanceReport): boolean => r.status !== "Success" || Boolean(r.error);

export const formatCount = (n: number): string =>
  Number.isFinite(n) ? n.toLocaleString("en-US") : String(n);

/** Rounded, so that the SVG's coordinates stay short; always a number, whatever the report held. */
export const coordinate = (n: number): number => (Number.isFinite(n) ? Math.round(n * 10) / 10 : 0);

/** Epoch milliseconds, or undefined for a missing or unreadable time. */
export function epoch(iso: string | null | undefined): number | undefined {
  const ms = iso ? Date.parse(iso) : NaN;
  return Number.isFinite(ms) ? ms : undefined;
}

/** HH:MM:SS of UTC: an experiment's times are compared with logs and metrics, which are in UTC. */
export const utcTime = (ms: number): string => new Date(ms).toISOString().slice(11, 19);

export function duration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  const [h, m, s] = [Math.floor(seconds / 3600), Math.floor((seconds % 3600) / 60), seconds % 60];
  return [h ? `${h} h` : "", m ? `${m} min` : "", s || (!h && !m) ? `${s} s` : ""].filter(Boolean).join(" ");
}

/** What a table cell shows of one of the report's values: a dash where the document told nothing. */
export function cell(value: unknown): string {
  if (value === null || value === undefined || value === "") return '<span class="none">—</span>';
  if (typeof value === "boolean") return value ? "yes" : '<span class="no">no</span>';
  if (typeof value === "number") return escapeHtml(formatCount(value));
  return escapeHtml(value);
}
