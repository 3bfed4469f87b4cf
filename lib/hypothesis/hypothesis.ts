import { Token } from "aws-cdk-lib";
import type * as ec2 from "aws-cdk-lib/aws-ec2";
import type { IConstruct } from "constructs";
import { HttpResetPeerValidationError } from "../errors";
import { renderAlarmProbe, type AlarmProbe } from "./alarm-probe";
import { renderClientsProbe, type ClientsExpectation } from "./clients-probe";
import { renderCommandProbe, type CommandProbe } from "./command-probe";
import { renderHttpProbe, type HttpProbe } from "./http-probe";
import { renderMetricProbe, type MetricProbe } from "./metric-probe";
import type { HypothesisSpec, ProbeSpec } from "./probe-spec";
import { renderTargetHealthProbe, type TargetHealthProbe } from "./target-health-probe";

/**
 * What the team expects of its system while the fault runs, checked by the state machine around the
 * fault and judged in every report: a verdict (Passed, Failed or Inconclusive) and a score. Every
 * probe is fixed here, at deployment: an execution's input names none.
 */
export interface Hypothesis {
  /**
   * The hypothesis in words, shown above the verdict; at most 1,000 characters.
   * @default - none
   */
  readonly statement?: string;
  /**
   * Alarms that must stay OK, or must fire within some time of the fault's start.
   * @default - none
   */
  readonly alarms?: AlarmProbe[];
  /**
   * Metrics, or metric math, held to a threshold before, during or after the fault.
   * @default - none
   */
  readonly metrics?: MetricProbe[];
  /**
   * Requests sampled over a phase: the end user's view.
   * @default - none
   */
  readonly http?: HttpProbe[];
  /**
   * The health of the experiment's instances in target groups, sampled over the experiment: the
   * load balancer's view.
   * @default - none
   */
  readonly targetHealth?: TargetHealthProbe[];
  /**
   * Commands run through SSM on the experiment's instances, their output held to patterns: the
   * application's own view. They run where the fault is deployed: instances an execution reaches
   * in another account or region are not probed (the probe is Inconclusive).
   * @default - none
   */
  readonly commands?: CommandProbe[];
  /**
   * The VPC the HTTP probes' function runs in, for URLs reachable only from there. The function
   * calls no AWS API: subnets without a route to the internet do.
   * @default - the function runs outside any VPC, and reaches public URLs only
   */
  readonly httpProbeVpc?: ec2.IVpc;
  /**
   * The subnets of `httpProbeVpc` the function runs in.
   * @default - the VPC's private subnets with egress, as Lambda's own default
   */
  readonly httpProbeSubnets?: ec2.SubnetSelection;
  /**
   * The security groups of the function in `httpProbeVpc`.
   * @default - one made for it, allowing all outbound traffic
   */
  readonly httpProbeSecurityGroups?: ec2.ISecurityGroup[];
  /**
   * Bounds on what the instances saw the real clients do.
   * @default - none
   */
  readonly clients?: ClientsExpectation;
  /**
   * Whether an execution whose verdict is not Passed fails, once the fault is cleaned up and the
   * report written: with error HypothesisRejected (Failed) or HypothesisInconclusive, so that a
   * pipeline can gate on the execution's status. When false, it succeeds with the verdict in its
   * output.
   * @default true
   */
  readonly failExecution?: boolean;
}

/** The most probes one hypothesis holds: each is read in every report. */
export const MAX_PROBES = 50;

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

function weightOf(scope: IConstruct, probe: { readonly name?: string; readonly weight?: number }): number {
  const weight = probe.weight ?? 1;
  if (Token.isUnresolved(weight) || !Number.isInteger(weight) || weight < 1 || weight > 100) {
    throw new HttpResetPeerValidationError(
      scope,
      `hypothesis probe "${probe.name ?? "clients"}": weight must be a whole number from 1 to 100; got ${weight}`,
    );
  }
  return weight;
}

/** The hypothesis as the handlers read it, and the command probes' commands for their document. */
export interface RenderedHypothesis {
  readonly spec: HypothesisSpec;
  readonly commands: { readonly name: string; readonly command: string }[];
}

/** Checks every probe and renders the hypothesis. */
export function renderHypothesis(scope: IConstruct, hypothesis: Hypothesis): RenderedHypothesis {
  const statement = hypothesis.statement ?? "";
  if (Token.isUnresolved(statement) || statement.length > 1000) {
    throw new HttpResetPeerValidationError(
      scope,
      "hypothesis statement must be known at synthesis and at most 1,000 characters",
    );
  }
  const commands = (hypothesis.commands ?? []).map((p) => renderCommandProbe(scope, p, weightOf(scope, p)));
  const probes: ProbeSpec[] = [
    ...(hypothesis.alarms ?? []).map((p) => renderAlarmProbe(scope, p, weightOf(scope, p))),
    ...(hypothesis.metrics ?? []).map((p) => renderMetricProbe(scope, p, weightOf(scope, p))),
    ...(hypothesis.http ?? []).map((p) => renderHttpProbe(scope, p, weightOf(scope, p))),
    ...(hypothesis.targetHealth ?? []).map((p) => renderTargetHealthProbe(scope, p, weightOf(scope, p))),
    ...commands.map((c) => c.spec),
    ...(hypothesis.clients
      ? [renderClientsProbe(scope, hypothesis.clients, weightOf(scope, hypothesis.clients))]
      : []),
  ];
  if (!probes.length)
    throw new HttpResetPeerValidationError(
      scope,
      "hypothesis has no probe: give alarms, metrics, http, targetHealth, commands or clients",
    );
  const network = hypothesis.httpProbeSubnets ?? hypothesis.httpProbeSecurityGroups;
  if (network && !hypothesis.httpProbeVpc)
    throw new HttpResetPeerValidationError(
      scope,
      "hypothesis httpProbeSubnets and httpProbeSecurityGroups need httpProbeVpc",
    );
  if (hypothesis.httpProbeVpc && !hypothesis.http?.length)
    throw new HttpResetPeerValidationError(scope, "hypothesis httpProbeVpc is given without any http probe");
  if (probes.length > MAX_PROBES) {
    throw new HttpResetPeerValidationError(
      scope,
      `hypothesis has ${probes.length} probes; it takes at most ${MAX_PROBES}`,
    );
  }
  const names = probes.map((p) => p.name);
  const bad = names.filter((n) => Token.isUnresolved(n) || !NAME.test(n));
  if (bad.length) {
    throw new HttpResetPeerValidationError(
      scope,
      `hypothesis probe names take 1-64 letters, digits, ".", "_" and "-", known at synthesis; got ${JSON.stringify(bad)}`,
    );
  }
  const twice = names.filter((n, i) => names.indexOf(n) !== i);
  if (twice.length)
    throw new HttpResetPeerValidationError(
      scope,
      `hypothesis probe names must differ; ${JSON.stringify([...new Set(twice)])} is given more than once`,
    );
  return {
    spec: { statement, probes },
    commands: commands.map((c) => ({ name: c.spec.name, command: c.command })),
  };
}
