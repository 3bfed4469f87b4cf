"""EC2 HTTP reset peer: the part of the fault that runs on the instance once its inputs are checked.

Python 3.6 or newer (ssm-documents/src/bootstrap.py checks), standard library only. Four roles,
two chosen by the first argument:

  inject   the SSM command itself. Holds the host-wide lock, starts the proxy and the warden,
           puts the rules in, checks the fault from localhost, waits for the window to end,
           prints the report.
  cleanup  removes every rule, process and state file of one experiment, or of all of them.

The command forks two more, each in a session of its own:

  proxy    accepts every connection the rules catch, reads the request and resets the connection.
  warden   holds the window: takes the rules out when it ends, the command dies, the proxy dies,
           or Cleanup asks. The command puts them in only once the warden exists.

Forks, not new interpreters: a Python start and its imports cost tens of milliseconds, which the
fault's onset would pay. Each writes a pid file with its start time, which is how Cleanup finds it.

The rules hand new connections to the proxy with TPROXY, which leaves their destination as it
was: the host's own firewall, which filters after the rules, sees the service's port and lets
through exactly the clients the service would have seen (a NAT redirect to the proxy's port would
be dropped by every firewall that allows only the service's port).

The SSM agent ends a cancelled or timed-out command with SIGKILL to its process group, so no
handler of ours runs then. The proxy and the warden therefore live in sessions of their own and
watch each other, and the warden watches the command, through pipes: the kernel closes a dead
process's descriptors at once, and the survivor sees the pipe hang up. The warden also holds a
copy of the proxy's listening sockets, so that if the proxy dies, new connections wait in their
backlog (and are reset when the warden closes them) instead of being dropped. The resets are
counted in a shared memory page, which outlives whichever process dies.
"""

import sys
import fcntl
import binascii
import errno
import json
import mmap
import os
import select
import signal
import socket
import struct
import subprocess
import time
from collections import deque

STATE_ROOT = os.environ.get("HTTP_RESET_PEER_STATE_DIR") or "/run/http-reset-peer"
CHAIN_PREFIX = "HRP-"
RULE_COMMENT = "http-reset-peer"

EXIT_FAILED = 1  # the fault ran but did not complete as asked
EXIT_PRECONDITION = 3  # refused before touching the host

# Where a connection came from, as the rule that caught it tells: the interface, or loopback (the
# instance itself). Each has a listener of its own, and a counter at this index.
ORIGINS = ("remote", "local")
ROLES = ("proxy", "warden")
REMOTE, LOCAL = 0, 1
# Methods the report counts requests of by name, each by its place among them (a dict: every
# request looks its own up); any other is counted as "other".
METHODS = {m: i for i, m in enumerate((b"GET", b"HEAD", b"POST", b"PUT", b"DELETE", b"PATCH", b"OPTIONS", b"CONNECT", b"TRACE"))}
# The counters page: the resets by origin (0, 1); the connections the proxy forwarded, by origin
# (2, 3); requests reset and requests forwarded, by method (each METHODS in turn, then "other"); the
# epoch second of the first slot (24), then one slot per second of resets by any origin, for the
# window and some slack (the arming, the proxy's backstop, forwarded connections' last seconds).
ACCEPTED, REQUESTS_RESET, REQUESTS_FORWARDED = 2, 4, 14
FIRST_SECOND, FIRST_SLOT = 24, 25
SLACK_SECONDS = 30
# The summary line's series of resets, at the finest of these steps whose counts fit the budget:
# SSM returns the first 2,500 characters of the output.
SERIES_STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600)
SERIES_BUDGET = 1000

LISTEN_BACKLOG = 4096
READ_LIMIT = 65536  # a request head larger than this is reset without waiting for its end
SILENT_RESET_SECONDS = 1.0  # a connection that sends nothing is reset after this long
DEFER_ACCEPT_SECONDS = 1  # the kernel holds a connection back until its first data, this long at most
SILENT_AFTER_DEFER_SECONDS = 0.2  # a deferred connection that still has nothing gets this much longer
DRAIN_POLL_SECONDS = 0.002  # how often a forwarded client's acknowledgement of the last bytes is checked
FORWARD_GRACE_SECONDS = 10  # how long forwarded connections outlive the window before they are reset
PROXY_GRACE_SECONDS = 1.0  # how long the warden waits for the proxy to stop before SIGKILL
SELF_CHECK_TIMEOUT_SECONDS = 2.0
LINGER_RESET = struct.pack("ii", 1, 0)
# Python defines these from 3.11 on; the values are Linux's (linux/in.h, linux/in6.h).
IP_TRANSPARENT = getattr(socket, "IP_TRANSPARENT", 19)
IPV6_TRANSPARENT = getattr(socket, "IPV6_TRANSPARENT", 75)
SO_MARK = getattr(socket, "SO_MARK", 36)
# Under ResetPercentage, each connection's fate, in two bits of its conntrack mark: set once, on its
# first packet the rules see, and read by every later one. Bits high enough to stay clear of the
# marks Docker, kube-proxy and the VPC CNI use.
SPARED, CHOSEN, FATE_MASK = 0x02000000, 0x04000000, 0x06000000


def utc_now():
    t = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".%03dZ" % int((t % 1) * 1000)


def experiment_dir(experiment_id):
    return os.path.join(STATE_ROOT, "experiments", experiment_id)


def open_state_file(path, flags):
    """Files of the state directory are never reached through a symbolic link."""
    return os.open(path, flags | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)


def write_json_atomically(path, value):
    tmp = path + ".tmp"
    with os.fdopen(open_state_file(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC), "w") as f:
        json.dump(value, f)
    os.rename(tmp, path)


def read_json(path):
    try:
        with os.fdopen(open_state_file(path, os.O_RDONLY)) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def counters_path(experiment_id):
    return os.path.join(experiment_dir(experiment_id), "resets")


def map_counters(experiment_id):
    """The resets, in pages shared by every process of the fault: what one counts is in the page
    cache at once, so no count is lost when a process is killed."""
    fd = open_state_file(counters_path(experiment_id), os.O_RDWR)
    try:
        return memoryview(mmap.mmap(fd, 0)).cast("Q")
    finally:
        os.close(fd)


def second_slot(counters):
    """The slot counting this second's resets; the first or last for a clock stepped outside them."""
    return FIRST_SLOT + min(max(int(time.time()) - counters[FIRST_SECOND], 0), len(counters) - FIRST_SLOT - 1)


def read_counters(fd):
    """The counters, read through a descriptor the command opened as the window began: a Cleanup
    that stops the fault removes the file, and the command still reports what was counted."""
    try:
        return memoryview(os.pread(fd, os.fstat(fd).st_size, 0)).cast("Q").tolist()
    except (OSError, TypeError):
        return None


def reset_series(counters, started, ended, uncounted):
    """The resets per second from the window's start to its end or the last reset, as
    {"start", "step", "counts"}: buckets of whole UTC seconds aligned to their step. The
    self-check's resets (`uncounted`) are taken from the earliest, where it made them."""
    slots, first_second = counters[FIRST_SLOT:], counters[FIRST_SECOND]
    nonzero = [i for i, count in enumerate(slots) if count]
    clamp = lambda t: min(max(int(t) - first_second, 0), len(slots) - 1)
    begin, end = min([clamp(started)] + nonzero[:1]), max([clamp(ended)] + nonzero[-1:])
    seconds = slots[begin : end + 1]
    for i, count in enumerate(seconds):
        taken = min(count, uncounted)
        seconds[i], uncounted = count - taken, uncounted - taken
    for step in SERIES_STEPS:
        lead = (first_second + begin) % step
        padded = [0] * lead + seconds
        counts = [sum(padded[i : i + step]) for i in range(0, len(padded), step)]
        if len(json.dumps(counts, separators=(",", ":"))) <= SERIES_BUDGET:
            break
    start = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(first_second + begin - lead))
    return {"start": start, "step": step, "counts": counts}


# ---------------------------------------------------------------------------------------------
# Firewall rules


def chain_tag(experiment_id):
    """Chain names are limited to 28 characters, so an experiment's chains carry a digest of its id."""
    return CHAIN_PREFIX + "%08X-" % binascii.crc32(experiment_id.encode())


def start_all(argvs):
    """Starts the commands side by side, each waiting for its input: a Popen, or the OSError that
    kept it from starting. An iptables call spends most of its time starting up, so two at once
    take little more than one."""
    started = []
    for argv in argvs:
        try:
            started.append(
                subprocess.Popen(
                    argv,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    universal_newlines=True,
                )
            )
        except OSError as e:
            started.append(e)
    return started


def finish_all(started, stdin_texts):
    """Gives each started command its input and returns (code, stdout, stderr) of each, in order."""
    results = []
    for p, stdin_text in zip(started, stdin_texts):
        if isinstance(p, OSError):
            results.append((127, "", str(p)))
        else:
            out, err = p.communicate(stdin_text)
            results.append((p.returncode, out, err))
    return results


def run_all(commands):
    """Runs (argv, stdin text) commands side by side; see start_all and finish_all."""
    return finish_all(start_all([argv for argv, _ in commands]), [text for _, text in commands])


def run(argv, stdin_text=None):
    return run_all([(argv, stdin_text)])[0]


def choice_chains(tag, percentage):
    """Chains that choose a connection's fate, once: chosen (to be reset) at random with the
    percentage's probability, else spared. The self-check's packets carry the chosen mark already.
    The SPARE chain's packet counter counts the connections spared. None at 100: all are chosen."""
    if percentage == 100:
        return []
    unmarked = "-m connmark --mark 0/0x%x" % FATE_MASK
    return [
        ":%sCHOOSE - [0:0]" % tag,
        ":%sSPARE - [0:0]" % tag,
        "-A %sCHOOSE -m mark --mark 0x%x/0x%x -j CONNMARK --set-xmark 0x%x/0x%x"
        % (tag, CHOSEN, FATE_MASK, CHOSEN, FATE_MASK),
        "-A %sCHOOSE %s -m statistic --mode random --probability %.5f -j CONNMARK --set-xmark 0x%x/0x%x"
        % (tag, unmarked, percentage / 100.0, CHOSEN, FATE_MASK),
        "-A %sCHOOSE %s -j %sSPARE" % (tag, unmarked, tag),
        "-A %sSPARE -j CONNMARK --set-xmark 0x%x/0x%x" % (tag, SPARED, FATE_MASK),
    ]


def filters(p):
    """Whether only some requests are reset: those ResetMethods and ResetPaths name."""
    return bool(p["resetMethods"] or p["resetPaths"])


def forwards(p):
    """Whether the proxy passes requests on to the service, over connections of its own."""
    return p["resetAt"] == "response" or filters(p)


def proxy_grace(p):
    """How long the proxy may take to stop once the window has ended."""
    return PROXY_GRACE_SECONDS + (FORWARD_GRACE_SECONDS if forwards(p) else 0)


def spares(p):
    """Whether some connections to the port are left alone: those ResetPercentage spares, and the
    proxy's own to the service, which carry the spared mark from their first packet."""
    return p["resetPercentage"] < 100 or forwards(p)


def not_spared(p):
    """The match that lets only chosen connections on, where some are spared."""
    return " -m connmark ! --mark 0x%x/0x%x" % (SPARED, FATE_MASK) if spares(p) else ""


def chains_text(experiment_id, listen_ports, p):
    """The experiment's chains, in iptables-restore form. Nothing jumps to them yet, so putting them
    in changes nothing, and shows that the kernel has what the fault needs before anything does."""
    tag = chain_tag(experiment_id)
    choice = choice_chains(tag, p["resetPercentage"])
    # The proxy's connections to the service are marked spared by their socket (see proxy_main).
    own = [":%sOWN - [0:0]" % tag, "-A %sOWN -j CONNMARK --set-xmark 0x%x/0x%x" % (tag, SPARED, FATE_MASK)]
    # A connection opened before the fault meets the rules first here, and is chosen here.
    choose_open = ["-A %sOPEN -m connmark --mark 0/0x%x -j %sCHOOSE" % (tag, FATE_MASK, tag)] if choice else []
    return "\n".join(
        [
            "*mangle",
            ":%sIN - [0:0]" % tag,
            ":%sLOCAL - [0:0]" % tag,
        ]
        + choice
        + (own if forwards(p) else [])
        + [
            # The connection's socket becomes the proxy's listener; its addresses stay as they were.
            "-A %sIN -p tcp -j TPROXY --on-port %d" % (tag, listen_ports[REMOTE]),
            "-A %sLOCAL -p tcp -j TPROXY --on-port %d" % (tag, listen_ports[LOCAL]),
            "COMMIT",
            "*nat",
            ":%sKEEP - [0:0]" % tag,
            # Ends the nat table for the connection: no DNAT of Docker's or kube-proxy's moves it on.
            "-A %sKEEP -j ACCEPT" % tag,
            "COMMIT",
            "*filter",
            ":%sOPEN - [0:0]" % tag,
        ]
        + choice
        + ["-A %sOPEN -m socket --transparent -j RETURN" % tag]
        + choose_open
        + [
            # What is left is a connection opened before the fault: reset it on its next packet.
            "-A %sOPEN -p tcp ! --syn%s -j REJECT --reject-with tcp-reset" % (tag, not_spared(p)),
            "COMMIT",
            "",
        ]
    )


def jumps_text(experiment_id, interface, port, p):
    """The jumps into the chains, each first in its parent chain, ahead of the host's own rules
    (inserted in reverse: each goes in at the top)."""
    tag = chain_tag(experiment_id)
    to_port = '-p tcp --dport %d -m comment --comment "%s %s"' % (port, RULE_COMMENT, experiment_id)
    new = "-p tcp --dport %d --syn -m comment --comment \"%s %s\"" % (port, RULE_COMMENT, experiment_id)
    local = "-m addrtype --dst-type LOCAL"
    chosen = not_spared(p)
    first = []  # ahead of the jumps to the proxy
    if p["resetPercentage"] < 100:
        # Chosen in mangle, which comes before nat: a spared connection then passes nat as usual.
        # The instance's own connections are chosen as they leave, ahead of nat's OUTPUT.
        first = [
            "-I PREROUTING 1 -i %s %s -j %sCHOOSE" % (interface, new, tag),
            "-I OUTPUT 1 %s %s -j %sCHOOSE" % (new, local, tag),
        ]
    if forwards(p):
        # Last, so first: the proxy's connections are spared before anything else sees them.
        first.append("-I OUTPUT 1 %s %s -m mark --mark 0x%x/0x%x -j %sOWN" % (new, local, SPARED, FATE_MASK, tag))
    return "\n".join(
        [
            "*mangle",
            # New connections arriving on the interface, and from the instance to itself, such as
            # `curl localhost:PORT`: the kernel delivers those through the loopback interface.
            "-I PREROUTING 1 -i %s %s%s -j %sIN" % (interface, new, chosen, tag),
            "-I PREROUTING 1 -i lo %s%s -j %sLOCAL" % (new, chosen, tag),
        ]
        + first
        + [
            "COMMIT",
            "*nat",
            "-I PREROUTING 1 -i %s %s%s -j %sKEEP" % (interface, to_port, chosen, tag),
            "-I OUTPUT 1 %s %s%s -j %sKEEP" % (to_port, local, chosen, tag),
            "COMMIT",
            "*filter",
            "-I INPUT 1 -i %s %s -j %sOPEN" % (interface, to_port, tag),
            "-I INPUT 1 -i lo %s -j %sOPEN" % (to_port, tag),
            "COMMIT",
            "",
        ]
    )


def start_restores(families):
    """An iptables-restore per family, started and waiting for the rules (see finish_restores)."""
    return start_all([[family + "-restore", "-w", "--noflush"] for family in families])


def finish_restores(families, restores, text):
    """Each table of the text goes in whole or not at all, in every family at once. A restore whose
    input ends before a table's COMMIT (the command was killed as it wrote) puts in nothing of it."""
    results = finish_all(restores, [text] * len(families))
    for family, (code, _, err) in zip(families, results):
        if code != 0:
            raise RuntimeError("%s-restore failed: %s" % (family, err.strip().splitlines()[-1:] or code))


def install_rules(families, text):
    finish_restores(families, start_restores(families), text)


FAMILIES = ("iptables", "ip6tables")


def save_commands(families):
    return [([family + "-save", "-c"], None) for family in families]


def saved_rules(families=FAMILIES):
    return parse_saved(families, run_all(save_commands(families)))


def parse_saved(families, results):
    """Each family's ruleset from one iptables-save -c (a call per family, however many tables):
    {(family, table): [(packets, line)]}, a line being a chain (":NAME POLICY") or a rule
    ("-A CHAIN ..."), in the order saved. A family whose tool fails has no tables."""
    tables = {}
    for family, (_, out, _) in zip(families, results):
        table = None
        for line in out.splitlines():
            if line.startswith("*"):
                table = tables.setdefault((family, line[1:]), [])
            elif line.startswith(":") and table is not None:
                table.append((0, line))
            elif line.startswith("[") and "] -A " in line and table is not None:
                counters, rule = line.split("] ", 1)
                table.append((int(counters[1:].split(":")[0]), rule))
    return tables


def fault_rules(saved, experiment_id=None):
    """The fault's chains (of one experiment, or of all) in a saved ruleset, per (family, table):
    its chains, the jumps into them from the host's chains, and the packets each chain counted."""
    tag = chain_tag(experiment_id) if experiment_id else CHAIN_PREFIX
    found = {}
    for key, lines in saved.items():
        chains = [line[1:].split()[0] for _, line in lines if line.startswith(":" + tag)]
        if not chains:
            continue
        rules = [(packets, line, line.split()) for packets, line in lines if line.startswith("-A ")]
        found[key] = {
            "chains": chains,
            "jumps": [line for _, line, words in rules if words[1] not in chains and words[-1] in chains],
            "packets": {chain: sum(p for p, _, words in rules if words[1] == chain) for chain in chains},
        }
    return found


def remove_rules(experiment_id=None, found=None):
    """Takes out the jumps into the fault's chains, then the chains (of `found`, or of what is there
    now): one iptables-restore per family, each table in one transaction. Idempotent. Returns what
    it removed.

    Another Cleanup may take some of them out first, and then a transaction fails: the rules are
    read again, and what is left is tried again.
    """
    removed = []
    for _ in range(3):
        found = fault_rules(saved_rules(), experiment_id) if found is None else found
        if not found:
            break
        for family in FAMILIES:
            tables = sorted((table, ours) for (f, table), ours in found.items() if f == family)
            text = ""
            for table, ours in tables:
                text += "*%s\n" % table + "".join("-D %s\n" % jump[3:] for jump in ours["jumps"])
                # Every chain emptied before any goes: one of ours may jump to another.
                text += "".join("-F %s\n" % chain for chain in ours["chains"])
                text += "".join("-X %s\n" % chain for chain in ours["chains"]) + "COMMIT\n"
            if text and run([family + "-restore", "-w", "--noflush"], text)[0] == 0:
                removed += ["%s %s: chains %s" % (family, table, ", ".join(ours["chains"])) for table, ours in tables]
        found = None
    return removed


def survey():
    """What the fault acts through, from one round of iptables calls side by side: the families
    that can use the nat table (ip6tables only where the host has IPv6), every family's saved
    rules, and the tables iptables has (see drop_tables_made)."""
    candidates = FAMILIES if os.path.exists("/proc/net/if_inet6") else FAMILIES[:1]
    nat_checks = [([family, "-w", "-t", "nat", "-S", "OUTPUT"], None) for family in candidates]
    results = run_all(nat_checks + save_commands(FAMILIES))
    families = [family for family, (code, _, _) in zip(candidates, results) if code == 0]
    saved = parse_saved(FAMILIES, results[len(candidates) :])
    return families, saved, sorted([family, table] for family, table in saved if family in families)


def drop_tables_made(families, before):
    """Takes out the tables the fault made (those not `before`), when nothing but it ever put a
    rule or policy in them, where iptables is the nft backend.

    iptables-nft makes a table the first time a rule goes in and never removes it; saving does not
    make one. The legacy backend's tables cannot be removed: the kernel keeps each one once used,
    with no rule and ACCEPT policies. The backend is asked here, after the window, rather than
    before it, where each call delays the fault.
    """
    if "nf_tables" not in run(["iptables", "-V"])[1]:
        return []
    removed = []
    for (family, table), lines in sorted(saved_rules(families).items()):
        untouched = all(line.startswith(":") and " ACCEPT" in line for _, line in lines)
        if [family, table] not in before and untouched:
            if run(["nft", "delete", "table", "ip" if family == "iptables" else "ip6", table])[0] == 0:
                removed.append("%s table %s, which the fault made" % (family, table))
    return removed


def remove_tree(path):
    """shutil.rmtree, imported only when there is a folder to remove: its import alone would delay
    the fault's onset by milliseconds, and an injection removes nothing before its rules are in."""
    if os.path.lexists(path):
        import shutil

        shutil.rmtree(path, ignore_errors=True)


def rules_remain(experiment_id=None):
    return bool(fault_rules(saved_rules(), experiment_id))


def remote_syns_caught(found, experiment_id):
    """How many connection attempts from remote peers the rules handed to the proxy: the packet
    counter of the interface's TPROXY rule (SYNs, so a retransmitted one counts twice)."""
    chain = chain_tag(experiment_id) + "IN"
    return sum(ours["packets"].get(chain, 0) for (_, table), ours in found.items() if table == "mangle")


def connections_spared(found, experiment_id):
    """How many connections ResetPercentage spared: the SPARE chains' packet counters, where new
    connections (mangle) and those opened before the fault (filter) were chosen."""
    chain = chain_tag(experiment_id) + "SPARE"
    return sum(ours["packets"].get(chain, 0) for ours in found.values())



# ---------------------------------------------------------------------------------------------
# Processes of the fault


def pid_path(experiment_id, role):
    return os.path.join(experiment_dir(experiment_id), role + ".pid")


def process_facts(pid):
    """A process's state letter and its start time (clock ticks since boot: fields 3 and 22 of
    /proc/PID/stat, counted after the command name, which may hold spaces)."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return fields[0], fields[19]


def write_pid_file(experiment_id, role):
    pid = os.getpid()
    with os.fdopen(open_state_file(pid_path(experiment_id, role), os.O_WRONLY | os.O_CREAT | os.O_TRUNC), "w") as f:
        f.write("%d %s\n" % (pid, process_facts(pid)[1]))


def fault_processes(experiment_id=None):
    """(pid, role, experiment) of every live proxy and warden, from the pid file each writes as it
    starts. The start time in the file tells the process from a later one given the same pid.

    A zombie is dead for our purposes: it holds no socket and no lock.
    """
    root = os.path.join(STATE_ROOT, "experiments")
    try:
        experiments = [experiment_id] if experiment_id else sorted(os.listdir(root))
    except OSError:
        return []
    found = []
    for experiment in experiments:
        for role in ROLES:
            try:
                with os.fdopen(open_state_file(pid_path(experiment, role), os.O_RDONLY)) as f:
                    pid, started = f.read().split()
                state, start_time = process_facts(int(pid))
            except (OSError, ValueError):
                continue
            if start_time == started and state not in ("Z", "X"):
                found.append((int(pid), role, experiment))
    return found


def wait_until(predicate, seconds, step=0.02):
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() >= deadline:
            return False
        time.sleep(step)
    return True


def signal_quietly(pid, signum):
    try:
        os.kill(pid, signum)
    except OSError:
        pass


def wakeup_pipe(*signums):
    """A pipe that becomes readable when one of the signals arrives, for use in an epoll loop."""
    r, w = os.pipe()
    os.set_blocking(w, False)
    signal.set_wakeup_fd(w)
    for signum in signums:
        signal.signal(signum, lambda *_: None)
    return r


def hangup_poller(*fds):
    """An epoll set that reports when the write side of any of these pipes is gone."""
    ep = select.epoll()
    for fd in fds:
        ep.register(fd, select.EPOLLHUP)
    return ep


def reset_connection(conn):
    """Closes with SO_LINGER (on, 0): the kernel sends RST, never FIN, so the client sees a reset."""
    try:
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER_RESET)
    except OSError:
        pass  # the client is gone already; close() still frees the socket
    conn.close()


def reset_backlog(listener, counters, origin):
    """Accepts and resets every connection waiting in the listener's queue, counting each."""
    slot = second_slot(counters)
    while True:
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        reset_connection(conn)
        counters[origin] += 1
        counters[slot] += 1


def unsent(conn):
    """Bytes the socket holds that the peer has not acknowledged (SIOCOUTQ, Linux's ioctl 0x5411)."""
    try:
        return struct.unpack("i", fcntl.ioctl(conn.fileno(), 0x5411, b"\0\0\0\0"))[0]
    except OSError:
        return 0


def adopt_listeners(config):
    """The listening sockets the command made, by origin, from the descriptors it passed down."""
    return [socket.socket(config["listenFamily"], socket.SOCK_STREAM, 0, fd) for fd in config["listenFds"]]


# ---------------------------------------------------------------------------------------------
# HTTP/1.1, as far as filtering and forwarding need it: where each message begins and ends
# (RFC 9112), so that a connection's requests are told apart one after another and its bytes
# pass on unchanged.

CHUNKED, UNTIL_CLOSE = -1, -2  # body lengths that are not a byte count; UNTIL_CLOSE never ends


FRAMING = frozenset((b"content-length", b"transfer-encoding", b"connection", b"upgrade"))


def parse_head(head):
    """A message head's start line, split at its first two spaces, and the fields that frame what
    follows (FRAMING) as {lower-case name: [values]}. ValueError for a head no server would take."""
    lines = head.lstrip(b"\r\n").split(b"\r\n")
    start = lines[0].split(b" ", 2)
    if len(start) < 2:
        raise ValueError("start line")
    fields = {}
    for line in lines[1:]:
        if not line:
            continue
        name, colon, value = line.partition(b":")
        if not colon or not name or name != name.strip():
            raise ValueError("field line")  # obsolete line folding among them
        name = name.lower()
        if name in FRAMING:
            fields.setdefault(name, []).append(value.strip())
    return start, fields


def body_length(fields, request):
    """The length of the body that follows a head, or CHUNKED, or UNTIL_CLOSE (RFC 9112, 6.3)."""
    codings = b",".join(fields.get(b"transfer-encoding", ())).lower().split(b",")
    if codings != [b""]:
        if codings[-1].strip() == b"chunked":
            return CHUNKED
        if request:
            raise ValueError("request body of unknown length")
        return UNTIL_CLOSE
    if b"content-length" not in fields:
        return 0 if request else UNTIL_CLOSE
    lengths = {v.strip() for value in fields[b"content-length"] for v in value.split(b",")}
    length = lengths.pop()
    if lengths or not length.isdigit():
        raise ValueError("Content-Length")
    return int(length)


def response_length(method, status, fields):
    """The body length of a response to `method` (RFC 9112, 6.3, items 1 and 2)."""
    if method == b"HEAD" or status[:1] == b"1" or status in (b"204", b"304"):
        return 0
    return UNTIL_CLOSE if method == b"CONNECT" and status[:1] == b"2" else body_length(fields, False)


def switches(method, fields):
    """Whether a request asks to leave HTTP on its connection: CONNECT, or an Upgrade."""
    if method == b"CONNECT" or b"upgrade" not in fields:
        return method == b"CONNECT"
    connection = b",".join(fields.get(b"connection", ())).lower().split(b",")
    return b"upgrade" in [c.strip() for c in connection]


class Body(object):
    """Where one message body ends in its stream, read as it comes."""

    __slots__ = ("left", "chunked", "line")

    def __init__(self, length):
        self.chunked = length == CHUNKED
        self.left = None if self.chunked else length  # None: a chunk-size (or trailer) line is next
        self.line = b""  # the part of a chunked body's line read so far

    def take(self, data):
        """How many of the first bytes of `data` belong to the body, and whether it ends with them.
        ValueError for a chunked body no server would take."""
        taken = 0
        while taken < len(data):
            if self.left is None or self.left == CHUNKED:
                newline = data.find(b"\n", taken)
                if newline < 0:
                    self.line += data[taken:]
                    if len(self.line) > READ_LIMIT:
                        raise ValueError("chunk line")
                    return len(data), False
                line, self.line, taken = (self.line + data[taken:newline]).strip(), b"", newline + 1
                if self.left == CHUNKED:  # trailer fields, up to an empty line
                    if not line:
                        return taken, True
                    continue
                size = line.split(b";")[0].strip()
                if not size.isalnum():
                    raise ValueError("chunk size")
                self.left = int(size, 16) + 2 if int(size, 16) else CHUNKED
            elif self.left == UNTIL_CLOSE:
                return len(data), False
            else:
                step = min(self.left, len(data) - taken)
                self.left, taken = self.left - step, taken + step
                if self.left:
                    break
                if not self.chunked:
                    return taken, True
                self.left = None
        return taken, self.left == 0


def request_filter(methods, paths):
    """Whether a request is one the fault resets: its method is one of `methods` and its path begins
    with one of `paths`, each where given. None when every request is."""
    if not methods and not paths:
        return None
    methods = {m.encode() for m in methods}
    paths = tuple(p.encode() for p in paths)

    def matches(method, target):
        if target[:1] != b"/" and b"://" in target:  # absolute form: its path alone
            target = b"/" + target.split(b"://", 1)[1].partition(b"/")[2]
        return (not methods or method in methods) and (not paths or target.startswith(paths))

    return matches


def method_slot(first, method):
    """The counter of `method`'s requests, in the run of counters from `first`."""
    return first + METHODS.get(method, len(METHODS))


class Exchange(object):
    """A client's connection whose requests are read one by one: each that matches is reset, the
    others pass on to the service, over a connection of the proxy's own opened when the first byte is
    to pass (`upstream`), and its answers come back, every byte unchanged.

    Under ResetAt=request a matching request is never passed on: the connection is reset once the
    answers to those ahead of it have reached the client. Under ResetAt=response it is passed on, and
    its response is cut short after its head and `after_bytes` bytes (or at its end, if sooner).
    From a request that asks to leave HTTP (CONNECT, Upgrade) or one that cannot be framed on, the
    bytes pass untouched, and nothing more is reset. Each side is read only once what was last read
    from it is passed on, so each holds at most one read."""

    __slots__ = ("client", "upstream", "origin", "matches", "cut", "after_bytes", "counters")
    __slots__ += ("connecting", "held", "to_upstream", "to_client", "request", "response", "head")
    __slots__ += ("asked", "left", "reset_due", "done", "close_due", "client_open", "shut", "masks")

    def __init__(self, client, origin, matches, config, counters):
        self.client, self.origin, self.counters = client, origin, counters
        self.matches = matches  # whether a request is reset; None once nothing more is
        self.cut, self.after_bytes = config["resetAt"] == "response", config["resetAfterBytes"]
        self.upstream, self.connecting = None, False
        self.held = b""  # the start of a request head, until it is whole
        self.to_upstream = self.to_client = b""
        self.request = self.response = None  # the body being passed on; None: a head comes next
        self.head = b""  # the service's response head so far
        self.asked = deque()  # (method, to be cut, leaves HTTP) of the requests passed on, unanswered
        self.left = None  # bytes of the response being cut that are still to pass on
        self.reset_due = False  # a request matched: nothing more of the client's is read
        self.done = False  # nothing more passes on: reset once the client has acknowledged it all
        self.close_due = False  # the service closed: so does the client's side, once it has it all
        self.client_open = True  # the client may still send
        self.shut = set()  # the sockets whose sending side the proxy has shut
        self.masks = {}

    def owes_reset(self):
        return self.reset_due or self.left is not None or any(cut for _, cut, _ in self.asked)

    def idle(self):
        """Nothing in flight: a close now is one the client can take as a keep-alive timeout."""
        busy = self.held or self.to_upstream or self.to_client or self.asked
        return not busy and self.request is None and self.response is None

    def from_client(self, data):
        """Takes one read of the client's bytes."""
        data, self.held = self.held + data, b""
        while data:
            if self.request is not None:
                taken, ended = self.request.take(data)
                self.to_upstream += data[:taken]
                data = data[taken:]
                if ended:
                    self.request = None
                continue
            end = data.find(b"\r\n\r\n")
            if end < 0 and len(data) < READ_LIMIT and data.lstrip(b"\r\n")[:1].isalpha():
                self.held = data  # the start of a request line, at least: wait for the rest
                return
            if end < 0:
                return self.unframed(data)  # TLS, say, or a head too large
            head = data[: end + 4]
            try:
                start, fields = parse_head(head)
                method, target = start[0], start[1]
                length, leaves = body_length(fields, True), switches(method, fields)
            except ValueError:
                return self.unframed(data)
            match = self.matches is not None and self.matches(method, target)
            self.counters[method_slot(REQUESTS_RESET if match else REQUESTS_FORWARDED, method)] += 1
            if match and not self.cut:
                self.reset_due = True
                self.done = not self.asked and self.response is None
                return
            self.to_upstream += head
            data = data[end + 4 :]
            self.asked.append((method, match, leaves))
            self.request = Body(UNTIL_CLOSE if leaves else length) if leaves or length else None

    def unframed(self, data):
        """Bytes that are not HTTP/1.1 a server would take: they and all after them pass on."""
        self.matches, self.request = None, Body(UNTIL_CLOSE)
        self.to_upstream += data

    def from_service(self, data):
        """Takes one read of the service's bytes."""
        while data and not self.done:
            if self.response is None:
                seen = self.head + data
                end = seen.find(b"\r\n\r\n")
                taken = len(data) if end < 0 else end + 4 - len(self.head)
                self.to_client += data[:taken]
                data, self.head = data[taken:], seen if end < 0 else b""
                if end >= 0:
                    self.response_head(seen[: end + 4])
                elif len(seen) >= READ_LIMIT:
                    self.response, self.head = Body(UNTIL_CLOSE), b""
                continue
            try:
                taken, ended = self.response.take(data)
            except ValueError:
                taken, ended, self.response = len(data), False, Body(UNTIL_CLOSE)
            piece, data = data[:taken], data[taken:]
            if self.left is not None:
                piece = piece[: self.left]
                self.left -= len(piece)
                self.done = self.left == 0
            self.to_client += piece
            if ended:
                self.response_end()

    def response_head(self, head):
        try:
            start, fields = parse_head(head)
        except ValueError:
            self.response = Body(UNTIL_CLOSE)
            return
        status = start[1]
        if status[:1] == b"1" and status != b"101":
            return  # 100 Continue, 103 Early Hints: interim, ahead of the response
        method, cut, leaves = self.asked.popleft() if self.asked else (None, False, False)
        try:
            length = UNTIL_CLOSE if leaves or status == b"101" else response_length(method, status, fields)
        except ValueError:
            length = UNTIL_CLOSE
        self.response = Body(length)
        if cut:
            self.left = self.after_bytes
            self.done = self.left == 0
        if length == 0:
            self.response_end()

    def response_end(self):
        self.response = None
        if self.left is not None or (self.reset_due and not self.asked):
            self.done = True

    def service_closed(self):
        """The service closed its side: the client gets the close, or the reset it is owed."""
        if self.owes_reset():
            self.done = True
        else:
            self.close_due = True

    def end_window(self):
        """The window has ended: nothing more is reset, and one that is owed is due now."""
        self.done = self.done or self.owes_reset()
        self.matches = None

    def wanted(self):
        """The epoll events each of the two sockets waits for now."""
        # Once the service has closed and the client has all it sent, the client's bytes are read
        # and dropped until it closes too: a close with unread bytes would reset it.
        discarding = self.close_due and not self.to_client
        reading = self.client_open and (discarding or not (self.to_upstream or self.reset_due or self.close_due))
        client = (select.EPOLLIN if reading else 0) | (select.EPOLLOUT if self.to_client else 0)
        if self.upstream is None:
            return ((self.client, client),)
        upstream = (select.EPOLLOUT if self.connecting or self.to_upstream else 0) | (
            select.EPOLLIN if not self.connecting and not self.to_client and not self.done else 0
        )
        return ((self.client, client), (self.upstream, upstream))


# ---------------------------------------------------------------------------------------------
# proxy


def proxy_main(experiment_id, config):
    """Resets every connection it accepts, once the request has arrived or the client stayed silent.

    The hot path, one connection: accept, read, SO_LINGER, close, count. With TCP_DEFER_ACCEPT the
    kernel hands over a connection only once its request has arrived, so it is rarely watched at
    all; one that comes without data has stayed silent for the whole deferral (or comes through SYN
    cookies) and is given a short last chance; one with part of a request gets the whole silent
    deadline. Closing a socket also takes it out of the epoll set.

    ResetAt=connect resets each connection as it is accepted, with no deferral, before anything is
    read. Under ResetMethods, ResetPaths or ResetAt=response each connection is read request by
    request, and what is not reset is passed on (see Exchange). When the window ends, those keep
    working for FORWARD_GRACE_SECONDS at most, and nothing more of theirs is reset.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    stop_signal = wakeup_pipe(signal.SIGTERM)
    listeners = adopt_listeners(config)
    silent_seconds = SILENT_RESET_SECONDS
    at_connect = config["resetAt"] == "connect"
    matches = request_filter(config["resetMethods"], config["resetPaths"])
    exchanging = matches is not None or config["resetAt"] == "response"
    matches = matches or (lambda method, target: True)
    for listener in listeners:
        listener.setblocking(False)
        if at_connect:
            continue
        try:
            listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_DEFER_ACCEPT, DEFER_ACCEPT_SECONDS)
            silent_seconds = SILENT_RESET_SECONDS - DEFER_ACCEPT_SECONDS + SILENT_AFTER_DEFER_SECONDS
        except (AttributeError, OSError):
            pass  # not Linux: every connection is watched from its accept on
    counters = map_counters(experiment_id)
    clock = time.monotonic  # asked on every round of the loop
    stop_at = clock() + config["stopAfterSeconds"]

    ep = select.epoll()
    origin_of = {}  # listener fd -> origin
    for origin, listener in enumerate(listeners):
        ep.register(listener.fileno(), select.EPOLLIN)
        origin_of[listener.fileno()] = origin
    ep.register(config["wardenLifeFd"], select.EPOLLHUP)
    ep.register(stop_signal, select.EPOLLIN)
    # fd -> [socket, last bytes received, origin, first bytes]: connections whose request is not in yet.
    waiting = {}
    # (deadline, socket) of connections with nothing yet, and with part of a request: each in accept
    # order, which is its deadline order.
    silent = (deque(), deque())
    family = listeners[0].family
    new_socket = socket.SocketType  # the C type: a connection costs no Python-level __init__ or close
    stream = socket.SOCK_STREAM
    dontwait = socket.MSG_DONTWAIT
    linger = LINGER_RESET
    sol_socket, so_linger = socket.SOL_SOCKET, socket.SO_LINGER
    # What is passed on goes out as it comes in, as from the service itself: Nagle's algorithm
    # would hold a response's last partial segment until the client acknowledged the ones ahead.
    no_delay = socket.IPPROTO_TCP, socket.TCP_NODELAY, 1

    def count_reset(origin, first_bytes):
        counters[origin] += 1
        counters[second_slot(counters)] += 1
        if first_bytes:
            counters[method_slot(REQUESTS_RESET, first_bytes.partition(b" ")[0])] += 1

    def reset(conn):
        entry = waiting.pop(conn.fileno(), None)
        reset_connection(conn)
        if entry:
            count_reset(entry[2], entry[3])

    def request_in(conn, tail):
        """Reads what has arrived. True once the request head is in, the client has closed, or the head
        is too large to wait for."""
        try:
            data = conn.recv(READ_LIMIT, dontwait)
        except BlockingIOError:
            return False, tail
        except OSError:
            return True, tail
        seen = tail + data
        return not data or b"\r\n\r\n" in seen or len(data) >= READ_LIMIT, seen[-3:]

    # fd (of either side) -> Exchange, and (deadline, Exchange) of those whose client is to be reset
    # once it has acknowledged every byte passed on.
    exchanges = {}
    draining = deque()
    ends_at = None  # once the window has ended: when what is still passed on is reset

    def exchange(conn, origin, data):
        """Reads a client's connection request by request (see Exchange), from what has arrived:
        None for nothing yet, b"" for a close."""
        ex = Exchange(conn, origin, matches if ends_at is None else None, config, counters)
        conn.setsockopt(*no_delay)
        counters[ACCEPTED + origin] += 1
        exchanges[conn.fileno()] = ex
        if data:
            ex.from_client(data)
        ex.client_open = data is None or bool(data)
        settle(ex)

    def connect(ex):
        """Opens the proxy's own connection to the client's destination, the service."""
        ex.upstream, ex.connecting = new_socket(family, stream), True
        exchanges[ex.upstream.fileno()] = ex
        try:
            # The spared mark keeps the fault's rules off the proxy's own connection (jumps_text).
            ex.upstream.setsockopt(sol_socket, SO_MARK, SPARED)
            ex.upstream.setsockopt(*no_delay)
            if family == socket.AF_INET6:  # an IPv4 client's destination is IPv4-mapped
                ex.upstream.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
            ex.upstream.setblocking(False)
            code = ex.upstream.connect_ex(ex.client.getsockname())
        except OSError:
            code = errno.EIO
        if code not in (0, errno.EINPROGRESS):
            service_gone(ex, False)

    def forget(ex, sock):
        exchanges.pop(sock.fileno(), None)
        if ex.masks.pop(sock, None) is not None:
            ep.unregister(sock.fileno())

    def service_gone(ex, closed):
        """The service's side is over: it closed (the client gets the close, or the reset it is owed),
        or it refused, failed or is no longer needed (the client gets the reset)."""
        if closed:
            ex.service_closed()
        else:
            ex.done = True
        drop_upstream(ex)

    def drop_upstream(ex):
        if ex.upstream is not None:
            forget(ex, ex.upstream)
            ex.upstream.close()
            ex.upstream = None

    def finish(ex, reset_client):
        """The exchange is over: the client's connection is reset (and counted), or closed."""
        drop_upstream(ex)
        forget(ex, ex.client)
        if reset_client:
            reset_connection(ex.client)
            count_reset(ex.origin, None)
        else:
            ex.client.close()

    def settle(ex):
        """After any event of an Exchange: what each side is owed is sent at once, as far as its
        socket takes it (most often all of it, with no wait for epoll to say it can); it connects
        to the service once it has bytes to pass on; its sockets wait for what they need next, or
        it ends."""
        try:
            if ex.to_client:
                ex.to_client = ex.to_client[ex.client.send(ex.to_client, dontwait) :]
        except BlockingIOError:
            pass
        except OSError:
            return finish(ex, False)  # the client is gone: nothing is left to reset
        try:
            if ex.to_upstream and ex.upstream is not None and not ex.connecting:
                ex.to_upstream = ex.to_upstream[ex.upstream.send(ex.to_upstream, dontwait) :]
        except BlockingIOError:
            pass
        except OSError:
            service_gone(ex, False)
        if ex.done and not ex.to_client:
            drop_upstream(ex)
            forget(ex, ex.client)
            draining.append((clock() + SILENT_RESET_SECONDS, ex))
            return
        if ex.close_due and not ex.to_client and ex.client not in ex.shut:
            ex.shut.add(ex.client)
            try:
                ex.client.shutdown(socket.SHUT_WR)
            except OSError:
                pass  # the client is gone: its close, below, follows
        if not (ex.client_open or ex.to_client) and (ex.client in ex.shut or not (ex.upstream or ex.to_upstream)):
            return finish(ex, False)
        if ex.to_upstream and ex.upstream is None and not ex.close_due:
            connect(ex)
        upstream = ex.upstream
        if upstream and not (ex.client_open or ex.connecting or ex.to_upstream or upstream in ex.shut):
            ex.shut.add(upstream)  # the client has sent all it will: so does the proxy
            upstream.shutdown(socket.SHUT_WR)
        for sock, mask in ex.wanted():
            known = ex.masks.get(sock)
            if known is None:
                ep.register(sock.fileno(), mask)
            elif known != mask:
                ep.modify(sock.fileno(), mask)
            ex.masks[sock] = mask

    def on_service(ex, events):
        if ex.connecting:
            ex.connecting = False
            if ex.upstream.getsockopt(sol_socket, socket.SO_ERROR):
                return service_gone(ex, False)  # refused: the client gets the reset
        elif events & (select.EPOLLIN | select.EPOLLHUP | select.EPOLLERR):
            # Read on a hang-up too, even with bytes still to pass on: epoll reports it until then.
            data = ex.upstream.recv(READ_LIMIT, dontwait)
            if not data:
                return service_gone(ex, True)
            ex.from_service(data)
            if ex.done:
                service_gone(ex, False)

    def on_client(ex, events):
        if events & (select.EPOLLIN | select.EPOLLHUP | select.EPOLLERR):
            data = ex.client.recv(READ_LIMIT, dontwait)
            if not data:
                ex.client_open = False
            elif not ex.close_due:
                ex.from_client(data)

    def on_exchange(fd, events):
        ex = exchanges[fd]
        from_client = fd == ex.client.fileno()
        try:
            (on_client if from_client else on_service)(ex, events)
        except BlockingIOError:
            pass
        except OSError:
            if from_client:  # the client is gone (it reset, or its side failed): nothing is left to reset
                return finish(ex, False)
            service_gone(ex, False)
        settle(ex)

    def accept_all(listener, origin):
        accept = listener._accept  # the fd alone: the socket object is made with known family and type
        now = None
        slot = second_slot(counters)
        while True:
            try:
                fd = accept()[0]
            except OSError:
                return  # EAGAIN, or EMFILE: the backlog keeps the rest until the next round
            conn = new_socket(family, stream, 0, fd)
            data = b""
            if not at_connect:
                try:
                    data = conn.recv(READ_LIMIT, dontwait)
                except BlockingIOError:
                    data = None
                except OSError:
                    pass
            if exchanging:
                exchange(conn, origin, data)
                continue
            if data is not None and (not data or len(data) >= READ_LIMIT or b"\r\n\r\n" in data):
                # The common case, inline: the whole request head is in.
                try:
                    conn.setsockopt(sol_socket, so_linger, linger)
                except OSError:
                    pass
                conn.close()
                counters[origin] += 1
                counters[slot] += 1
                if data:
                    counters[method_slot(REQUESTS_RESET, data.partition(b" ")[0])] += 1
                continue
            waiting[fd] = [conn, data[-3:] if data else b"", origin, data[:16] if data else b""]
            ep.register(fd, select.EPOLLIN | select.EPOLLRDHUP)
            if now is None:
                now = clock()
            if data:
                silent[1].append((now + SILENT_RESET_SECONDS, conn))
            else:
                silent[0].append((now + silent_seconds, conn))

    def end_window():
        """The rules are out: what waits is reset, what is passed on goes on, for a while."""
        nonlocal ends_at
        ends_at = clock() + FORWARD_GRACE_SECONDS
        for fd in (config["wardenLifeFd"], stop_signal):
            ep.unregister(fd)
        for conn, _, _, _ in list(waiting.values()):
            reset(conn)
        for origin, listener in enumerate(listeners):
            if exchanging:
                accept_all(listener, origin)  # caught in the window, passed on untouched
            else:
                reset_backlog(listener, counters, origin)
            ep.unregister(listener.fileno())
            listener.close()
        origin_of.clear()
        for ex in set(exchanges.values()):
            ex.end_window()
            settle(ex)

    while ends_at is None or (exchanges or draining) and clock() < ends_at:
        timeout = (stop_at if ends_at is None else ends_at) - clock()
        for queue in silent:
            if queue:
                timeout = min(timeout, queue[0][0] - clock())
        if draining:
            timeout = min(timeout, DRAIN_POLL_SECONDS)
        for fd, events in ep.poll(max(timeout, 0)):
            if fd in origin_of:
                accept_all(listeners[origin_of[fd]], origin_of[fd])
            elif fd == config["wardenLifeFd"] and ends_at is None:
                # The warden is gone: nobody else will take the rules out.
                remove_rules(experiment_id)
                end_window()
            elif fd == stop_signal and ends_at is None:
                end_window()
            elif fd in exchanges:
                on_exchange(fd, events)
            elif fd in waiting:
                entry = waiting[fd]
                done, entry[1] = request_in(entry[0], entry[1])
                if done:
                    reset(entry[0])
        now = clock()
        for queue in silent:
            # Each waits for its deadline, unless it has been reset since.
            while queue and (queue[0][0] <= now or waiting.get(queue[0][1].fileno(), (None,))[0] is not queue[0][1]):
                conn = queue.popleft()[1]
                if waiting.get(conn.fileno(), (None,))[0] is conn:
                    reset(conn)
        for _ in range(len(draining)):
            deadline, ex = draining.popleft()
            if deadline <= now or not unsent(ex.client):
                finish(ex, True)
            else:
                draining.append((deadline, ex))
        if ends_at is None and now >= stop_at:
            # Backstop: the warden should have ended the window before now.
            remove_rules(experiment_id)
            end_window()
    for ex in set(exchanges.values()):
        finish(ex, not ex.idle())  # an idle one closes as a keep-alive timeout would
    for _, ex in draining:
        finish(ex, True)
    return 0


# ---------------------------------------------------------------------------------------------
# warden


def warden_main(experiment_id, config):
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    stop_signal = wakeup_pipe(signal.SIGTERM)
    reason, armed = watch(config, stop_signal)

    # The rules out before the proxy stops: from here on new connections reach the service, and no
    # client is ever dropped; the proxy resets what it holds.
    found = fault_rules(saved_rules(), experiment_id)
    caught = remote_syns_caught(found, experiment_id) if armed else 0
    spared = connections_spared(found, experiment_id) if armed else 0
    removed = remove_rules(experiment_id, found)
    removed += drop_tables_made(config["families"], config["tablesBefore"])
    ended_at = utc_now()
    signal_quietly(config["proxyPid"], signal.SIGTERM)
    if not hangup_poller(config["proxyLifeFd"]).poll(proxy_grace(config)):
        signal_quietly(config["proxyPid"], signal.SIGKILL)
    counters = map_counters(experiment_id)
    for origin, listener in enumerate(adopt_listeners(config)):
        listener.setblocking(False)
        reset_backlog(listener, counters, origin)  # what reached a queue after the proxy stopped
        listener.close()
    end = {
        "reason": reason,
        "startedAt": armed["startedAt"] if armed else None,
        "endedAt": ended_at,
        "removed": removed,
        "remoteSynsCaught": caught,
        "connectionsSpared": spared,
    }
    write_json_atomically(os.path.join(experiment_dir(experiment_id), "end.json"), end)
    try:
        with os.fdopen(config["statusFd"], "w") as status:
            status.write(json.dumps(end))
    except OSError:
        pass  # the command is gone; end.json still says what happened
    return 0


def watch(config, stop_signal):
    """Holds the window open, from the command's word that the rules are in, for DurationSeconds,
    unless something ends it first. Returns why it ended, and the command's word when it came.

    The command's word is one line of JSON on the pipe whose hang-up says the command has died:
    {"armedAt": CLOCK_MONOTONIC seconds, "startedAt": UTC} or {"error": why the rules are not in}.
    """
    ep = select.epoll()
    ep.register(config["commandLifeFd"], select.EPOLLIN)
    ep.register(config["proxyLifeFd"], select.EPOLLHUP)
    ep.register(stop_signal, select.EPOLLIN)
    armed, heard = None, b""
    while True:
        remaining = -1
        if armed:
            remaining = armed["armedAt"] + config["durationSeconds"] - time.monotonic()
            if remaining <= 0:
                return "completed", armed
        fds = [fd for fd, _ in ep.poll(remaining)]
        if stop_signal in fds:
            return "stopped by Cleanup", armed
        if config["proxyLifeFd"] in fds:
            return "reset proxy died", armed
        if config["commandLifeFd"] in fds:
            data = os.read(config["commandLifeFd"], 4096)
            if not data:
                return "SSM command was cancelled or killed", armed
            heard += data
            if heard.endswith(b"\n"):
                word = json.loads(heard.decode())
                if "error" in word:
                    return word["error"], None
                armed = word


# ---------------------------------------------------------------------------------------------
# inject


def parameters():
    env = os.environ
    experiment_id = env.get("SSM_ExperimentId") or "manual-" + time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    return {
        "experimentId": experiment_id,
        "targetPort": int(env["SSM_TargetServicePort"]),
        "interface": env["SSM_NetworkInterface"],
        "durationSeconds": int(env["SSM_DurationSeconds"]),
        "resetPercentage": int(env["SSM_ResetPercentage"]),
        "resetAt": env["SSM_ResetAt"],
        "resetAfterBytes": int(env["SSM_ResetAfterBytes"]),
        "resetMethods": [m for m in env["SSM_ResetMethods"].split(",") if m],
        "resetPaths": [m for m in env["SSM_ResetPaths"].split(",") if m],
    }


def report(summary, details, code):
    """One line of JSON first (what a controller parses), then as much detail for people as fits in
    the 2,500 characters of output SSM returns."""
    line = json.dumps(summary, separators=(",", ":"))
    print(line)
    room = 2500 - len(line) - 1
    for line in details:
        room -= len(line) + 1
        if room < 0:
            break
        print(line)
    sys.stdout.flush()
    return code


def refuse(summary, reason):
    print("http-reset-peer: " + reason, file=sys.stderr)
    return report(dict(summary, error=reason), [], EXIT_PRECONDITION)


def take_lock():
    """The host-wide lock: one injection at a time. The proxy and warden inherit it, so it is held
    until the last process of the fault is gone."""
    fd = open_state_file(os.path.join(STATE_ROOT, "lock"), os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def transparent_listener():
    """A listener TPROXY can hand connections to: it takes only sockets with IP_TRANSPARENT, which
    needs CAP_NET_ADMIN. Dual-stack where the host has IPv6, on a port the kernel picks: no packet
    ever carries that port, since the connections it gets keep their own destination."""
    error = None
    for family, address, level, option in (
        (socket.AF_INET6, "::", socket.IPPROTO_IPV6, IPV6_TRANSPARENT),
        (socket.AF_INET, "0.0.0.0", socket.SOL_IP, IP_TRANSPARENT),
    ):
        try:
            s = socket.socket(family, socket.SOCK_STREAM)
        except OSError as e:  # IPv6 switched off in the kernel
            error = e
            continue
        try:
            if family == socket.AF_INET6:
                s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
            s.setsockopt(level, option, 1)
            s.bind((address, 0))
            s.listen(LISTEN_BACKLOG)
            return s
        except OSError as e:
            s.close()
            error = e
    raise error


def spawn(role, experiment_id, config, fds):
    """Forks a role: a process in a session of its own (the agent's SIGKILL to the command's group
    spares it), holding only the descriptors `fds`, with its standard streams on /dev/null (the agent
    reads the command's output until every holder has closed it). Returns its pid."""
    pid = os.fork()
    if pid:
        return pid
    code = 1
    try:
        os.setsid()
        null = os.open(os.devnull, os.O_RDWR)
        for std in (0, 1, 2):
            os.dup2(null, std)
        keep = set(fds) | {0, 1, 2}
        for fd in [int(name) for name in os.listdir("/proc/self/fd")]:
            if fd not in keep:
                try:
                    os.close(fd)
                except OSError:
                    pass  # the descriptor listdir itself used
        write_pid_file(experiment_id, role)
        code = (proxy_main if role == "proxy" else warden_main)(experiment_id, config)
    finally:
        # Straight out: the parent's Python objects (its sockets, its buffered output) were copied
        # with the fork, and must not be flushed or closed a second time from here.
        os._exit(code)


def self_check_method(p):
    return (p["resetMethods"] or ["GET"])[0]


def self_check(port, families, p):
    """Asks the fault's own port from localhost, as the Harness fault's verification step does, with
    a request the fault resets: the first method and path prefix it names. Its connections are
    marked chosen, so that ResetPercentage never spares them. Under ResetAt=response the service
    answers, and the answer is read to its end: a reset, or a close that says the fault did not
    bite; a method that may change the service's state is then not sent at all.

    Returns what each loopback address saw: "reset", "answered", "unreachable" or "skipped".
    """
    method, path = self_check_method(p), (p["resetPaths"] or ["/"])[0]
    request = "%s %s HTTP/1.1\r\nHost: localhost\r\nUser-Agent: http-reset-peer-self-check\r\n" % (method, path)
    request += ("" if method in ("GET", "HEAD") else "Content-Length: 0\r\n") + "Connection: close\r\n\r\n"
    unsafe = p["resetAt"] == "response" and method not in ("GET", "HEAD", "OPTIONS", "TRACE")
    seen = {}
    for address, family in (("127.0.0.1", "iptables"), ("::1", "ip6tables")):
        if family not in families:
            continue
        if unsafe:
            seen[address] = "skipped"
            continue
        try:
            with socket.socket(socket.AF_INET6 if ":" in address else socket.AF_INET) as s:
                if p["resetPercentage"] < 100:
                    s.setsockopt(socket.SOL_SOCKET, SO_MARK, CHOSEN)
                s.settimeout(SELF_CHECK_TIMEOUT_SECONDS)
                s.connect((address, port))
                s.sendall(request.encode())
                if forwards(p):
                    # The service answers first: only how the answer ends tells.
                    while s.recv(READ_LIMIT):
                        pass
                    seen[address] = "answered"  # a clean close: the fault did not bite
                else:
                    seen[address] = "reset" if not s.recv(1) else "answered"
        except ConnectionResetError:
            seen[address] = "reset"
        except OSError:
            seen[address] = "unreachable"
    return seen


def remote_traffic(remote_resets, caught, remote_read):
    """What remote clients met, by name: reset; read by the proxy, but none sent a request that
    matched; caught by the rules but never reset (something on the instance drops them after the
    rules); or none came at all."""
    if remote_resets:
        return "Reset"
    if caught is None:
        return "Unknown"  # the warden, which reads the rules' counters, was killed
    if remote_read:
        return "NotMatched"
    return "InterceptedNotReset" if caught else "NoRemoteClients"


def requests_by_method(counters, first, uncounted=(b"", 0)):
    """The requests counted from `first`, by method, those that were counted only; the self-check's
    (`uncounted`: its method, and how many) taken out."""
    counts = counters[first : first + len(METHODS) + 1]
    counts[method_slot(0, uncounted[0])] -= uncounted[1]
    return {name: n for name, n in zip([m.decode() for m in METHODS] + ["other"], counts) if n > 0}


def prepare(experiment_id, families, tables_before, p):
    """The proxy's listeners, the experiment's chains and its counters, or why the fault cannot
    bite here. Nothing jumps to the chains yet, so a refusal leaves the host as it was."""
    exp_dir = experiment_dir(experiment_id)
    remove_tree(exp_dir)
    os.makedirs(exp_dir, mode=0o700)
    listeners = []
    try:
        listeners = [transparent_listener() for _ in ORIGINS]
        ports = [s.getsockname()[1] for s in listeners]
        install_rules(families, chains_text(experiment_id, ports, p))
    except OSError as e:
        why = "cannot open a transparent socket for the proxy (%s): the fault needs root" % e.strerror
    except RuntimeError as e:
        why = "the kernel cannot run the fault's rules (%s): it needs TPROXY and the socket match" % e
        why += " (modules xt_TPROXY, nf_tproxy_ipv4, nf_tproxy_ipv6, xt_socket"
        why += ", and for ResetPercentage or ResetAt=response xt_connmark, xt_statistic, xt_mark)" if spares(p) else ")"
    else:
        with os.fdopen(open_state_file(counters_path(experiment_id), os.O_WRONLY | os.O_CREAT), "wb") as f:
            f.write(struct.pack("=%dQ" % (FIRST_SECOND + 1), *([0] * FIRST_SECOND + [int(time.time())])))
            f.truncate(8 * (FIRST_SLOT + p["durationSeconds"] + SLACK_SECONDS))
        return listeners, None
    for s in listeners:
        s.close()
    remove_rules(experiment_id)
    drop_tables_made(families, tables_before)
    remove_tree(exp_dir)
    return None, why


def inject_main():
    p = parameters()
    experiment_id = p["experimentId"]
    summary = {"action": "Inject", "experimentId": experiment_id}
    summary.update(targetPort=p["targetPort"], interface=p["interface"], durationSeconds=p["durationSeconds"])
    summary.update(resetPercentage=p["resetPercentage"], resetAt=p["resetAt"], resetAfterBytes=p["resetAfterBytes"])
    summary.update(resetMethods=",".join(p["resetMethods"]), resetPaths=",".join(p["resetPaths"]))
    lock = take_lock()
    if lock is None:
        holders = sorted({e for _, _, e in fault_processes()})
        return refuse(summary, "another injection is active on this instance (%s)" % (", ".join(holders) or "starting"))
    families, saved, tables_before = survey()
    if fault_rules(saved):
        return refuse(summary, "rules of an earlier injection remain; run the document with Action=Cleanup first")
    if "iptables" not in families:
        return refuse(summary, "iptables cannot use the nat table on this instance")
    listeners, why = prepare(experiment_id, families, tables_before, p)
    if why:
        return refuse(summary, why)
    counters_fd = open_state_file(counters_path(experiment_id), os.O_RDONLY)

    listen_fds = [s.fileno() for s in listeners]
    # Pipes that tell one process another has died; each is held open for writing by one process only.
    command_life_r, command_life_w = os.pipe()  # this command -> warden
    proxy_life_r, proxy_life_w = os.pipe()  # proxy -> warden
    warden_life_r, warden_life_w = os.pipe()  # warden -> proxy (this command holds it until the warden starts)
    # command_life also carries the command's word to the warden: the rules are in, or why not.
    status_r, status_w = os.pipe()  # warden -> this command: how the window ended
    shared = {"listenFds": listen_fds, "listenFamily": listeners[0].family}
    # Started before the forks, which make every page this process then writes a copy, and
    # slow; their input, the jumps, comes once the warden exists.
    restores = start_restores(families)
    proxy_config = dict(p, wardenLifeFd=warden_life_r, stopAfterSeconds=p["durationSeconds"] + 3, **shared)
    proxy_pid = spawn("proxy", experiment_id, proxy_config, listen_fds + [warden_life_r, proxy_life_w, lock])
    os.close(proxy_life_w)
    spawn(
        "warden",
        experiment_id,
        dict(
            p,
            families=families,
            tablesBefore=tables_before,
            proxyPid=proxy_pid,
            commandLifeFd=command_life_r,
            proxyLifeFd=proxy_life_r,
            statusFd=status_w,
            **shared
        ),
        # The warden keeps a copy of the listening sockets: see the module's docstring.
        listen_fds + [command_life_r, proxy_life_r, warden_life_w, status_w, lock],
    )
    for fd in (warden_life_w, status_w, command_life_r, proxy_life_r, warden_life_r):
        os.close(fd)
    for s in listeners:
        s.close()

    # The warden exists, and takes out whatever goes in if this command dies from here on.
    try:
        jumps = jumps_text(experiment_id, p["interface"], p["targetPort"], p)
        finish_restores(families, restores, jumps)
    except RuntimeError as e:
        word = {"error": "could not put the rules in: %s" % e}
    else:
        word = {"armedAt": time.monotonic(), "startedAt": utc_now()}
    os.write(command_life_w, (json.dumps(word) + "\n").encode())
    armed_epoch = time.time()
    checks = {} if "error" in word else self_check(p["targetPort"], families, p)
    with os.fdopen(status_r) as status:
        told = status.read()
    ended_epoch = time.time()
    # The warden is gone. Wait for the proxy too, then make sure, and clean up whatever remains.
    wait_until(lambda: not fault_processes(experiment_id), proxy_grace(p) + 1)
    leftovers = cleanup_experiment(experiment_id) if still_active(experiment_id) else []
    restored = not still_active(experiment_id)

    try:
        end = json.loads(told)
    except ValueError:  # the warden told nothing, or was killed as it told
        end = read_json(os.path.join(experiment_dir(experiment_id), "end.json"))
    if end is None:  # the warden was killed: the proxy took the rules out
        end = {"reason": "warden died", "endedAt": utc_now(), "removed": [], "remoteSynsCaught": None}
        end["connectionsSpared"] = None
    counters = read_counters(counters_fd) or [0] * (FIRST_SECOND + 1)
    remove_tree(experiment_dir(experiment_id))
    remote, self_resets = counters[REMOTE], list(checks.values()).count("reset")
    local = max(counters[LOCAL] - self_resets, 0)
    series = None
    if "error" not in word and len(counters) > FIRST_SLOT:
        series = reset_series(counters, armed_epoch, ended_epoch, self_resets)
    met = remote_traffic(remote, end["remoteSynsCaught"], counters[ACCEPTED + REMOTE])
    verified_by = (["remote peers"] if remote else []) + (["localhost"] if "reset" in checks.values() else [])
    verified = bool(verified_by) and "answered" not in checks.values() and met != "InterceptedNotReset"
    summary.update(
        startedAt=word.get("startedAt"),
        endedAt=end["endedAt"],
        connectionsReset=remote + local,
        remoteConnectionsReset=remote,
        localConnectionsReset=local,
        remoteSynsCaught=end["remoteSynsCaught"],
        connectionsSpared=end.get("connectionsSpared"),
        requestsReset=requests_by_method(counters, REQUESTS_RESET, (self_check_method(p).encode(), self_resets)),
        requestsForwarded=requests_by_method(counters, REQUESTS_FORWARDED),
        remoteTraffic=met,
        resetSeries=series,
        selfCheck=checks,
        verified=verified,
        verifiedBy=verified_by,
        restored=restored,
        ipv6="ip6tables" in families,
        outcome=end["reason"],
    )
    if end["reason"] != "completed":
        summary["error"] = end["reason"] if "error" in word else "fault ended early: " + end["reason"]
    elif not restored:
        summary["error"] = "the instance could not be restored"
    elif met == "InterceptedNotReset":
        summary["error"] = (
            "%d connection attempts from remote peers were caught but none was reset: something on the"
            " instance drops them (a firewall that does not let them reach the port?)" % end["remoteSynsCaught"]
        )
    details = [
        "http-reset-peer %s: port %d on %s, %s"
        % (experiment_id, p["targetPort"], p["interface"], "IPv4 and IPv6" if summary["ipv6"] else "IPv4 only"),
        "outcome: %s; remote peers: %s; verified by: %s"
        % (end["reason"], met, ", ".join(verified_by) or "nothing (the fault was NOT seen to bite)"),
    ]
    details += ["removed: " + r for r in end["removed"] + leftovers][:20]
    return report(summary, details, EXIT_FAILED if "error" in summary else 0)


# ---------------------------------------------------------------------------------------------
# cleanup


def still_active(experiment_id=None):
    return bool(fault_processes(experiment_id)) or rules_remain(experiment_id)


def cleanup_experiment(experiment_id=None):
    """Stops the fault's processes (the warden first, so that it takes its rules out in order),
    then removes whatever rules remain. Returns what it removed."""
    removed = []
    for pid, role, exp in fault_processes(experiment_id):
        if role == "warden":
            signal_quietly(pid, signal.SIGTERM)
            removed.append("warden process %d of experiment %s, stopped" % (pid, exp))
    wait_until(lambda: not [1 for _, role, _ in fault_processes(experiment_id) if role == "warden"], 2.0)
    removed += remove_rules(experiment_id)
    for pid, role, exp in fault_processes(experiment_id):
        signal_quietly(pid, signal.SIGKILL)
        removed.append("%s process %d of experiment %s, killed" % (role, pid, exp))
    wait_until(lambda: not fault_processes(experiment_id), 2.0)
    return removed


def cleanup_main():
    experiment_id = os.environ.get("SSM_ExperimentId") or None
    removed = cleanup_experiment(experiment_id)
    root = os.path.join(STATE_ROOT, "experiments")
    for name in sorted(os.listdir(root)) if os.path.isdir(root) else []:
        if experiment_id in (None, name):
            remove_tree(os.path.join(root, name))
            removed.append("state of experiment %s" % name)
    restored = not still_active(experiment_id)
    if experiment_id is None and restored and take_lock() is not None:
        # Nothing of the fault runs (we hold its lock): the lock file and the program go too.
        remove_tree(STATE_ROOT)
    summary = {
        "action": "Cleanup",
        "experimentId": experiment_id or "",
        "removed": len(removed),
        "restored": restored,
        "endedAt": utc_now(),
    }
    details = ["removed: " + r for r in removed][:30] or ["nothing of the fault was present"]
    return report(summary, details, 0 if restored else EXIT_FAILED)


def symlinks_in_state():
    """The state directory's own entries that are symbolic links: the fault follows none of them."""
    root = os.path.join(STATE_ROOT, "experiments")
    paths = [os.path.join(STATE_ROOT, "lock"), root]
    if os.path.isdir(root) and not os.path.islink(root):
        paths += [os.path.join(root, name) for name in os.listdir(root)]
    return [os.path.relpath(path, STATE_ROOT) for path in paths if os.path.islink(path)]


def main(argv):
    role = argv[1] if len(argv) > 1 else ""
    if role not in ("inject", "cleanup"):
        print("usage: python3 -m http_reset_peer inject|cleanup", file=sys.stderr)
        return 2
    links = symlinks_in_state()
    if links:
        summary = {"action": role.capitalize(), "experimentId": os.environ.get("SSM_ExperimentId", "")}
        return refuse(summary, "the state directory holds symbolic links (%s): remove them" % ", ".join(links))
    return inject_main() if role == "inject" else cleanup_main()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
