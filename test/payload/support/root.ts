/**
 * The payload tests need root (network namespaces, iptables). In CI they must run; elsewhere,
 * without root, they are skipped and say so loudly rather than pass silently.
 */
import { hasCommand, missingTools } from "./sbin";

function missingForNetworkTests(): string | undefined {
  if (process.getuid?.() !== 0) return "they need root";
  const missing = missingTools();
  return missing.length
    ? `${missing.join(", ")} not installed (bash scripts/test.sh installs them as root)`
    : undefined;
}

const missing = missingForNetworkTests();
if (missing && process.env.CI) {
  throw new Error(`payload network tests cannot run in CI: ${missing}`);
}

const skipping = (why: string) =>
  ((name: string, fn: () => void) => {
    console.warn(`SKIPPED payload network tests "${name}": ${why}`);
    describe.skip(name, fn);
  }) as jest.Describe;

/** `describe` for tests that run the payload for real; skipped, loudly, where they cannot run. */
export const describeAsRoot: jest.Describe = missing ? skipping(missing) : describe;

/**
 * `describeAsRoot` for tests that also drive these commands (a host firewall, a web server), which
 * scripts/test.sh installs too: skipped as loudly without them, and never in CI.
 */
export function describeAsRootWith(commands: readonly string[]): jest.Describe {
  const lacking = commands.filter((command) => !hasCommand(command));
  if (missing || !lacking.length) return describeAsRoot;
  const why = `${lacking.join(", ")} not installed (bash scripts/test.sh installs them as root)`;
  if (process.env.CI) throw new Error(`payload network tests cannot run in CI: ${why}`);
  return skipping(why);
}
