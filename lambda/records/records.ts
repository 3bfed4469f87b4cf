/**
 * An experiment's records in the construct's bucket, where the fault is deployed: its targets, the
 * commands it sent, why it stopped, and its report, as JSON and as a page to look at. Read and
 * written with the function's own role.
 */
import { GetObjectCommand, paginateListObjectsV2, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { consoleUrl } from "../report/console-links";
import type { CommandRef, Plan, ProbeResult, ProbeSample, StopCause, TargetItem } from "../contract";
import type { HypothesisSpec } from "../../lib/hypothesis/probe-spec";
import { FAULT_ENDED_RECORD } from "../../lib/fault-ended-record";
import { homeRegion, recordsBucket } from "../input/environment";
import { chunk } from "../aws/chunks";
import { homeClient } from "../aws/sdk-config";

const s3 = (): S3Client => homeClient(S3Client);

/** The names of an experiment's records under its prefix. */
const RECORD = {
  targets: "targets.json",
  commands: "commands/",
  stop: "stop.json",
  report: "report.json",
  page: "report.html",
  hypothesis: "hypothesis.json",
  steadyState: "steady-state.json",
  samples: "samples/",
  faultEnded: FAULT_ENDED_RECORD,
} as const;

/** The prefix of one execution's records: its experiment, then its start, so a reused name starts anew. */
export const recordsPrefix = (experimentId: string, startedAt: string): string =>
  `${experimentId}/${startedAt.replace(/[^0-9TZ]/g, "")}/`;

const recordUri = (key: string): string => `s3://${recordsBucket()}/${key}`;

/** An SDK error's name, as S3 gives it (NoSuchKey, PreconditionFailed, ...). */
const errorName = (error: unknown): string => (error instanceof Error ? error.name : "");

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

async function read<T>(key: string, client = s3()): Promise<T> {
  const object = await client.send(new GetObjectCommand({ Bucket: recordsBucket(), Key: key }));
  return JSON.parse((await object.Body?.transformToString()) ?? "null") as T;
}

/**
 * Every object under `prefix`, in the order S3 lists their keys, a few dozen read at a time: an
 * experiment's commands (one object per task that sent some) or its rounds of samples (at most
 * MAX_SAMPLING_ROUNDS).
 */
const READS_AT_ONCE = 50;

async function readAllUnder<T>(prefix: string): Promise<T[]> {
  const client = s3();
  const keys: string[] = [];
  const pages = paginateListObjectsV2({ client }, { Bucket: recordsBucket(), Prefix: prefix });
  for await (const page of pages) keys.push(...(page.Contents ?? []).map((object) => object.Key ?? ""));
  const objects: T[] = [];
  for (const batch of chunk(keys, READS_AT_ONCE))
    objects.push(...(await Promise.all(batch.map((key) => read<T>(key, client)))));
  return objects;
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
 * Records the commands one task sent, in an object of their own (tasks of one experiment send at
 * once), for a cleanup to find before SSM lists them.
 */
export async function recordCommands(records: string, commands: readonly CommandRef[]): Promise<void> {
  if (commands.length) await write(`${records}${RECORD.commands}${commands[0].commandId}.json`, commands);
}

/** Every command recorded under an experiment's records prefix. */
export const recordedCommands = async (records: string): Promise<CommandRef[]> =>
  (await readAllUnder<CommandRef[]>(records + RECORD.commands)).flat();

/**
 * Records why the experiment stops, unless a cause is recorded already, and returns the one
 * recorded: a parent that learns only that a child failed reports the child's own cause. A cause
 * recorded means every command of the experiment is to be undone, even one sent after it.
 */
export async function recordStop(records: string, stop: StopCause): Promise<StopCause> {
  const key = records + RECORD.stop;
  if (await write(key, stop, { onlyIfAbsent: true })) return stop;
  return read<StopCause>(key);
}

/** What a read of a record gives, or undefined when the record was never written. */
export async function ifWritten<T>(reading: Promise<T>): Promise<T | undefined> {
  try {
    return await reading;
  } catch (error) {
    // NoSuchKey, not AccessDenied, because the reader may s3:ListBucket: "If you don't have the
    // s3:ListBucket permission, Amazon S3 returns an HTTP status code 403 (Access Denied) error"
    // (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html).
    if (errorName(error) === "NoSuchKey") return undefined;
    throw error;
  }
}

/** The cause recorded under an experiment's records prefix; undefined while none is. */
export const recordedStop = (records: string): Promise<StopCause | undefined> =>
  ifWritten(read<StopCause>(records + RECORD.stop));

/**
 * Keeps the hypothesis the state machine holds with the experiment's records, so that whichever
 * function reports the experiment (the state machine's, or the abort rule's after a stop) judges it
 * against the hypothesis it ran under.
 */
export const recordHypothesis = (records: string, hypothesis: HypothesisSpec): Promise<boolean> =>
  write(records + RECORD.hypothesis, hypothesis);

/** The hypothesis the experiment ran under; undefined when it had none. */
export const recordedHypothesis = (records: string): Promise<HypothesisSpec | undefined> =>
  ifWritten(read<HypothesisSpec>(records + RECORD.hypothesis));

/** Records what the probes of the steady state found before anything was injected. */
export const recordSteadyState = (records: string, results: readonly ProbeResult[]): Promise<boolean> =>
  write(records + RECORD.steadyState, results);

/** What the probes of the steady state found; undefined when they were not run. */
export const recordedSteadyState = (records: string): Promise<ProbeResult[] | undefined> =>
  ifWritten(read<ProbeResult[]>(records + RECORD.steadyState));

/** Records one round of samples, under a key that sorts by its time. */
export async function recordSamples(
  records: string,
  at: Date,
  samples: readonly ProbeSample[],
): Promise<void> {
  if (samples.length) await write(`${records}${RECORD.samples}${at.toISOString()}.json`, samples);
}

/** Every sample recorded under an experiment's records prefix, oldest first. */
export const recordedSamples = async (records: string): Promise<ProbeSample[]> =>
  (await readAllUnder<ProbeSample[]>(records + RECORD.samples)).flat();

/** When the state machine noted the fault's end (the ramp down over); undefined while it runs. */
export async function recordedFaultEnd(records: string): Promise<Date | undefined> {
  const client = s3();
  const text = await ifWritten(
    client
      .send(new GetObjectCommand({ Bucket: recordsBucket(), Key: records + RECORD.faultEnded }))
      .then((object) => object.Body?.transformToString() ?? ""),
  );
  return text ? new Date(text.trim()) : undefined;
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
