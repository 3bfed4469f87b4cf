/**
 * Judges the hypothesis once the experiment has ended, for its report: each probe over its phase,
 * the steady state as it was checked before the fault, and the verdict. A probe whose phase never
 * came (a dry run, or a steady state that did not hold) is Skipped and left out of the score.
 */
import type { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import type { HypothesisSpec, ProbeSpec } from "../../lib/hypothesis/probe-spec";
import type {
  ClientsTotals,
  CommandSample,
  HttpSample,
  InstanceReport,
  Plan,
  ProbeResult,
  ProbeSample,
  TargetHealthSample,
  Verdict,
} from "../contract";
import { judgeAlarm } from "./alarm-probe";
import { judgeClients } from "./clients-probe";
import { judgeRated } from "./rated-result";
import { judgeMetric } from "./metric-result";
import { phaseOf } from "./phases";
import { steadyStateOf } from "./steady-state";
import { judgeTargetHealth } from "./target-health-result";
import { verdictOf } from "./verdict";
import { faultWindow } from "./windows";

export interface Judged {
  readonly hypothesis: HypothesisSpec;
  /** What the sampling loop recorded while the experiment ran. */
  readonly samples: readonly ProbeSample[];
  /** What the steady-state check found; undefined when it did not run (the execution stopped first). */
  readonly steadyState?: ProbeResult[];
  readonly plan: Plan;
  readonly instances: readonly InstanceReport[];
  readonly clients: ClientsTotals;
  readonly now: Date;
}

const skipped = (probe: ProbeSpec, why: string): ProbeResult => ({
  name: probe.name,
  kind: probe.kind,
  phase: phaseOf(probe),
  weight: probe.weight,
  outcome: "Skipped",
  reason: why,
  evidence: {},
});

export async function judgeHypothesis(cloudwatch: CloudWatchClient, judged: Judged): Promise<Verdict> {
  const { hypothesis, plan, instances, now } = judged;
  const before = new Map((judged.steadyState ?? []).map((r) => [r.name, r]));
  const held = judged.steadyState !== undefined && steadyStateOf(judged.steadyState).holds;
  const injected = held && !plan.dryRun && instances.length > 0;
  const why = !judged.steadyState
    ? "the experiment stopped before its steady state was checked"
    : !held
      ? "the steady state did not hold: nothing was injected"
      : plan.dryRun
        ? "dry run: nothing was injected"
        : "the fault reached no instance";
  const fault = faultWindow(plan, instances, now);
  const experiment = { from: new Date(plan.startedAt), to: now };
  const observe = Number(plan.documentParameters.ObserveRecoverySeconds?.[0] ?? 0);
  const probes = await Promise.all(
    hypothesis.probes.map(async (probe): Promise<ProbeResult> => {
      const found = before.get(probe.name);
      if (!injected) return found ?? skipped(probe, why);
      if (probe.kind === "Alarm") return judgeAlarm(cloudwatch, probe, { experiment, fault, before: found });
      if (probe.kind === "Metric") return judgeMetric(cloudwatch, probe, { fault, before: found });
      const own = judged.samples.filter((s) => s.probe === probe.name);
      if (probe.kind === "Http" || probe.kind === "Command") {
        return judgeRated(probe, own as (HttpSample | CommandSample)[], { fault, before: found });
      }
      if (probe.kind === "TargetHealth") {
        return judgeTargetHealth(probe, own as TargetHealthSample[], { fault, before: found, instances });
      }
      return judgeClients(probe, judged.clients, observe);
    }),
  );
  return verdictOf(hypothesis, probes, held, injected ? undefined : why);
}
