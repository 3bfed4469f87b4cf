import { spawnSync } from "node:child_process";

/** The environment with the sbin folders on PATH, where ip and iptables live on most distributions. */
export function withSbin(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...env, PATH: `${env.PATH ?? ""}:/usr/local/sbin:/usr/sbin:/sbin` };
}

/**
 * PATH as the SSM agent's scripts have it. The agent runs as a systemd service whose unit
 * (amazon-ssm-agent's packaging/linux/amazon-ssm-agent.service) sets none, so systemd's fixed
 * default for system services applies (systemd.exec(5), "Environment Variables in Spawned
 * Processes"). So the document finds the system's python3 and iptables, as on an instance, not
 * whatever a developer's shell puts first.
 */
export const AGENT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin";

/** Whether a command is found on PATH (the sbin folders included). */
export function hasCommand(command: string, path = withSbin().PATH): boolean {
  const found = spawnSync("sh", ["-c", `command -v ${command}`], { env: { ...process.env, PATH: path } });
  return found.status === 0;
}

/**
 * What running the document on namespace-backed hosts needs and this machine lacks: the tools
 * that make the hosts, and what the document uses, found on the agent's PATH as it would be.
 */
export function missingTools(): string[] {
  const forHosts = ["ip", "nsenter", "unshare", "tini", "curl"].filter((tool) => !hasCommand(tool));
  const forDocument = ["python3", "iptables", "ip6tables"].filter((tool) => !hasCommand(tool, AGENT_PATH));
  return [...forHosts, ...forDocument];
}
