/** The control plane's section of BENCHMARKS.md (items 8 and 9): its results and how they are measured. */
import { COMMAND_OVERHEAD_SECONDS } from "./experiment";
import { PRICE_PAGES, PRICES } from "./prices";

/** `cost` and `fleet` are items 8's and 9's tables with their notes. */
export function controlPlaneSection(cost: string, fleet: string, runs: number): string {
  return `The construct is synthesized and its state machine runs locally (aws-local-stepfunctions), every Lambda task
bound to its real handler, against an in-memory AWS (\`test/local/support\`) whose instances are simulated: each holds the
fault for \`DurationSeconds\` and prints the document's summary line. Nothing is deployed and nothing leaves the process.
Each figure is the median of ${runs} runs, with the minimum and maximum in brackets; one figure alone means every run gave
it (counts do not vary: see below). The handlers share one process here, as if one warm container ran every task: a
function keeps an experiment's credentials until shortly before they expire, so \`STS:AssumeRole\` counts once where on
AWS each of the five functions would call it once per container (free, and uncounted in the cost either way).

### 8. Cost per experiment

${cost}

### 9. Fleet scale

${fleet}

### What is measured, and how

- **One simulated clock.** Every Wait state lasts a millisecond here and moves a simulated clock by the seconds it would
  wait on AWS (\`pollSeconds\` of \`lib/execution-limits.ts\`, as the plan sets it); the instances hold their faults by
  the same clock (child executions waiting side by side move it once). So each batch gets exactly the progress checks it
  would get on AWS, and with them the transitions,
  invocations and API calls, whatever the local work between two checks costs. A command is taken to end
  ${COMMAND_OVERHEAD_SECONDS} s after SendCommand plus its duration (the agent picking it up, the script setting up and
  restoring, the status reaching SSM); checks fall on whole poll intervals, without the fraction of a second that Step
  Functions and Lambda add to each, so on AWS a batch may now and then see one check fewer.
- **Counts.** State transitions are the states entered plus retries, as Step Functions Standard bills them; history
  events are counted as Step Functions writes them (\`test/local/support/runner/history.ts\`), each child execution's apart
  from its parent's, and transitions over the parent and every child; API calls are every call the fake AWS answered, by
  the service and operation the SDK signed, and the Distributed Map's own \`GetObject\` of the targets. The handlers' own retries would count too; none
  happened.
- **Times.** Each handler invocation is timed with \`performance.now()\` around the handler, as Lambda bills it (rounded
  up to the millisecond), with the memory size and architecture the synthesized template gives each function. One
  experiment of each deployment runs first and is not counted, so handlers are loaded, as in a warm Lambda. The
  execution's wall time runs from its first event to its end; the control plane's work is the time in which some state
  other than a Wait (or the Map awaiting its children) ran, in the execution or a child, from the runner's own events.
- **Log data.** The state machine logs at level ALL with execution data; the bytes of every state's input and output
  are what that log holds at the least (each event adds its own fields).
- **Prices** (US East, N. Virginia; free tiers ignored): Step Functions Standard $${PRICES.stateTransition * 1000} per
  1,000 state transitions (${PRICE_PAGES.stepFunctions}); Lambda $${(PRICES.lambdaRequest * 1e6).toFixed(2)} per million requests and
  $${PRICES.lambdaGbSecond.arm64} per GB-second on Arm, billed per millisecond (${PRICE_PAGES.lambda}); CloudWatch
  $${(PRICES.cloudWatchRequest * 1000).toFixed(2)} per 1,000 API requests and $${PRICES.logsGb.toFixed(2)} per GB of logs ingested
  (${PRICE_PAGES.cloudWatch}); S3 $${(PRICES.s3Put * 1000).toFixed(3)} per 1,000 PUT or LIST and $${(PRICES.s3Get * 1000).toFixed(4)} per
  1,000 GET requests, the records' storage negligible (${PRICE_PAGES.s3}); AWS FIS $${PRICES.fisActionMinute.toFixed(2)} per action-minute, "rounded to the nearest
  minute", the same "regardless of the action type, number of affected resources" (${PRICE_PAGES.fis}). FIS is taken to
  bill at least one minute per action.`;
}
