/**
 * `npm run demo`: one whole experiment on this machine, without an AWS account. Three instances,
 * each a network namespace serving HTTP on port 8080 with a client sending requests all the time;
 * the construct's state machine runs with the real task handlers against an in-memory AWS, and
 * each instance's "SSM agent" runs the real document. Needs root, iproute2, iptables, curl,
 * python3 and tini; all traffic stays in 198.18.0.0/15 inside namespaces the demo creates and removes.
 */
import { missingTools } from "../test/payload/support/sbin";

function missing(): string[] {
  const problems: string[] = [];
  if (process.getuid?.() !== 0) {
    problems.push(
      "root: the demo makes network namespaces and iptables rules (run it with sudo, or as root in a container with NET_ADMIN)",
    );
  }
  for (const tool of missingTools()) {
    problems.push(
      `${tool}: install it (Debian/Ubuntu: apt-get install iproute2 iptables curl python3 tini util-linux)`,
    );
  }
  return problems;
}

async function main(): Promise<void> {
  const problems = missing();
  if (problems.length) {
    console.error("The demo cannot run here. It needs:\n" + problems.map((p) => `  - ${p}`).join("\n"));
    console.error(
      "\nWithout root, `npx jest test/local/inputs.test.ts test/local/scale.test.ts` runs the state machine on simulated instances.",
    );
    process.exit(2);
  }
  const { runDemo } = await import("./demo");
  await runDemo();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
