/**
 * The sampled probes' pure parts: one round of the sampling loop (what is due, when the next round
 * is, when the loop ends, when a probe stops the fault), and the results judged from the samples.
 */
import type {
  AlarmProbeSpec,
  CommandProbeSpec,
  MetricProbeSpec,
  HttpProbeSpec,
  HypothesisSpec,
  SamplingSpec,
  TargetHealthProbeSpec,
} from "../../lib/hypothesis/probe-spec";
import type {
  CommandSample,
  HttpSample,
  Plan,
  SamplingState,
  TargetHealthSample,
} from "../../lambda/contract";
import { judgeRated } from "../../lambda/hypothesis/rated-result";
import { sampleRound } from "../../lambda/hypothesis/sampler";
import { judgeTargetHealth } from "../../lambda/hypothesis/target-health-result";

const T0 = Date.parse("2026-12-07T10:00:00Z");
const at = (seconds: number) => new Date(T0 + seconds * 1000);
const SAMPLING: SamplingSpec = {
  intervalSeconds: 10,
  timeoutSeconds: 5,
  retries: 0,
  initialDelaySeconds: 0,
  stopOnFailure: false,
};
const httpProbe = (props: Partial<HttpProbeSpec> = {}): HttpProbeSpec => ({
  kind: "Http",
  name: "checkout",
  weight: 1,
  phase: "During",
  request: { url: "http://198.18.0.1/", method: "GET", headers: {} },
  expect: { statusRanges: [{ from: 200, to: 299 }] },
  successRate: 0.9,
  windowSeconds: 30,
  sampling: SAMPLING,
  ...props,
});
const healthProbe = (props: Partial<TargetHealthProbeSpec> = {}): TargetHealthProbeSpec => ({
  kind: "TargetHealth",
  name: "lb",
  weight: 1,
  targetGroupArn: "arn:aws:elasticloadbalancing:eu-west-1:111111111111:targetgroup/web/0123456789abcdef",
  takenOutWithinSeconds: 30,
  healthyAgainWithinSeconds: 60,
  sampling: { ...SAMPLING, intervalSeconds: 5 },
  ...props,
});
const plan = { rampSeconds: 10, watchAfterSeconds: 60 } as Plan;
const hypothesis = (...probes: HypothesisSpec["probes"]): HypothesisSpec => ({ statement: "", probes });
const ok = (probe: string, seconds: number, passed = true): HttpSample => ({
  probe,
  kind: "Http",
  at: at(seconds).toISOString(),
  passed,
  ...(passed ? { status: 200 } : { error: "ECONNRESET", why: "ECONNRESET" }),
  latencyMs: 12,
  attempts: 1,
});

const commandSample = (probe: string, seconds: number, passed = true, unread?: string): CommandSample => ({
  probe,
  kind: "Command",
  at: at(seconds).toISOString(),
  passed,
  instances: 2,
  notPassed: passed ? [] : ["i-1"],
  ...(passed ? {} : { why: "i-1: output matched /connection reset/", output: "connection reset by peer" }),
  attempts: 1,
  ...(unread ? { unread } : {}),
});
const commandProbe = (props: Partial<CommandProbeSpec> = {}): CommandProbeSpec => ({
  kind: "Command",
  name: "log",
  weight: 1,
  phase: "During",
  outputDoesNotMatch: "connection reset",
  successRate: 1,
  windowSeconds: 30,
  sampling: SAMPLING,
  ...props,
});

/** Runs one round at `seconds`, every HTTP and command sample passing unless `fail`, every target `state`. */
async function round(
  spec: HypothesisSpec,
  state: SamplingState,
  seconds: number,
  {
    fail = false,
    state: health = "healthy",
    faultEnd,
    alarm = "OK",
  }: { fail?: boolean; state?: string; faultEnd?: number; alarm?: string } = {},
) {
  const taken: string[] = [];
  const result = await sampleRound({
    now: at(seconds),
    plan,
    hypothesis: spec,
    state,
    faultEnd: faultEnd === undefined ? undefined : at(faultEnd),
    takeHttp: async (probes) => {
      taken.push(...probes.map((p) => p.name));
      return probes.map((p) => ok(p.name, seconds, !fail));
    },
    takeTargetHealth: async (probe) => {
      taken.push(probe.name);
      return {
        probe: probe.name,
        kind: "TargetHealth",
        at: at(seconds).toISOString(),
        states: { "i-1": health },
      };
    },
    takeCommand: async (probe) => {
      taken.push(probe.name);
      return commandSample(probe.name, seconds, !fail);
    },
    takeCheck: async (probe) => {
      taken.push(probe.name);
      const state = probe.kind === "Alarm" ? alarm : undefined;
      const passed = probe.kind === "Metric" ? !fail : !(probe.expect === "StaysOk" && alarm === "ALARM");
      return {
        probe: probe.name,
        kind: probe.kind,
        at: at(seconds).toISOString(),
        passed,
        ...(state ? { state } : {}),
      };
    },
  });
  return { ...result, taken };
}

describe("a round of the sampling loop", () => {
  test("takes every probe at first, then each when its interval is up, and wakes for the first due", async () => {
    const spec = hypothesis(httpProbe(), healthProbe());
    const first = await round(spec, { round: 0 }, 0);
    expect(first.taken).toEqual(["checkout", "lb"]);
    expect(first.state).toMatchObject({
      round: 1,
      startedAt: at(0).toISOString(),
      done: false,
      waitSeconds: 5,
    });
    const second = await round(spec, first.state, 5);
    expect(second.taken).toEqual(["lb"]);
    expect(second.state.waitSeconds).toBe(5);
    const third = await round(spec, second.state, 10);
    expect(third.taken).toEqual(["checkout", "lb"]);
  });

  test("waits the initial delay before a probe's first sample", async () => {
    const spec = hypothesis(httpProbe({ sampling: { ...SAMPLING, initialDelaySeconds: 25 } }));
    const first = await round(spec, { round: 0 }, 0);
    expect(first.taken).toEqual([]);
    expect(first.state.waitSeconds).toBe(10);
  });

  test("samples on past the fault's end through the watch, then ends; an After-only HTTP probe starts at the end", async () => {
    const spec = hypothesis(httpProbe({ phase: "After" }), healthProbe());
    const before = await round(spec, { round: 0 }, 0);
    expect(before.taken).toEqual(["lb"]);
    const after = await round(spec, { ...before.state, due: {} }, 40, { faultEnd: 35 });
    expect(after.taken).toEqual(["checkout", "lb"]);
    expect(after.state.done).toBe(false);
    const over = await round(spec, after.state, 95, { faultEnd: 35 });
    expect(over.state.done).toBe(true);
  });

  test("ends after the most rounds an execution's history allows", async () => {
    const last = await round(hypothesis(httpProbe()), { round: 999 }, 0);
    expect(last.state.done).toBe(true);
  });

  test("an HTTP probe with stopOnFailure stops the fault once its failures pass what its success rate allows", async () => {
    const spec = hypothesis(httpProbe({ sampling: { ...SAMPLING, stopOnFailure: true } }));
    // During the ramp up a failure does not count: the fault has not started.
    const ramp = await round(spec, { round: 0 }, 0, { fail: true });
    expect(ramp.state.stop).toBeUndefined();
    const good = await round(spec, ramp.state, 10);
    expect(good.state.during).toEqual({ checkout: { samples: 1, failed: 0, out: false } });
    const bad = await round(spec, good.state, 20, { fail: true });
    expect(bad.state.stop).toEqual({
      Error: "ProbeFailed",
      Cause:
        'HTTP probe "checkout" failed while the fault ran: 1 of 2 samples failed, and it needs 90% to pass',
    });
  });

  test("a command probe is taken with the others, and with stopOnFailure stops the fault as an HTTP probe does", async () => {
    const spec = hypothesis(httpProbe(), commandProbe({ sampling: { ...SAMPLING, stopOnFailure: true } }));
    const first = await round(spec, { round: 0 }, 10);
    expect(first.taken).toEqual(["checkout", "log"]);
    expect(first.samples.map((s) => s.kind)).toEqual(["Http", "Command"]);
    // The first round was the ramp up's: the fault starts one ramp (10 s) after it.
    const bad = await round(spec, first.state, 20, { fail: true });
    expect(bad.state.stop?.Cause).toBe(
      'command probe "log" failed while the fault ran: 1 of 1 samples failed, and it needs 100% to pass',
    );
  });

  test("alarm and metric probes with stopOnFailure are checked while the fault runs only, and stop it as they fail", async () => {
    const checked = { ...SAMPLING, stopOnFailure: true };
    const staysOk: AlarmProbeSpec = {
      kind: "Alarm",
      name: "ok",
      weight: 1,
      alarmName: "latency",
      expect: "StaysOk",
      withinSeconds: 300,
      sampling: checked,
    };
    const fires: AlarmProbeSpec = {
      ...staysOk,
      name: "seen",
      alarmName: "resets",
      expect: "Fires",
      withinSeconds: 30,
    };
    const metric: MetricProbeSpec = {
      kind: "Metric",
      name: "errors",
      weight: 1,
      phase: "During",
      queries: [],
      comparison: "LessThan",
      threshold: 5,
      windowSeconds: 60,
      sampling: checked,
    };
    // During the ramp up (the first 10 s), nothing is checked; from the fault's start, each.
    const ramp = await round(hypothesis(staysOk, metric), { round: 0 }, 0);
    expect(ramp.taken).toEqual([]);
    const first = await round(hypothesis(staysOk, metric), ramp.state, 10);
    expect(first.taken).toEqual(["ok", "errors"]);
    expect(
      (await round(hypothesis(staysOk, metric), first.state, 20, { alarm: "ALARM" })).state.stop?.Cause,
    ).toBe('alarm probe "ok" failed while the fault ran');
    expect(
      (await round(hypothesis(staysOk, metric), first.state, 20, { fail: true })).state.stop?.Cause,
    ).toBe('metric probe "errors" failed while the fault ran');
    // Not once the fault has ended.
    expect((await round(hypothesis(staysOk, metric), first.state, 20, { faultEnd: 15 })).taken).toEqual([]);
    // A FIRES alarm not in ALARM within its 30 s of the fault's start: a blind spot, stopped.
    let state: SamplingState = { round: 0 };
    for (const seconds of [0, 10, 20, 30, 40]) state = (await round(hypothesis(fires), state, seconds)).state;
    expect(state.stop).toBeUndefined();
    state = (await round(hypothesis(fires), state, 50)).state;
    expect(state.stop?.Cause).toMatch(
      /^alarm probe "seen" failed while the fault ran: resets was not in ALARM within 30 s/,
    );
  });

  test("a target-health probe with stopOnFailure stops the fault when no instance was taken out in time", async () => {
    const spec = hypothesis(
      healthProbe({ sampling: { ...SAMPLING, intervalSeconds: 5, stopOnFailure: true } }),
    );
    let state: SamplingState = { round: 0 };
    for (const seconds of [0, 10, 20, 30, 40]) {
      state = (await round(spec, state, seconds)).state;
      expect(state.stop).toBeUndefined();
    }
    // 31 s after the fault's start (one ramp after the loop's), still healthy: stopped.
    state = (await round(spec, state, 41)).state;
    expect(state.stop?.Cause).toMatch(/no instance of the experiment was taken out of the group within 30 s/);
    // Taken out in time: never stopped.
    let out: SamplingState = { round: 0 };
    for (const seconds of [0, 15, 41, 60])
      out = (await round(spec, out, seconds, { state: "unhealthy" })).state;
    expect(out.stop).toBeUndefined();
  });
});

describe("judging from the samples", () => {
  const fault = { from: at(10), to: at(40) };

  test("an HTTP probe: each window's share of passing samples against the rate needed, with status codes and errors", () => {
    const samples = [
      ok("checkout", 5),
      ok("checkout", 15),
      ok("checkout", 25, false),
      ok("checkout", 35),
      ok("checkout", 50),
    ];
    const during = judgeRated(httpProbe({ successRate: 0.6 }), samples, { fault });
    expect(during.outcome).toBe("Passed");
    expect(during.windows?.map((w) => [w.phase, w.outcome, w.reason])).toEqual([
      ["During", "Passed", "2 of 3 samples passed (66.7%, 60% needed)"],
    ]);
    expect(during.evidence).toMatchObject({
      samples: 3,
      passed: 2,
      statusCodes: { 200: 2 },
      errors: { ECONNRESET: 1 },
    });
    const strict = judgeRated(httpProbe({ phase: "BeforeAndAfter" }), samples, { fault });
    // No Before window was recorded by a steady-state check: only After is judged, from 40 s to 70 s.
    expect(strict.windows?.map((w) => [w.phase, w.outcome])).toEqual([["After", "Passed"]]);
    expect(judgeRated(httpProbe(), [], { fault }).outcome).toBe("Inconclusive");
  });

  test("a command probe: the share of samples that passed, the instances where one did not, and samples SSM would not take left out", () => {
    const samples = [
      commandSample("log", 15),
      commandSample("log", 25, false),
      commandSample("log", 30, false, "InvalidDocument"),
    ];
    const result = judgeRated(commandProbe({ successRate: 0.5 }), samples, { fault });
    expect(result).toMatchObject({
      kind: "Command",
      outcome: "Passed",
      reason: "During: 1 of 2 samples passed (50%, 50% needed)",
    });
    expect(result.evidence).toMatchObject({
      outputDoesNotMatch: "connection reset",
      notPassed: ["i-1"],
      firstOutputNotPassing: "connection reset by peer",
    });
    const unread = judgeRated(commandProbe(), [commandSample("log", 15, false, "InvalidDocument")], {
      fault,
    });
    expect(unread).toMatchObject({
      outcome: "Inconclusive",
      reason: "During: no sample was taken in the window (InvalidDocument)",
    });
  });

  const health = (seconds: number, state: string, id = "i-1"): TargetHealthSample => ({
    probe: "lb",
    kind: "TargetHealth",
    at: at(seconds).toISOString(),
    states: { [id]: state },
  });

  test("target health: the times each instance took to leave and come back, against the bounds", () => {
    const samples = [
      health(5, "healthy"),
      health(20, "healthy"),
      health(25, "unhealthy"),
      health(45, "unhealthy"),
      health(60, "healthy"),
    ];
    const result = judgeTargetHealth(healthProbe(), samples, { fault, instances: [] });
    expect(result.outcome).toBe("Passed");
    expect(result.evidence).toMatchObject({
      takenOutAfterSecondsMax: 15,
      healthyAgainAfterSecondsMax: 20,
      instances: {
        "i-1": {
          takenOutAfterSeconds: 15,
          healthyAgainAfterSeconds: 20,
          states: ["healthy", "unhealthy", "healthy"],
        },
      },
    });
    const slow = judgeTargetHealth(healthProbe({ takenOutWithinSeconds: 10 }), samples, {
      fault,
      instances: [],
    });
    expect(slow.outcome).toBe("Failed");
    expect(slow.reason).toBe("During: i-1 not taken out within 10 s");
  });

  test("target health: never back though sampled past the bound fails; sampling that stopped short is Inconclusive", () => {
    const never = [health(20, "unhealthy"), health(110, "unhealthy")];
    expect(judgeTargetHealth(healthProbe(), never, { fault, instances: [] }).reason).toBe(
      "After: i-1 not healthy again within 60 s",
    );
    const short = [health(20, "unhealthy"), health(50, "unhealthy")];
    expect(judgeTargetHealth(healthProbe(), short, { fault, instances: [] })).toMatchObject({
      outcome: "Inconclusive",
      reason: "After: sampling ended before i-1 healthy again",
    });
    expect(judgeTargetHealth(healthProbe(), [], { fault, instances: [] }).outcome).toBe("Inconclusive");
  });

  test("target health: each instance is held to its own fault's window, as it told it", () => {
    const samples = [health(5, "healthy"), health(70, "unhealthy"), health(100, "healthy")];
    const instances = [{ instanceId: "i-1", startedAt: at(60).toISOString(), endedAt: at(90).toISOString() }];
    const result = judgeTargetHealth(healthProbe(), samples, { fault, instances: instances as never });
    expect(result.evidence).toMatchObject({ takenOutAfterSecondsMax: 10, healthyAgainAfterSecondsMax: 10 });
  });
});
