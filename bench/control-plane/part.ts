/**
 * The control plane (items 8 and 9): the construct's state machine run locally on simulated
 * instances, counted and priced. Needs no root and sends nothing anywhere; bounded in time.
 */
import { devDependencies } from "../../package.json";
import { loadAverage, machine } from "../machine";
import { progress, type PartResult } from "../parts";
import { costPerExperiment } from "./cost-per-experiment";
import { runExperiment } from "./experiment";
import { fleetScale } from "./fleet-scale";
import { controlPlaneSection } from "./section";

// The runs with a hypothesis take real time (its sampled probes do): a few minutes of the limit.
const TIME_LIMIT_MS = 15 * 60 * 1000;

export async function runControlPlane(runs: number): Promise<PartResult> {
  const started = Date.now();
  const loadAtStart = loadAverage();
  const limit = setTimeout(() => {
    console.error(`bench: the control plane took over ${TIME_LIMIT_MS / 60000} min; stopping`);
    process.exit(1);
  }, TIME_LIMIT_MS);
  try {
    // Not counted: synthesizes every deployment and loads every handler, as a warm Lambda would have.
    for (const [alarm, hypothesis] of [
      [false, false],
      [true, false],
      [false, true],
    ]) {
      await runExperiment({
        instances: 1,
        targets: 1,
        sequence: "parallel",
        durationSeconds: 30,
        alarm,
        hypothesis,
      });
    }
    const cost = await costPerExperiment(runs, (round) =>
      progress(`cost per experiment, round ${round}/${runs}`, started),
    );
    const fleet = await fleetScale(runs, (round) => progress(`fleet scale, round ${round}/${runs}`, started));
    return {
      date: new Date().toISOString().slice(0, 10),
      seconds: Math.round((Date.now() - started) / 1000),
      runs,
      machine: machine(),
      software: `aws-local-stepfunctions ${devDependencies["aws-local-stepfunctions"]}`,
      load: `${loadAtStart} at the start, ${loadAverage()} at the end`,
      section: controlPlaneSection(cost, fleet, runs),
    };
  } finally {
    clearTimeout(limit);
  }
}
