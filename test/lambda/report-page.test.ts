import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ClientRow, InstanceReport, Report, ResetSeries } from "../../lambda/contract";
import { PAGE_LIST_LIMIT, reportPage } from "../../lambda/report/page";
import { openPage, withPage } from "../support/chromium";
import { NOTHING_TOLD } from "./support/plan";

const [OK, FAILED, CANCELLED] = ["i-0a1b2c3d4e5f60001", "i-0a1b2c3d4e5f60002", "i-0a1b2c3d4e5f60003"];
const START = "2026-01-01T12:00:00Z";

/** Resets per second over ten seconds, zeros included: a bar is drawn for each non-zero bucket only. */
const SERIES: Record<string, ResetSeries> = {
  [OK]: { start: START, step: 1, counts: [0, 4, 12, 9, 0, 7, 15, 3, 0, 2] },
  // It died five seconds in.
  [FAILED]: { start: START, step: 1, counts: [1, 3, 0, 5, 2] },
};

const nonZero = (id: string): number => SERIES[id].counts.filter((c) => c > 0).length;

function instance(fields: Partial<InstanceReport> & Pick<InstanceReport, "instanceId">): InstanceReport {
  return {
    commandId: "0b7e1f2a-1111-2222-3333-444455556666",
    status: "Success",
    connectionsReset: 52,
    remoteConnectionsReset: 50,
    localConnectionsReset: 2,
    connectionsSpared: 0,
    requestsReset: { GET: 40, POST: 12 },
    requestsForwarded: {},
    remoteTraffic: "Reset",
    verified: true,
    verifiedBy: ["remote peers", "localhost"],
    startedAt: "2026-01-01T12:00:00.000Z",
    endedAt: "2026-01-01T12:00:10.000Z",
    restored: true,
    outcome: "completed",
    resetSeries: SERIES[fields.instanceId] ?? null,
    clients: null,
    ...fields,
  };
}

/** Three instances stopped by an alarm: one ran its course, one's fault died, one was cancelled. */
function stoppedReport(): Report {
  const instances = [
    instance({ instanceId: OK, clients: OK_CLIENTS }),
    instance({
      instanceId: FAILED,
      status: "Failed",
      connectionsReset: 11,
      remoteConnectionsReset: 11,
      localConnectionsReset: 0,
      endedAt: "2026-01-01T12:00:05.000Z",
      outcome: "reset proxy died",
      error: "fault ended early: reset proxy died",
    }),
    instance({
      instanceId: CANCELLED,
      status: "Cancelled",
      ...NOTHING_TOLD,
    }),
  ];
  return {
    experimentId: "checkout-latency-7",
    dryRun: false,
    region: "eu-west-1",
    input: {
      EC2_INSTANCE_TAG: "chaos:checkout",
      TOTAL_CHAOS_DURATION: 10,
      SEQUENCE: "parallel",
      DRY_RUN: false,
    },
    startedAt: "2026-01-01T11:59:55.000Z",
    reportedAt: "2026-01-01T12:00:20.000Z",
    stop: {
      Error: "StopConditionAlarmError",
      Cause: "Alarm checkout-5xx is in ALARM: <script>alert(1)</script>",
    },
    cleanup: {
      cancelled: ["0b7e1f2a-1111-2222-3333-444455556666"],
      cleanupCommands: [{ commandId: "9c4d0e11-aaaa-bbbb-cccc-ddddeeeeffff", instances: 3 }],
    },
    targets: [OK, FAILED, CANCELLED],
    instances,
    totals: {
      targets: 3,
      instances: 3,
      succeeded: 1,
      failed: 2,
      connectionsReset: 63,
      remoteConnectionsReset: 61,
      connectionsSpared: 0,
      requestsReset: { GET: 80, POST: 24 },
      requestsForwarded: {},
      remoteTraffic: { Reset: 2 },
      clients: {
        instances: 1,
        seen: 3,
        retries: 14,
        unsafeRetries: { POST: 6 },
        reconnected: 2,
        notSeenAgain: 1,
        retryDelayMsMax: 120,
        reconnectMsMax: 900,
        amplificationMax: 3.5,
        top: [{ client: "<img src=x>", instanceId: OK, unsafeRetries: 6, retries: 8, reconnectMs: 900 }],
      },
    },
    clients: {
      instancesRead: 1,
      instancesWithClients: 1,
      rows: [
        clientRow({
          client: "<img src=x>",
          retries: 8,
          unsafeRetries: { POST: 6 },
          unsafeRequests: ["POST /orders", "POST /orders", "POST /carts/<b>"],
          retryDelaysMs: [20, 40, 120],
          amplification: 3.5,
          reconnectMs: 900,
        }),
        clientRow({ client: "198.18.0.7", retries: 6, retryDelaysMs: [1500, 3000], reconnectMs: 300 }),
        clientRow({ client: "198.18.0.9", retries: 0 }),
      ],
    },
  };
}

/** The summary of OK's clients: one of them not seen again. */
const OK_CLIENTS = {
  seen: 3,
  retries: 14,
  unsafeRetries: { POST: 6 },
  retryDelayMs: { p50: 40, max: 120 },
  amplification: 3.5,
  reconnected: 2,
  reconnectMs: { p50: 300, max: 900 },
  notSeenAgain: 1,
  top: [{ client: "<img src=x>", unsafeRetries: 6, retries: 8, reconnectMs: 900 }],
};

function clientRow(fields: Partial<ClientRow> & Pick<ClientRow, "client" | "retries">): ClientRow {
  return {
    instanceId: OK,
    connections: 10,
    resets: 10,
    unsafeRetries: {},
    unsafeRequests: [],
    retryDelaysMs: [],
    amplification: null,
    reconnectMs: null,
    connectionsAfter: fields.reconnectMs ? 2 : 0,
    ...fields,
  };
}

function dryRunReport(): Report {
  return {
    experimentId: "checkout-dry-1",
    dryRun: true,
    region: "eu-west-1",
    input: { EC2_INSTANCE_ID: `${OK},${FAILED}`, DRY_RUN: true },
    startedAt: "2026-01-01T12:00:00.000Z",
    reportedAt: "2026-01-01T12:00:03.000Z",
    targets: [OK, FAILED],
    instances: [],
    totals: {
      targets: 2,
      instances: 0,
      succeeded: 0,
      failed: 0,
      connectionsReset: 0,
      remoteConnectionsReset: 0,
      connectionsSpared: 0,
      requestsReset: {},
      requestsForwarded: {},
      remoteTraffic: {},
      clients: {
        instances: 0,
        seen: 0,
        retries: 0,
        unsafeRetries: {},
        reconnected: 0,
        notSeenAgain: 0,
        retryDelayMsMax: null,
        reconnectMsMax: null,
        amplificationMax: null,
        top: [],
      },
    },
    note: "Dry run: the targets were resolved and checked; nothing was sent to them",
  };
}

let dir: string;
beforeAll(() => (dir = mkdtempSync(join(tmpdir(), "report-page-"))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function written(name: string, report: Report): string {
  const path = join(dir, name);
  writeFileSync(path, reportPage(report));
  return path;
}

describe("the page's text", () => {
  const html = reportPage(stoppedReport());

  test("is one HTML5 document with nothing to run or load", () => {
    expect(html.startsWith("<!DOCTYPE html>\n")).toBe(true);
    expect(html.trimEnd().endsWith("</html>")).toBe(true);
    expect(html).not.toMatch(/<script|<link|<img|<iframe|<object|<embed|@import|url\(|\son\w+=/i);
    // Links to the AWS console are the only addresses, and they load nothing.
    expect(
      html
        .match(/(?:src|href)="[^"]*"/g)
        ?.every((a) => a.startsWith('href="https://console.aws.amazon.com/')),
    ).toBe(true);
    expect(html).toContain("Content-Security-Policy");
  });

  test("shows the header, the stop cause and its cleanup, the input and every instance", () => {
    expect(html).toContain("checkout-latency-7");
    expect(html).toContain("eu-west-1");
    expect(html).toContain("2026-01-01T11:59:55.000Z → 2026-01-01T12:00:20.000Z (25 s)");
    expect(html).toContain("StopConditionAlarmError");
    expect(html).toContain("Alarm checkout-5xx is in ALARM");
    expect(html).toContain("Commands cancelled: <code>0b7e1f2a-1111-2222-3333-444455556666</code>");
    expect(html).toContain("<code>9c4d0e11-aaaa-bbbb-cccc-ddddeeeeffff</code> to 3 instances");
    expect(html).toContain("Remote clients met, by instance: Reset on 2 instances");
    expect(html).toContain("Requests reset, by method: GET 80, POST 24; passed on to the service: 0");
    for (const [key, value] of [
      ["EC2_INSTANCE_TAG", "chaos:checkout"],
      ["TOTAL_CHAOS_DURATION", "10"],
      ["DRY_RUN", "false"],
    ]) {
      expect(html).toContain(`<th scope="row"><code>${key}</code></th><td>${value}</td>`);
    }
    for (const id of [OK, FAILED, CANCELLED]) expect(html).toContain(`data-instance-id="${id}"`);
    expect(html).toContain("fault ended early: reset proxy died");
    expect(html).toContain("no fault window, no reset series (Cancelled)");
    expect(html).toContain("12:00:00");
    expect(html.match(/<tr class="failed">/g)).toHaveLength(2);
  });

  test("answers what the clients did in words, then in a table and on a timeline", () => {
    expect(html).toContain("<h2>What the clients did</h2>");
    expect(html).toContain(
      "3 clients were reset; they sent 14 requests again within 30 s (0.13 a request reset), the slowest 120 ms after its reset.",
    );
    expect(html).toContain(
      "6 of those retries were not safe to send again (POST ×6, with no idempotency key)",
    );
    expect(html).toContain(
      "the clients of the most hammered instance connected 3.5 times as often as after it.",
    );
    expect(html).toContain(
      "2 came back after the fault, the last 900 ms after its end; not seen again while the instances watched: 1.",
    );
    // The unsafe client's row is flagged, with each request it sent again unsafely named once.
    expect(html).toContain(
      `<tr class="unsafe"><td><code>&lt;img src=x&gt;</code></td><td><code>${OK}</code></td><td class="num">10</td>` +
        '<td class="num">8</td><td class="num bad">6</td>' +
        "<td><code>POST /orders</code><br><code>POST /carts/&lt;b&gt;</code></td>" +
        '<td class="num">40 / 120</td><td class="num">3.5</td><td class="num">900 ms</td></tr>',
    );
    expect(html).toContain('<td class="num"><span class="no">not seen again</span></td></tr>');
    // The timeline: a dot a retry, a diamond a return, and the client not seen again said so.
    const chart = html.slice(html.indexOf('aria-label="Each client'));
    expect(chart.slice(0, chart.indexOf("</svg>")).match(/<circle class="retry"/g)).toHaveLength(5);
    expect(chart.slice(0, chart.indexOf("</svg>")).match(/<path class="back"/g)).toHaveLength(2);
    expect(chart).toContain(">not seen again</text>");
    expect(reportPage(dryRunReport())).not.toContain("What the clients did");
  });

  test("names the top clients when no instance's rows could be read", () => {
    const page = reportPage({ ...stoppedReport(), clients: undefined });
    expect(page).toContain(
      `<tr><td><code>&lt;img src=x&gt;</code></td><td><code>${OK}</code></td><td class="num"><span class="none">—</span></td>` +
        '<td class="num">8</td><td class="num bad">6</td>',
    );
    expect(page).not.toContain('aria-label="Each client');
  });

  test("escapes every string from the report", () => {
    const evil = "<script>alert(1)</script>";
    const report = stoppedReport();
    const page = reportPage({
      ...report,
      experimentId: `x${evil}`,
      region: `eu-west-1"><script>alert(2)</script>`,
      input: { [`KEY${evil}`]: `" onmouseover="alert(3)`, NESTED: { a: evil } },
      instances: [
        {
          ...report.instances[0],
          instanceId: `i-"><script>alert(4)</script>`,
          error: "<img src=x onerror=alert(5)>",
        },
        { ...report.instances[1], outcome: evil, verifiedBy: [evil], remoteTraffic: evil },
      ],
      note: evil,
    });
    expect(page).not.toMatch(/<script|<img|\son\w+="alert/i);
    expect(page).toContain("Alarm checkout-5xx is in ALARM: &lt;script&gt;alert(1)&lt;/script&gt;");
    expect(page).toContain("&lt;img src=x onerror=alert(5)&gt;");
    expect(page).toContain("&quot; onmouseover=&quot;alert(3)");
    expect(page).toContain('data-instance-id="i-&quot;&gt;&lt;script&gt;alert(4)&lt;/script&gt;"');
  });

  test("a dry run shows its note and its targets, and draws no row", () => {
    const page = reportPage(dryRunReport());
    expect(page).toContain('<span class="badge">dry run</span>');
    expect(page).toContain("Dry run: the targets were resolved and checked; nothing was sent to them");
    expect(page).toContain(`<code>${OK}</code>, <code>${FAILED}</code>`);
    expect(page).toContain("No instance results to draw.");
    expect(page).not.toContain("data-instance-id");
    expect(page).not.toContain("Stopped early");
  });
});

describe("in Chromium", () => {
  test("the page shows no error, asks for nothing, and draws a row per instance and a bar per reset bucket", async () => {
    const path = written("stopped.html", stoppedReport());
    await withPage(path, async (page) => {
      expect(page.errors).toEqual([]);
      expect(page.requests).toEqual([]);
      expect(page.instanceRows).toEqual([FAILED, CANCELLED, OK]);
      // The instances' timeline, and the clients'.
      expect(await page.count("svg")).toBe(2);
      expect(await page.count("svg circle.retry")).toBe(5);
      expect(await page.count("tr.unsafe")).toBe(1);
      expect(await page.count("script")).toBe(0);
      for (const id of [OK, FAILED]) {
        expect(await page.count(`g[data-instance-id="${id}"] rect.bar`)).toBe(nonZero(id));
        expect(await page.count(`g[data-instance-id="${id}"] rect.window`)).toBe(1);
      }
      expect(await page.count(`g[data-instance-id="${CANCELLED}"] rect.bar`)).toBe(0);
      expect(await page.text(`g[data-instance-id="${CANCELLED}"] > title`)).toContain("no fault window");
      expect(await page.text(`g[data-instance-id="${OK}"] .peak`)).toBe("max 15/s");
      // The cause is text on the page, not a script in it.
      expect(await page.text(".stop .cause")).toBe(
        "Alarm checkout-5xx is in ALARM: <script>alert(1)</script>",
      );
      expect(await page.count("tr.failed")).toBe(2);

      const png = join(dir, "stopped.png");
      await page.screenshot(png);
      const image = readFileSync(png);
      expect(image.subarray(1, 4).toString()).toBe("PNG");
      expect(image.readUInt32BE(16)).toBe(1200); // The IHDR's width.
    });
  });

  test("a dry run's page shows no error, asks for nothing, and has no timeline row", async () => {
    await withPage(written("dry-run.html", dryRunReport()), async (page) => {
      expect(page.errors).toEqual([]);
      expect(page.requests).toEqual([]);
      expect(page.instanceRows).toEqual([]);
      expect(await page.text(".note")).toContain("Dry run");
    });
  });

  test("a page that asks for something, or errs, is caught", async () => {
    const path = join(dir, "leaky.html");
    writeFileSync(
      path,
      '<!DOCTYPE html><link rel="stylesheet" href="https://example.invalid/x.css"><p>x</p>',
    );
    await withPage(path, async (page) => {
      expect(page.requests).toEqual(["https://example.invalid/x.css"]);
      expect(page.errors.length).toBeGreaterThan(0);
    });
  });

  test("a missing Chromium fails, naming the package to install", async () => {
    await expect(
      openPage(join(dir, "dry-run.html"), { executablePath: "/nonexistent/chromium" }),
    ).rejects.toThrow(/install Debian's chromium package/);
  });
});

test("a report of 10,000 instances draws and lists 200, those that failed first, and says so", () => {
  const base = stoppedReport();
  const instances = Array.from({ length: 10_000 }, (_, i) => {
    const instanceId = `i-${i.toString(16).padStart(17, "0")}`;
    // Every 100th failed: 100 failures, spread through the list, drawn before any success.
    return i % 100 === 99
      ? instance({ instanceId, status: "Failed", error: "nothing listens", resetSeries: SERIES[OK] })
      : instance({ instanceId, resetSeries: SERIES[OK] });
  });
  const started = Date.now();
  const html = reportPage({ ...base, instances, totals: { ...base.totals, instances: 10_000, failed: 100 } });
  const elapsed = Date.now() - started;

  const rows = [...html.matchAll(/<g class="row( failed)?" data-instance-id="([^"]+)"/g)];
  expect(rows).toHaveLength(PAGE_LIST_LIMIT);
  expect(rows.slice(0, 100).every(([, failed]) => failed)).toBe(true);
  expect(rows.slice(100).some(([, failed]) => failed)).toBe(false);
  expect(html.match(/<tr class="failed">/g)).toHaveLength(100);
  // The instances' rows, and the two clients' rows with no unsafe retry.
  expect(html.match(/<tr><td>/g)).toHaveLength(100 + 2);
  expect(html).toContain("9,800 more instances not drawn");
  expect(html).toContain("9,800 left out. The full list is in report.json.");
  expect(html.length).toBeLessThan(1_000_000);
  // A plain string builder: well under a second, even on a slow machine.
  expect(elapsed).toBeLessThan(5000);
});
