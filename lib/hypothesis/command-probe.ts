import { Token } from "aws-cdk-lib";
import type { IConstruct } from "constructs";
import { refusal } from "./probe";
import type { CommandProbeSpec } from "./probe-spec";
import { checkPattern, renderRated, type RatedProbeOptions } from "./rated";

/**
 * A command run through SSM on the experiment's instances (up to 50 of them each sample), its
 * output held to patterns: the application's own view, such as its log's "connection reset" lines.
 * A sample passes when the command exits 0 on every instance and each output matches
 * `outputMatches` and not `outputDoesNotMatch`. The command is part of an SSM document of the
 * fault's, one for every command probe, which picks the probe by a parameter whose allowed values
 * are the probes' names: the fault role may send that document, never `AWS-RunShellScript`, and no
 * execution's input can name another command.
 */
export interface CommandProbe extends RatedProbeOptions {
  /**
   * What runs, with bash, as root, on each instance (as the SSM agent runs commands), at most 4 KiB,
   * known at synthesis: `grep -c "connection reset" /var/log/app.log || true`. Its output is read
   * as SSM returns it, the first 2,500 characters.
   */
  readonly command: string;
  /**
   * A JavaScript regular expression each instance's output must match.
   * @default - the output need not match anything
   */
  readonly outputMatches?: string;
  /**
   * A JavaScript regular expression no instance's output may match.
   * @default - the output may match anything
   */
  readonly outputDoesNotMatch?: string;
}

/** A command probe as the construct renders it: its spec, and its command for the document. */
export interface RenderedCommandProbe {
  readonly spec: CommandProbeSpec;
  readonly command: string;
}

/** The longest command a probe takes: the document holds every probe's, within SSM's 64 KB. */
const MAX_COMMAND_BYTES = 4096;

export function renderCommandProbe(
  scope: IConstruct,
  probe: CommandProbe,
  weight: number,
): RenderedCommandProbe {
  const refuse = refusal(scope, "command", probe.name);
  if (Token.isUnresolved(probe.command) || !probe.command.trim())
    refuse("command must be known at synthesis and not empty");
  if (Buffer.byteLength(probe.command) > MAX_COMMAND_BYTES)
    refuse(`command must be at most ${MAX_COMMAND_BYTES} bytes`);
  checkPattern(refuse, "outputMatches", probe.outputMatches);
  checkPattern(refuse, "outputDoesNotMatch", probe.outputDoesNotMatch);
  const rated = renderRated(refuse, probe);
  return {
    command: probe.command,
    spec: {
      kind: "Command",
      name: probe.name,
      weight,
      ...rated,
      ...(probe.outputMatches === undefined ? {} : { outputMatches: probe.outputMatches }),
      ...(probe.outputDoesNotMatch === undefined ? {} : { outputDoesNotMatch: probe.outputDoesNotMatch }),
    },
  };
}
