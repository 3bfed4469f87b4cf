/**
 * The clients' rows behind the totals. Each instance prints one row per client it reset after its
 * summary line, as far as GetCommandInvocation's 24,000 characters of output go (the listing of
 * invocations keeps only the summary's 2,500). Reading every instance's would be a call per instance,
 * 10,000 at 10,000 instances; the report reads the rows of the few instances that hold the
 * experiment's top clients, at most CLIENT_TABLE_INSTANCES calls whatever the fleet's size.
 */
import { GetCommandInvocationCommand, type SSMClient } from "@aws-sdk/client-ssm";
import { SCRIPT_STEP } from "../../lib/document-names";
import type { ClientRow, ClientsTable, InstanceReport } from "../contract";

/** Instances whose full output the report reads: a GetCommandInvocation call each. */
export const CLIENT_TABLE_INSTANCES = 10;
/** Rows the report keeps, the most unsafe retries first. */
export const CLIENT_TABLE_ROWS = 100;

/** What each line of a client's row starts with in the document's output. */
const ROW_PREFIX = "client ";

const unsafeCount = (r: { unsafeRetries: Record<string, number> | null }): number =>
  Object.values(r.unsafeRetries ?? {}).reduce((n, count) => n + count, 0);

const mostUnsafeFirst = (a: ClientRow, b: ClientRow): number =>
  unsafeCount(b) - unsafeCount(a) || b.retries - a.retries || a.client.localeCompare(b.client);

/** The instances to read, among those with clients: those whose own top client retried the most, unsafely first. */
function instancesToRead(withClients: InstanceReport[]): InstanceReport[] {
  const rank = (r: InstanceReport) => r.clients?.top[0] ?? { unsafeRetries: 0, retries: 0 };
  return [...withClients]
    .sort((a, b) => rank(b).unsafeRetries - rank(a).unsafeRetries || rank(b).retries - rank(a).retries)
    .slice(0, CLIENT_TABLE_INSTANCES);
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** The rows in an instance's output; a line cut short by the output's limit, or not a row, is none. */
export function clientRows(instanceId: string, output: string): ClientRow[] {
  const rows: ClientRow[] = [];
  for (const line of output.split("\n")) {
    if (!line.startsWith(ROW_PREFIX)) continue;
    try {
      const row: unknown = JSON.parse(line.slice(ROW_PREFIX.length));
      if (isRecord(row) && typeof row.client === "string")
        rows.push({ ...(row as object), instanceId } as ClientRow);
    } catch {
      // The output's last line, cut at 24,000 characters.
    }
  }
  return rows;
}

/** The rows of the instances that hold the top clients; absent when no instance told of its clients. */
export async function clientsTable(
  ssm: SSMClient,
  instances: InstanceReport[],
): Promise<ClientsTable | undefined> {
  const withClients = instances.filter((r) => r.clients && r.clients.seen > 0);
  if (!withClients.length) return undefined;
  const read = instancesToRead(withClients);
  const errors: string[] = [];
  const outputs = await Promise.all(
    read.map(async (r) => {
      try {
        const invocation = await ssm.send(
          new GetCommandInvocationCommand({
            CommandId: r.commandId,
            InstanceId: r.instanceId,
            PluginName: SCRIPT_STEP,
          }),
        );
        return clientRows(r.instanceId, invocation.StandardOutputContent ?? "");
      } catch (error) {
        errors.push(`${r.instanceId}: ${(error as Error).name}: ${(error as Error).message}`);
        return [];
      }
    }),
  );
  return {
    instancesRead: read.length - errors.length,
    instancesWithClients: withClients.length,
    rows: outputs.flat().sort(mostUnsafeFirst).slice(0, CLIENT_TABLE_ROWS),
    ...(errors.length ? { error: `could not read the rows of ${errors.join("; ")}` } : {}),
  };
}
