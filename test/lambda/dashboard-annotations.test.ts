import { setEnvironment } from "./support/environment";
import {
  type CloudWatchClient,
  DashboardNotFoundError,
  GetDashboardCommand,
  type GetDashboardCommandInput,
  PutDashboardCommand,
  type PutDashboardCommandInput,
} from "@aws-sdk/client-cloudwatch";
import { forgetClients } from "../../lambda/aws/aws-clients";
import { ENVIRONMENT } from "../../lib/task-environment";
import {
  annotateDashboards,
  BAND_COLORS,
  MAX_BANDS,
  type ExperimentWindow,
} from "../../lambda/report/dashboard-annotations";
import { logger, tracer } from "../../lambda/telemetry";
import { awsError, useFakeAws } from "./support/fake-aws";

const aws = useFakeAws();

/** The dashboards CloudWatch holds, by name: their bodies. */
let dashboards: Map<string, string>;

interface Band {
  label?: string;
  value?: string;
  endValue?: string;
  color?: string;
}

interface Widget {
  type: string;
  properties: { view?: string; annotations?: { vertical?: Band[]; alarms?: string[] }; title?: string };
}

const graph = (title: string, extra: Partial<Widget["properties"]> = {}): Widget => ({
  type: "metric",
  properties: { view: "timeSeries", title, ...extra },
});

/** A graph's annotations of the user's own: a line, and a band not in our colours. */
const OWN: Band[] = [
  { label: "deploy", value: "2025-01-01T00:00:00.000Z" },
  { label: "freeze", value: "2025-01-02T00:00:00.000Z", endValue: "2025-01-03T00:00:00.000Z" },
];

/** A body like the construct's: graphs, a view-less metric widget, and widgets that are not graphs. */
const BODY = {
  widgets: [
    { type: "text", properties: { markdown: "## EC2 HTTP reset peer" } },
    graph("Executions"),
    // CloudWatch draws a metric widget without a view as a time series.
    { type: "metric", properties: { title: "No view" } },
    graph("Single value", { view: "singleValue" }),
    graph("Alarm", { annotations: { alarms: ["arn:aws:cloudwatch:eu-west-1:111111111111:alarm:a"] } }),
    { type: "alarm", properties: { title: "Stop conditions", alarms: ["arn:aws:cloudwatch::a"] } },
    graph("Own annotations", { annotations: { vertical: OWN } }),
  ],
};

const GRAPHS = ["Executions", "No view", "Own annotations"];

const window = (n: number, overrides: Partial<ExperimentWindow> = {}): ExperimentWindow => ({
  experimentId: `game-day-${n}`,
  startedAt: new Date(Date.UTC(2025, 5, 1, 10, n)).toISOString(),
  endedAt: new Date(Date.UTC(2025, 5, 1, 10, n, 30)).toISOString(),
  stopped: false,
  ...overrides,
});

const widgetsOf = (name: string): Widget[] =>
  (JSON.parse(dashboards.get(name)!) as typeof BODY).widgets as Widget[];

/** Our bands on the named widget. */
const bandsOn = (name: string, title: string): Band[] =>
  (widgetsOf(name).find((w) => w.properties.title === title)?.properties.annotations?.vertical ?? []).filter(
    (a) => a.endValue && Object.values<string>(BAND_COLORS).includes(a.color ?? ""),
  );

beforeEach(() => {
  dashboards = new Map([
    ["chaos", JSON.stringify(BODY)],
    ["checkout", JSON.stringify(BODY)],
  ]);
  setEnvironment({ [ENVIRONMENT.dashboardNames]: JSON.stringify(["chaos", "checkout"]) });
  aws()
    .cloudwatch.on(GetDashboardCommand)
    .callsFake((input: GetDashboardCommandInput) => {
      const body = dashboards.get(input.DashboardName ?? "");
      if (body === undefined) {
        throw new DashboardNotFoundError({ message: "Dashboard does not exist", $metadata: {} });
      }
      return { DashboardName: input.DashboardName, DashboardBody: body };
    })
    .on(PutDashboardCommand)
    .callsFake((input: PutDashboardCommandInput) => {
      dashboards.set(input.DashboardName!, input.DashboardBody!);
      return { DashboardValidationMessages: [] };
    });
});

test("a band from the experiment's start to its end goes on every graph of every dashboard, and nowhere else", async () => {
  await annotateDashboards(window(1));
  for (const name of ["chaos", "checkout"]) {
    for (const title of GRAPHS) {
      expect(bandsOn(name, title)).toEqual([
        {
          label: "game-day-1",
          value: "2025-06-01T10:01:00.000Z",
          endValue: "2025-06-01T10:01:30.000Z",
          color: BAND_COLORS.ran,
        },
      ]);
    }
    const untouched = widgetsOf(name).filter((w) => !GRAPHS.includes(w.properties.title ?? ""));
    expect(untouched).toEqual(
      BODY.widgets.filter((w) => !GRAPHS.includes((w.properties as { title?: string }).title ?? "")),
    );
  }
  expect(aws().cloudwatch.commandCalls(PutDashboardCommand)).toHaveLength(2);
});

test("a stopped experiment's band is red; the graph's own annotations stay as they were", async () => {
  await annotateDashboards(window(2, { stopped: true }));
  expect(bandsOn("chaos", "Executions")[0].color).toBe(BAND_COLORS.stopped);
  const own = widgetsOf("chaos").find((w) => w.properties.title === "Own annotations")!;
  expect(own.properties.annotations?.vertical?.slice(0, 2)).toEqual(OWN);
});

test("run twice for one experiment, the band is replaced, not doubled", async () => {
  await annotateDashboards(window(3));
  await annotateDashboards(window(3, { endedAt: "2025-06-01T10:09:00Z", stopped: true }));
  expect(bandsOn("chaos", "Executions")).toEqual([
    {
      label: "game-day-3",
      value: "2025-06-01T10:03:00.000Z",
      endValue: "2025-06-01T10:09:00.000Z",
      color: BAND_COLORS.stopped,
    },
  ]);
});

test(`each graph keeps the latest ${MAX_BANDS} experiments' bands, by their start`, async () => {
  // Reported out of order: the latest are the ones that started last.
  const order = Array.from({ length: MAX_BANDS + 5 }, (_, n) => n + 1).reverse();
  for (const n of order) await annotateDashboards(window(n));
  const labels = bandsOn("checkout", "No view").map((b) => b.label);
  expect(labels).toEqual(Array.from({ length: MAX_BANDS }, (_, n) => `game-day-${n + 6}`));
  // The user's own annotations are not counted among them.
  const own = widgetsOf("checkout").find((w) => w.properties.title === "Own annotations")!;
  expect(own.properties.annotations?.vertical).toHaveLength(MAX_BANDS + 2);
});

test("a dashboard that no longer exists is skipped with a log line; the others are marked", async () => {
  dashboards.delete("chaos");
  const warn = jest.spyOn(logger, "warn");
  await annotateDashboards(window(4));
  expect(dashboards.has("chaos")).toBe(false);
  expect(bandsOn("checkout", "Executions").map((b) => b.label)).toEqual(["game-day-4"]);
  expect(warn).toHaveBeenCalledWith(expect.stringMatching(/not found/), { dashboard: "chaos" });
});

test("the SDK's other name for a missing dashboard is skipped too", async () => {
  aws().cloudwatch.on(GetDashboardCommand, { DashboardName: "chaos" }).rejects(awsError("ResourceNotFound"));
  await annotateDashboards(window(5));
  expect(bandsOn("checkout", "Executions")).toHaveLength(1);
});

test("any other error is thrown", async () => {
  aws()
    .cloudwatch.on(PutDashboardCommand)
    .rejects(awsError("AccessDenied", "not authorized to perform: cloudwatch:PutDashboard"));
  await expect(annotateDashboards(window(6))).rejects.toThrow(/cloudwatch:PutDashboard/);
});

test("a dashboard without a graph is read and not written", async () => {
  dashboards.set("chaos", JSON.stringify({ widgets: [BODY.widgets[0]] }));
  await annotateDashboards(window(7));
  expect(
    aws()
      .cloudwatch.commandCalls(PutDashboardCommand)
      .map((c) => c.args[0].input.DashboardName),
  ).toEqual(["checkout"]);
});

test("without dashboards nothing is called", async () => {
  setEnvironment({ [ENVIRONMENT.dashboardNames]: "[]" });
  await annotateDashboards(window(8));
  delete process.env[ENVIRONMENT.dashboardNames];
  await annotateDashboards(window(8));
  expect(aws().cloudwatch.calls()).toHaveLength(0);
});

test("a bad DASHBOARD_NAMES or window is refused before anything is called", async () => {
  setEnvironment({ [ENVIRONMENT.dashboardNames]: '"chaos"' });
  await expect(annotateDashboards(window(9))).rejects.toThrow(/DASHBOARD_NAMES must be a JSON array/);
  setEnvironment({ [ENVIRONMENT.dashboardNames]: "[chaos" });
  await expect(annotateDashboards(window(9))).rejects.toThrow(/DASHBOARD_NAMES is not JSON/);
  setEnvironment({ [ENVIRONMENT.dashboardNames]: '["chaos"]' });
  await expect(annotateDashboards(window(9, { endedAt: "later" }))).rejects.toThrow(/end is not a time/);
  await expect(annotateDashboards(window(9, { experimentId: "a b" }))).rejects.toThrow(/ExperimentId/);
  expect(aws().cloudwatch.calls()).toHaveLength(0);
});

test("the client is the function's own, in its region, and traced", async () => {
  forgetClients(); // made afresh, under the spy
  const capture = jest.spyOn(tracer, "captureAWSv3Client");
  await annotateDashboards(window(10));
  const client = aws().cloudwatch.call(0).thisValue as CloudWatchClient;
  expect(await client.config.region()).toBe("eu-west-1");
  expect((await client.config.credentials()).accessKeyId).toBe("AKIDLAMBDA");
  expect(capture.mock.calls.map(([c]) => (c as object).constructor.name)).toEqual(["CloudWatchClient"]);
});
