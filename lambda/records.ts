/**
 * An experiment's records in the construct's bucket, where the fault is deployed: its targets, why
 * it stopped, and its report, as JSON and as a page to look at. Read and written with the
 * function's own role.
 */
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { consoleUrl } from "./console-links";
import type { Plan, StopCause, TargetItem } from "./contract";
import { homeRegion, recordsBucket } from "./environment";
import { homeConfig } from "./sdk-config";
import { traced } from "./telemetry";

const s3 = (): S3Client => traced(new S3Client(homeConfig()));

/** The names of an experiment's records under its prefix. */
const RECORD = {
  targets: "targets.json",
  stop: "stop.json",
  report: "report.json",
  page: "report.html",
} as const;

/** The prefix of one execution's records: its experiment, then its start, so a reused name starts anew. */
export const recordsPrefix = (experimentId: string, startedAt: string): string =>
  `${experimentId}/${startedAt.replace(/[^0-9TZ]/g, "")}/`;

const recordUri = (key: string): string => `s3://${recordsBucket()}/${key}`;

/** An SDK error's name, as S3 gives it (NoSuchKey, PreconditionFailed, ...). */
export const errorName = (error: unknown): string => (error instanceof Error ? error.name : "");

/**
 * Writes `value` as JSON, or a page as HTML; with `onlyIfAbsent`, only when no object has the key
 * yet (false when one has). S3 answers two conditional writes racing on one key with a conflict,
 * to be tried again.
 */
async function write(
  key: string,
  value: unknown,
  {
    onlyIfAbsent = false,
    page = false,
    client = s3(),
  }: { onlyIfAbsent?: boolean; page?: boolean; client?: S3Client } = {},
): Promise<boolean> {
  const put = new PutObjectCommand({
    Bucket: recordsBucket(),
    Key: key,
    Body: page ? String(value) : JSON.stringify(value),
    ContentType: page ? "text/html; charset=utf-8" : "application/json",
    ...(onlyIfAbsent ? { IfNoneMatch: "*" } : {}),
  });
  for (let attempt = 1; ; attempt++) {
    try {
      await client.send(put);
      return true;
    } catch (error) {
      if (onlyIfAbsent && errorName(error) === "PreconditionFailed") return false;
      if (errorName(error) !== "ConditionalRequestConflict" || attempt === 3) throw error;
    }
  }
}

async function read<T>(key: string): Promise<T> {
  const object = await s3().send(new GetObjectCommand({ Bucket: recordsBucket(), Key: key }));
  return JSON.parse((await object.Body?.transformToString()) ?? "null") as T;
}

/** The key of the targets under an experiment's records prefix. */
export const targetsKey = (prefix: string): string => prefix + RECORD.targets;

/** Writes the targets, in the shape the inject Map's ItemReader reads; returns the object's key. */
export async function writeTargets(plan: Plan, targets: string[]): Promise<string> {
  const key = targetsKey(plan.records);
  const items: TargetItem[] = targets.map((instanceId) => ({ instanceId }));
  await write(key, items);
  return key;
}

export async function readTargets(key: string): Promise<string[]> {
  return (await read<TargetItem[]>(key)).map((item) => item.instanceId);
}

/**
 * Records why the experiment stopped, unless a cause is recorded already, and returns the one
 * recorded: a parent that learns only that a child failed reports the child's own cause.
 */
export async function recordStop(plan: Plan, stop: StopCause): Promise<StopCause> {
  const key = plan.records + RECORD.stop;
  if (await write(key, stop, { onlyIfAbsent: true })) return stop;
  return read<StopCause>(key);
}

/** Where a report went: its s3:// addresses, and the S3 console's page of the HTML one. */
export interface WrittenReport {
  readonly reportObject: string;
  readonly reportPage: string;
  readonly reportPageConsoleUrl: string;
}

/** Writes the whole report, and the page made of it. */
export async function writeReport(plan: Plan, report: unknown, page: string): Promise<WrittenReport> {
  const [json, html] = [plan.records + RECORD.report, plan.records + RECORD.page];
  const client = s3();
  await Promise.all([write(json, report, { client }), write(html, page, { page: true, client })]);
  const region = homeRegion();
  const query = new URLSearchParams({ region, prefix: html });
  return {
    reportObject: recordUri(json),
    reportPage: recordUri(html),
    reportPageConsoleUrl: consoleUrl(region, `s3/object/${recordsBucket()}?${query}`),
  };
}
