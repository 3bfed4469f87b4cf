/**
 * The verdict, first on the page: the result and score, the hypothesis in the team's words, the
 * questions the Harness fault this one is modelled on asks of an experiment answered in words from
 * what the probes and the instances found, and each probe with what decided it.
 */
import type { ProbeResult, Report, Verdict } from "../../contract";
import { cell, escapeHtml } from "./html";

const of = (verdict: Verdict, kind: ProbeResult["kind"]) => verdict.probes.filter((p) => p.kind === kind);

/** Did the clients retry safely, and did their pools recover: from the instances' ledger. */
function clientAnswers(report: Report): string[] {
  const clients = report.totals.clients;
  if (!clients.instances)
    return ["What the clients did: no instance told (none were reset, or the fault did not run)."];
  const unsafe = Object.entries(clients.unsafeRetries);
  const unsafeCount = unsafe.reduce((n, [, c]) => n + c, 0);
  return [
    unsafeCount
      ? `Did the clients retry safely? No: ${unsafeCount} retries were not safe to send again (${unsafe
          .map(([method, n]) => `${method} ${n}`)
          .join(", ")}).`
      : `Did the clients retry safely? Yes: ${clients.retries} retries, none unsafe.`,
    clients.notSeenAgain
      ? `Did the connection pools recover? Not all: ${clients.notSeenAgain} of the clients reset were not seen again.`
      : `Did the connection pools recover? ${clients.reconnected} clients came back${
          clients.reconnectMsMax === null ? "" : `, the slowest after ${clients.reconnectMsMax} ms`
        }.`,
  ];
}

/** Did the metrics and alarms show it, and when. */
function signalAnswers(verdict: Verdict): string[] {
  const fires = of(verdict, "Alarm").filter((p) => p.phase === "During");
  const metrics = of(verdict, "Metric");
  const words: string[] = [];
  for (const alarm of fires) {
    const seconds = alarm.evidence.timeToDetectSeconds;
    words.push(
      typeof seconds === "number"
        ? `Did alarm ${alarm.evidence.alarmName} see it? Yes, ${seconds} s after the fault's start.`
        : `Did alarm ${alarm.evidence.alarmName} see it? ${alarm.outcome === "Skipped" ? "Not judged" : "No"}: ${alarm.reason}.`,
    );
  }
  if (!fires.length) words.push("Did the alarms see it? No alarm was expected to fire: add one to know.");
  for (const metric of metrics)
    words.push(`Metric ${metric.name} (${metric.evidence.condition ?? ""}): ${metric.reason}.`);
  return words;
}

/** Did the load balancer take the instances out and bring them back, and when: from target health. */
function loadBalancerAnswers(verdict: Verdict): string[] {
  const probes = of(verdict, "TargetHealth");
  if (!probes.length)
    return [
      "Did the load balancer take the instance out? No target-health probe is part of this hypothesis.",
    ];
  return probes.map((probe) => {
    const { takenOutAfterSecondsMax: out, healthyAgainAfterSecondsMax: back } = probe.evidence;
    const times =
      typeof out === "number"
        ? `Taken out ${out} s after the fault's start at the slowest${
            typeof back === "number" ? `, healthy again ${back} s after its end` : ", not seen healthy again"
          }`
        : "Not seen taken out";
    return `Did the load balancer take the instance out (${probe.name})? ${times}: ${probe.outcome}, ${probe.reason}.`;
  });
}

/** What the end user saw: the HTTP probes' answers, by status code and error. */
function endUserAnswers(verdict: Verdict): string[] {
  const probes = of(verdict, "Http");
  if (!probes.length) return ["What did the end user see? No HTTP probe is part of this hypothesis."];
  return probes.map((probe) => {
    const seen = (counts: unknown) =>
      Object.entries((counts ?? {}) as Record<string, number>).map(([what, n]) => `${n} × ${what}`);
    const answers = [...seen(probe.evidence.statusCodes), ...seen(probe.evidence.errors)];
    return `What did the end user see (${probe.name})? ${answers.join(", ") || "no answer sampled"}: ${probe.outcome}, ${probe.reason}.`;
  });
}

function probeRow(probe: ProbeResult): string {
  const windows = (probe.windows ?? []).map((w) => `${w.phase} ${w.outcome}`).join(", ");
  return `<tr class="${probe.outcome === "Failed" ? "failed" : ""}"><td><code>${escapeHtml(probe.name)}</code></td><td>${escapeHtml(
    probe.kind,
  )}</td><td>${escapeHtml(probe.phase)}</td><td>${cell(probe.weight)}</td><td>${escapeHtml(probe.outcome)}</td><td>${escapeHtml(
    probe.reason,
  )}${windows ? ` <span class="split">(${escapeHtml(windows)})</span>` : ""}</td></tr>`;
}

export function verdictSection(report: Report): string {
  const verdict = report.verdict;
  if (!verdict) return "";
  const answers = [
    ...clientAnswers(report),
    ...signalAnswers(verdict),
    ...loadBalancerAnswers(verdict),
    ...endUserAnswers(verdict),
  ];
  return [
    `<section class="verdict ${verdict.result.toLowerCase()}">`,
    `<h2>Verdict: ${escapeHtml(verdict.result)}, score ${cell(verdict.score)}</h2>`,
    verdict.statement ? `<p class="statement">${escapeHtml(verdict.statement)}</p>` : "",
    `<p>${escapeHtml(verdict.summary)}</p>`,
    "<ul>",
    ...answers.map((a) => `<li>${escapeHtml(a)}</li>`),
    "</ul>",
    "<table>",
    '<thead><tr><th scope="col">Probe</th><th scope="col">Kind</th><th scope="col">Phase</th><th scope="col">Weight</th><th scope="col">Outcome</th><th scope="col">What decided it</th></tr></thead>',
    "<tbody>",
    ...verdict.probes.map(probeRow),
    "</tbody>",
    "</table>",
    "</section>",
  ]
    .filter((part) => part !== "")
    .join("\n");
}
