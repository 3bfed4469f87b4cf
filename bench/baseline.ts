/**
 * An earlier version of the document, to measure beside the current one in the same run: the
 * commit BENCH_BASELINE names (any git revision). Its document and the program parts it fetches
 * are read from that commit, and run exactly as the current ones are (test/payload/support/fault.ts).
 */
import { execFileSync } from "node:child_process";
import { parse } from "yaml";
import { unpinnedPart } from "../lib/document-names";
import type { AgentOptions } from "../test/payload/support/fault";
import { downloadStepsOf, type CommandDocument } from "../test/payload/support/document";

export interface Baseline {
  /** The revision as given, and the commit it names. */
  readonly label: string;
  /** What startDocument runs it with. */
  readonly options: AgentOptions;
}

const git = (...args: string[]): string =>
  execFileSync("git", args, { cwd: `${__dirname}/..`, encoding: "utf8", maxBuffer: 16 << 20 });

/** The baseline BENCH_BASELINE names, if it names one. */
export function baseline(): Baseline | undefined {
  const revision = process.env.BENCH_BASELINE;
  if (!revision) return undefined;
  const commit = git("rev-parse", "--short", `${revision}^{commit}`).trim();
  const document = parse(git("show", `${commit}:ssm-documents/http-reset-peer.yaml`)) as CommandDocument;
  const downloads = downloadStepsOf(document).map((step) => ({
    destinationPath: step.inputs.destinationPath!,
    // As GetDocument gives the agent a part created from the committed file: its content as JSON.
    content: JSON.stringify(
      JSON.parse(
        git("show", `${commit}:ssm-documents/program/${unpinnedPart(step.inputs.sourceInfo!.name)}.json`),
      ),
    ),
  }));
  return { label: `${revision} (${commit})`, options: { document, downloads } };
}
