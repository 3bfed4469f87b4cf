// Runs before and after the whole suite: removes any test host a crashed run left behind, so that
// a failure never leaves namespaces (or the processes in them) on the machine. A host is named
// hrpt-<pid of the process that made it>-...: hosts of a process still alive are left alone.
const { execFileSync } = require("node:child_process");

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

module.exports = function removeTestNamespaces() {
  let names = [];
  try {
    names = execFileSync("ip", ["netns", "list"], { encoding: "utf8" })
      .split("\n")
      .map((line) => line.split(" ")[0])
      .filter((name) => name.startsWith("hrpt-") && !alive(Number(name.split("-")[1])));
  } catch {
    return; // no iproute2, so no namespaces either
  }
  for (const name of names) {
    const pids = execFileSync("ip", ["netns", "pids", name], { encoding: "utf8" })
      .split(/\s+/)
      .filter(Boolean);
    for (const pid of pids) {
      try {
        process.kill(Number(pid), "SIGKILL");
      } catch {
        // already gone
      }
    }
    execFileSync("ip", ["netns", "del", name]);
  }
};
