/**
 * firewalld on the server host, as RHEL and Fedora run it: a daemon on the system bus, driven with
 * firewall-cmd. The host gets a bus of its own and its own /run and /etc/firewalld (host-files),
 * so that neither daemon uses or changes anything of this machine's; both are killed with the
 * world, like every process of its namespaces.
 */
import type { ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { must, waitFor } from "./exec";
import { ownFiles } from "./host-files";
import type { World } from "./world";

/**
 * A system bus at the usual address, which only root may connect to, and then own, send and
 * receive anything on (firewalld stops at start-up without the last). No service activation,
 * unlike Debian's system.conf: nothing else starts on the host, polkit included, and firewalld
 * then lets root in without asking it.
 */
const BUS_CONFIG = `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=/run/dbus/system_bus_socket</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="root"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
`;

/** A daemon's output, and a check that fails, with that output, once the daemon has exited. */
function watch(child: ChildProcess, name: string) {
  let printed = "";
  let exited = false;
  child.stdout!.on("data", (d: Buffer) => (printed += d));
  child.stderr!.on("data", (d: Buffer) => (printed += d));
  child.once("exit", () => (exited = true));
  return {
    printed: () => printed,
    alive: () => {
      if (exited) throw new Error(`${name} exited before it was ready: ${printed}`);
    },
  };
}

/** Starts firewalld with Debian's default configuration and resolves once it answers on the bus. */
export async function startFirewalld(world: World): Promise<void> {
  await ownFiles(world, ["/etc/firewalld"]);
  const onServer = (argv: string[]) => must(world.enter(world.server, argv));
  // Debian's default backend, set in the host's copy so that a machine configured otherwise runs
  // the same test.
  await onServer([
    "sed",
    "-i",
    "s/^FirewallBackend=.*/FirewallBackend=nftables/",
    "/etc/firewalld/firewalld.conf",
  ]);
  const config = join(world.tempDir("dbus"), "system.conf");
  writeFileSync(config, BUS_CONFIG);
  await onServer(["mkdir", "-p", "/run/dbus"]);
  const busArgv = ["dbus-daemon", `--config-file=${config}`, "--nofork", "--nopidfile", "--print-address"];
  const bus = watch(world.start(world.server, busArgv), "dbus-daemon");
  // The address is printed once the bus listens.
  await waitFor("the server host's system bus", () => {
    bus.alive();
    return bus.printed().includes("unix:path=");
  });

  const argv = ["firewalld", "--nofork", "--nopid", "--log-target=console"];
  const daemon = watch(world.start(world.server, argv), "firewalld");
  const state = () => world.on(world.server, ["firewall-cmd", "--state"]);
  await waitFor(
    "firewalld to run",
    async () => {
      daemon.alive();
      return (await state()).stdout.trim() === "running";
    },
    100,
  );
}

/** Runs firewall-cmd on the server host; a failure is an error. */
export const firewallCmd = (world: World, args: readonly string[]): Promise<string> =>
  must(world.enter(world.server, ["firewall-cmd", ...args]));
