/**
 * The script of the fault's probe document: one `case` over the document's Probe parameter, whose
 * allowed values are the command probes' names, each running its probe's command. A command goes
 * into the document base64-encoded and is decoded into bash on the instance, so that no quote, `;;`
 * or `{{ }}` in it can change the script around it or SSM's parameter interpolation.
 */

/** The parameter that picks the probe; SSM allows only the probes' names. */
export const PROBE_PARAMETER = "Probe";

/** The exit status of the script given a name it has no command for (SSM allows none). */
export const NO_SUCH_PROBE_EXIT = 2;

export function probeScript(
  probes: readonly { readonly name: string; readonly command: string }[],
): string[] {
  return [
    "#!/bin/bash",
    "# EC2 HTTP reset peer: the hypothesis's command probes, each as the construct was given it (base64).",
    `case "{{ ${PROBE_PARAMETER} }}" in`,
    ...probes.map(
      ({ name, command }) =>
        `  '${name}') printf '%s' '${Buffer.from(command).toString("base64")}' | base64 -d | bash ;;`,
    ),
    `  *) echo "no command probe named {{ ${PROBE_PARAMETER} }}" >&2; exit ${NO_SUCH_PROBE_EXIT} ;;`,
    "esac",
  ];
}
