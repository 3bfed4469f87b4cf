/**
 * What the clients did, as the fault reports it, for real clients each alone against nginx: Python's
 * urllib3 with its Retry (POST allowed, or not; with an idempotency key, or not), curl's retries, Go's
 * net/http sending a request again by itself, Node's fetch with a warm pool, and clients that give up
 * or come back after the fault. The counts come from the summary line's `clients` and the rows that
 * follow it.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ClientRow, ClientsSummary } from "../../lambda/contract";
import { fetchPool } from "./support/clients";
import { startDocument, type FaultResult } from "./support/fault";
import { startNginx } from "./support/nginx";
import { describeAsRootWith } from "./support/root";
import { armed, useWorld } from "./support/scenario";
import { CLIENT_V4, CLIENT_V6, SERVER_V4, SERVER_V6, type World } from "./support/world";

const PORT = 80;
const FIXTURES = join(__dirname, "fixtures");
const URL = `http://${SERVER_V4}:${PORT}`;
const WINDOW = 4;
/** curl sending a request again after any error, twice, a second apart. */
const CURL_RETRYING = [
  "curl",
  "-s",
  "-o",
  "/dev/null",
  "--retry",
  "2",
  "--retry-all-errors",
  "--retry-delay",
  "1",
];

/** A client's row as the document prints it: the report adds the instance. */
type Row = Omit<ClientRow, "instanceId">;

const clientsOf = (result: FaultResult) => result.summary.clients as ClientsSummary;

/** Every client's row, from the lines after the summary. */
const rowsOf = (result: FaultResult): Row[] =>
  result.stdout
    .split("\n")
    .filter((line) => line.startsWith("client "))
    .map((line) => JSON.parse(line.slice("client ".length)) as Row);

/** Runs the fault for WINDOW seconds, `during` its window, and returns what it reported. */
async function faultWith(
  w: World,
  during: () => Promise<unknown>,
  parameters: Record<string, string> = {},
): Promise<FaultResult> {
  const fault = startDocument(w, {
    DurationSeconds: String(WINDOW),
    ObserveRecoverySeconds: "0",
    ...parameters,
  });
  await armed(w);
  await during();
  const result = await fault.done;
  expect(result.code).toBe(0);
  return result;
}

describeAsRootWith(["nginx", "curl", "go"])("what the clients did", () => {
  const world = useWorld();
  let scratch: string;
  let goClient: string;

  beforeAll(() => {
    // urllib3 as Debian packages it (python3-urllib3), which bash scripts/test.sh installs.
    execFileSync("python3", ["-c", "import urllib3"]);
    scratch = mkdtempSync(join(tmpdir(), "hrp-go-"));
    goClient = join(scratch, "go-client");
    // Built once, from the Go toolchain's own standard library: the net/http users have.
    execFileSync("go", ["build", "-o", goClient, "main.go"], {
      cwd: join(FIXTURES, "go-client"),
      env: {
        ...process.env,
        GOCACHE: join(scratch, "cache"),
        GOPATH: join(scratch, "path"),
        GO111MODULE: "off",
      },
    });
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  const urllib3 = (w: World, method: string, retries: number, allowed: string, key?: string) =>
    w.on(w.client, [
      "python3",
      join(FIXTURES, "urllib3_retry.py"),
      `${URL}/orders?page=2`,
      method,
      String(retries),
      allowed,
      ...(key ? [key] : []),
    ]);

  test("urllib3 with POST allowed and no backoff sends the POST again, unsafely, at once", async () => {
    const w = world();
    await startNginx(w, PORT);
    const result = await faultWith(w, () => urllib3(w, "POST", 3, "all"));
    const clients = clientsOf(result);
    expect(clients).toMatchObject({ seen: 1, retries: 3, unsafeRetries: { POST: 3 } });
    expect(clients.retryDelayMs!.max).toBeLessThan(500);
    expect(clients.top).toEqual([{ client: CLIENT_V4, unsafeRetries: 3, retries: 3, reconnectMs: null }]);
    // The request named as sent, its query string left out.
    expect(rowsOf(result)[0].unsafeRequests[0]).toBe("POST /orders");
    expect(result.stdout).not.toContain("page=2");
  });

  test("the same with an Idempotency-Key sends it again safely", async () => {
    const w = world();
    await startNginx(w, PORT);
    const clients = clientsOf(await faultWith(w, () => urllib3(w, "POST", 3, "all", "order-17")));
    expect(clients).toMatchObject({ seen: 1, retries: 3, unsafeRetries: {} });
  });

  test("urllib3's own default sends no POST again", async () => {
    const w = world();
    await startNginx(w, PORT);
    const clients = clientsOf(await faultWith(w, () => urllib3(w, "POST", 3, "idempotent")));
    expect(clients).toMatchObject({ seen: 1, retries: 0, unsafeRetries: {} });
  });

  test("curl --retry-all-errors sends a POST again, unsafely, a second apart", async () => {
    const w = world();
    await startNginx(w, PORT);
    const clients = clientsOf(
      await faultWith(w, () => w.on(w.client, [...CURL_RETRYING, "-d", "x", `${URL}/pay`])),
    );
    expect(clients).toMatchObject({ seen: 1, retries: 2, unsafeRetries: { POST: 2 } });
    expect(clients.retryDelayMs!.p50).toBeGreaterThanOrEqual(900);
  });

  test.each([
    ["with an idempotency key, sends it again by itself on a new connection: safely", ["order-9"], 1],
    ["without one, does not", [], 0],
  ])("Go's net/http, a POST reset on a reused connection %s", async (_, key, retries) => {
    const w = world();
    await startNginx(w, PORT);
    const result = await faultWith(w, () => w.on(w.client, [goClient, URL, ...key]), {
      ResetMethods: "POST",
    });
    expect(clientsOf(result)).toMatchObject({ seen: 1, retries, unsafeRetries: {} });
  });

  test("under ResetAt=connect nothing is read: curl's retries are its reconnections, and whether they were safe is not known", async () => {
    const w = world();
    await startNginx(w, PORT);
    const clients = clientsOf(
      await faultWith(w, () => w.on(w.client, [...CURL_RETRYING, `${URL}/`]), { ResetAt: "connect" }),
    );
    expect(clients).toMatchObject({ seen: 1, retries: 2, unsafeRetries: null });
  });

  test("Node's fetch with a warm pool: its connections opened before the fault are reset by the kernel, and its client counted", async () => {
    const w = world();
    await startNginx(w, PORT);
    const pool = await fetchPool(w, w.client, `${URL}/`);
    const result = await faultWith(w, () => pool.round());
    expect(pool.seen.slice(pool.first.length).map((s) => s.outcome)).toContain("reset");
    expect(clientsOf(result).seen).toBe(1);
    expect(rowsOf(result).map((r) => r.client)).toEqual([CLIENT_V4]);
  });

  test("after the window: a client that gave up is not seen again; one that calls again comes back, and how soon is measured", async () => {
    const w = world();
    await startNginx(w, PORT);
    const fault = startDocument(w, { DurationSeconds: String(WINDOW), ObserveRecoverySeconds: "3" });
    await armed(w);
    const armedAt = Date.now();
    expect(
      (
        await w.on(w.client, ["python3", join(FIXTURES, "give_up.py"), SERVER_V4, String(PORT)])
      ).stdout.trim(),
    ).toBe("reset");
    expect(await w.curl(w.client, `http://[${SERVER_V6}]:${PORT}/`)).toBe("reset");
    // The window ends WINDOW seconds after the rules went in; the IPv6 client calls again a second later.
    await new Promise((r) => setTimeout(r, Math.max(0, armedAt + (WINDOW + 1) * 1000 - Date.now())));
    expect(await w.curl(w.client, `http://[${SERVER_V6}]:${PORT}/`)).toBe(200);
    const result = await fault.done;
    expect(result.code).toBe(0);
    const clients = clientsOf(result);
    expect(clients).toMatchObject({ seen: 2, reconnected: 1, notSeenAgain: 1 });
    expect(clients.reconnectMs!.max).toBeGreaterThan(500);
    expect(clients.reconnectMs!.max).toBeLessThan(2500);
    const rows = Object.fromEntries(rowsOf(result).map((r) => [r.client, r]));
    expect(rows[CLIENT_V4].reconnectMs).toBeNull();
    expect(rows[CLIENT_V6].reconnectMs).toBe(clients.reconnectMs!.max);
    // A client that used the port after the fault has a figure for its retry storm: its connections
    // a second during the window over its rate after it.
    expect(rows[CLIENT_V6].amplification).toEqual(expect.any(Number));
    expect(clients.amplification).toEqual(expect.any(Number));
  });
});
