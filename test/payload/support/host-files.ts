/**
 * The server host's own copies of this machine's files, for the daemons and tools that write their
 * configuration and state in fixed places (/etc/ufw, /etc/firewalld, /run/dbus, ...). The copies
 * are bind-mounted over the originals inside the server host's mount namespace, whose propagation
 * is private: this machine never sees them, and they go with the namespace.
 */
import { join } from "node:path";
import { must } from "./exec";
import type { World } from "./world";

const withOwnRun = new WeakSet<World>();

/**
 * Gives the server host an empty /run of its own, as a machine has at boot, then a copy of each
 * path (file or folder) that changes only in a temp folder removed with the world. /run comes
 * first: what lands there (firewalld's and ufw's locks, mount's utab) must stay on the host, and a
 * path missing from this machine could not be mounted over without creating it here.
 */
export async function ownFiles(world: World, paths: readonly string[]): Promise<void> {
  const onServer = (argv: string[]) => must(world.enter(world.server, argv));
  if (!withOwnRun.has(world)) {
    await onServer(["mount", "-t", "tmpfs", "-o", "mode=755,nosuid,nodev", "tmpfs", "/run"]);
    withOwnRun.add(world);
  }
  const copies = world.tempDir("files");
  for (const [i, path] of paths.entries()) {
    const copy = join(copies, String(i));
    await onServer(["sh", "-c", 'cp -a "$1" "$2" && mount --bind "$2" "$1"', "sh", path, copy]);
  }
}
