/** The environment with the sbin folders on PATH, where ip and iptables live on most distributions. */
export function withSbin(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...env, PATH: `${env.PATH ?? ""}:/usr/local/sbin:/usr/sbin:/sbin` };
}
