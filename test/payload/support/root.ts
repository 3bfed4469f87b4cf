/**
 * The payload tests need root (network namespaces, iptables). In CI they must run; elsewhere,
 * without root, they are skipped and say so loudly rather than pass silently.
 */
import { missingTools } from "./sbin";

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

/** `describe` for tests that run the payload for real; skipped, loudly, where they cannot run. */
export const describeAsRoot: jest.Describe = missing
  ? (((name: string, fn: () => void) => {
      console.warn(`SKIPPED payload network tests "${name}": ${missing}`);
      describe.skip(name, fn);
    }) as jest.Describe)
  : describe;
