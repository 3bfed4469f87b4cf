"""EC2 HTTP reset peer: the part of the fault that runs on the instance once its inputs are checked.

Python 3.6 or newer, standard library only. One file, four roles, chosen by the first argument:

  inject   the SSM command itself. Holds the host-wide lock, starts the proxy and the warden,
           checks the fault from localhost, waits for the window to end, prints the report.
  proxy    accepts every redirected connection, reads the request and resets the connection.
  warden   owns the firewall rules: puts them in once the proxy listens, takes them out when the
           window ends, the command dies, the proxy dies, or Cleanup asks.
  cleanup  removes every rule, process and state file of one experiment, or of all of them.

The SSM agent ends a cancelled or timed-out command with SIGKILL to its process group, so no
handler of ours runs then. The proxy and the warden therefore live in sessions of their own and
watch each other, and the warden watches the command, through pipes: the kernel closes a dead
process's descriptors at once, and the survivor sees the pipe hang up. The warden also holds a
copy of the proxy's listening socket, so that if the proxy dies, new connections wait in its
backlog (and are reset when the warden closes it) instead of being refused.
"""

import errno
import fcntl
import hashlib
import json
import os
import select
import shlex
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time
from collections import deque

STATE_ROOT = os.environ.get("HTTP_RESET_PEER_STATE_DIR") or "/run/http-reset-peer"
SCRIPT = os.path.abspath(__file__)
CHAIN_PREFIX = "HRP-"
RULE_COMMENT = "http-reset-peer"

EXIT_FAILED = 1  # the fault ran but did not complete as asked
EXIT_PRECONDITION = 3  # refused before touching the host

LISTEN_BACKLOG = 4096
READ_LIMIT = 65536  # a request head larger than this is reset without waiting for its end
SILENT_RESET_SECONDS = 1.0  # a connection that sends nothing is reset after this long
DEFER_ACCEPT_SECONDS = 1  # the kernel holds a connection back until its first data, this long at most
SILENT_AFTER_DEFER_SECONDS = 0.2  # a deferred connection that still has nothing gets this much longer
STATS_EVERY_SECONDS = 1.0
PROXY_GRACE_SECONDS = 1.0  # how long the warden waits for the proxy to stop before SIGKILL
SELF_CHECK_TIMEOUT_SECONDS = 2.0
LINGER_RESET = struct.pack("ii", 1, 0)


def utc_now():
    t = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".%03dZ" % int((t % 1) * 1000)


def experiment_dir(experiment_id):
    return os.path.join(STATE_ROOT, "experiments", experiment_id)


def write_json_atomically(path, value):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(value, f)
    os.rename(tmp, path)


def read_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


# ---------------------------------------------------------------------------------------------
# Firewall rules


def chain_tag(experiment_id):
    """Chain names are limited to 28 characters, so an experiment's chains carry a digest of its id."""
    return CHAIN_PREFIX + hashlib.sha256(experiment_id.encode()).hexdigest()[:8].upper() + "-"


def ip_families():
    """The iptables binaries to act through: ip6tables only where the host has IPv6 and a NAT table."""
    families = []
    if run(["iptables", "-w", "-t", "nat", "-S", "OUTPUT"])[0] == 0:
        families.append("iptables")
    if os.path.exists("/proc/net/if_inet6") and run(["ip6tables", "-w", "-t", "nat", "-S", "OUTPUT"])[0] == 0:
        families.append("ip6tables")
    return families


def run(argv, stdin_text=None):
    try:
        p = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            universal_newlines=True,
        )
    except OSError as e:
        return 127, "", str(e)
    out, err = p.communicate(stdin_text)
    return p.returncode, out, err


def rules_text(experiment_id, interface, port, proxy_port):
    """The rules of one experiment, in iptables-restore form: each table goes in whole or not at all.

    Every jump is inserted first in its parent chain, ahead of Docker's or kube-proxy's DNAT.
    """
    tag = chain_tag(experiment_id)
    comment = '-m comment --comment "%s %s"' % (RULE_COMMENT, experiment_id)
    redirect = "-p tcp -j REDIRECT --to-ports %d" % proxy_port
    return "\n".join(
        [
            "*nat",
            ":%sIN - [0:0]" % tag,
            ":%sLOCAL - [0:0]" % tag,
            "-A %sIN %s" % (tag, redirect),
            "-A %sLOCAL %s" % (tag, redirect),
            # New connections arriving on the interface.
            "-I PREROUTING 1 -i %s -p tcp --dport %d %s -j %sIN" % (interface, port, comment, tag),
            # New connections from the instance to itself, such as `curl localhost:PORT`.
            "-I OUTPUT 1 -p tcp --dport %d -m addrtype --dst-type LOCAL %s -j %sLOCAL" % (port, comment, tag),
            "COMMIT",
            "*filter",
            ":%sOPEN - [0:0]" % tag,
            # Connections opened before the fault are not NATed: reset them on their next packet.
            "-A %sOPEN -p tcp -m conntrack --ctstate ESTABLISHED -j REJECT --reject-with tcp-reset" % tag,
            "-I INPUT 1 -i %s -p tcp --dport %d %s -j %sOPEN" % (interface, port, comment, tag),
            "-I INPUT 1 -i lo -p tcp --dport %d %s -j %sOPEN" % (port, comment, tag),
            "COMMIT",
            "",
        ]
    )


def install_rules(families, experiment_id, interface, port, proxy_port):
    text = rules_text(experiment_id, interface, port, proxy_port)
    for family in families:
        code, _, err = run([family + "-restore", "-w", "--noflush"], text)
        if code != 0:
            raise RuntimeError("%s-restore failed: %s" % (family, err.strip().splitlines()[-1:] or code))


def our_chains(family, table, tag):
    code, out, _ = run([family, "-w", "-t", table, "-S"])
    if code != 0:
        return [], []
    lines = [shlex.split(line) for line in out.splitlines()]
    chains = [w[1] for w in lines if len(w) == 2 and w[0] == "-N" and w[1].startswith(tag)]
    jumps = [w[1:] for w in lines if len(w) > 3 and w[0] == "-A" and w[-2] == "-j" and w[-1] in chains]
    return chains, jumps


def remove_rules(experiment_id=None, chains=True):
    """Takes out the jumps into our chains, then (with chains=True) the chains. Idempotent.

    Two steps because the chains keep conntrack alive in the namespace: on a host with no other
    NAT or conntrack rule, deleting them at once would stop the kernel translating the RSTs of
    connections still on the proxy, and those clients would hang instead of being reset.
    Returns what it removed.
    """
    tag = chain_tag(experiment_id) if experiment_id else CHAIN_PREFIX
    removed = []
    for family in ("iptables", "ip6tables"):
        for table in ("nat", "filter"):
            ours, jumps = our_chains(family, table, tag)
            for jump in jumps:
                if jump[0] not in ours and run([family, "-w", "-t", table, "-D"] + jump)[0] == 0:
                    removed.append("%s %s rule %s -> %s" % (family, table, jump[0], jump[-1]))
            for chain in ours if chains else []:
                run([family, "-w", "-t", table, "-F", chain])
                if run([family, "-w", "-t", table, "-X", chain])[0] == 0:
                    removed.append("%s %s chain %s" % (family, table, chain))
    return removed


def rules_remain(experiment_id=None):
    tag = chain_tag(experiment_id) if experiment_id else CHAIN_PREFIX
    return any(our_chains(f, t, tag)[0] for f in ("iptables", "ip6tables") for t in ("nat", "filter"))


# ---------------------------------------------------------------------------------------------
# Processes of the fault


def fault_processes(experiment_id=None):
    """(pid, role, experiment) of every live proxy and warden, found by their command line.

    A zombie is dead for our purposes: it holds no socket and no lock.
    """
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == os.getpid():
            continue
        try:
            with open("/proc/%s/cmdline" % name, "rb") as f:
                argv = f.read().decode(errors="replace").split("\0")
            with open("/proc/%s/stat" % name) as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state in ("Z", "X") or len(argv) < 4 or argv[1] != SCRIPT or argv[2] not in ("proxy", "warden"):
            continue
        if experiment_id is None or argv[3] == experiment_id:
            found.append((int(name), argv[2], argv[3]))
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


def reset_backlog(listener):
    """Accepts and resets every connection waiting in the listener's queue; returns how many."""
    count = 0
    while True:
        try:
            conn, _ = listener.accept()
        except OSError:
            return count
        reset_connection(conn)
        count += 1


# ---------------------------------------------------------------------------------------------
# proxy


def proxy_main(experiment_id, config):
    """Resets every connection it accepts, once the request has arrived or the client stayed silent.

    The hot path, one connection: accept, read, SO_LINGER, close. With TCP_DEFER_ACCEPT the kernel
    hands over a connection only once its request has arrived, so it is rarely watched at all; one
    that comes without data has stayed silent for the whole deferral (or comes through SYN cookies)
    and is given a short last chance; one with part of a request gets the whole silent deadline.
    Closing a socket also takes it out of the epoll set.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    stop_signal = wakeup_pipe(signal.SIGTERM)
    listener = socket.socket(config["listenFamily"], socket.SOCK_STREAM, 0, config["listenFd"])
    listener.setblocking(False)
    silent_seconds = SILENT_RESET_SECONDS
    try:
        listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_DEFER_ACCEPT, DEFER_ACCEPT_SECONDS)
        silent_seconds = SILENT_RESET_SECONDS - DEFER_ACCEPT_SECONDS + SILENT_AFTER_DEFER_SECONDS
    except (AttributeError, OSError):
        pass  # not Linux: every connection is watched from its accept on
    stop_at = time.monotonic() + config["stopAfterSeconds"]
    stats_path = os.path.join(experiment_dir(experiment_id), "stats.json")

    ep = select.epoll()
    ep.register(listener.fileno(), select.EPOLLIN)
    ep.register(config["wardenLifeFd"], select.EPOLLHUP)
    ep.register(stop_signal, select.EPOLLIN)
    waiting = {}  # fd -> [socket, last bytes received]: connections whose request is not in yet
    # (deadline, socket) of connections with nothing yet, and with part of a request: each in accept
    # order, which is its deadline order.
    silent = (deque(), deque())
    resets = 0
    accept = listener._accept  # the fd alone: the socket object is made with known family and type
    family = listener.family
    new_socket = socket.socket
    stream = socket.SOCK_STREAM
    dontwait = socket.MSG_DONTWAIT
    linger = LINGER_RESET
    sol_socket, so_linger = socket.SOL_SOCKET, socket.SO_LINGER

    def reset(conn):
        nonlocal resets
        waiting.pop(conn.fileno(), None)
        reset_connection(conn)
        resets += 1

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

    def accept_all():
        nonlocal resets
        now = None
        while True:
            try:
                fd = accept()[0]
            except OSError:
                return  # EAGAIN, or EMFILE: the backlog keeps the rest until the next round
            conn = new_socket(family, stream, 0, fd)
            try:
                data = conn.recv(READ_LIMIT, dontwait)
            except BlockingIOError:
                data = None
            except OSError:
                data = b""
            if data is not None and (not data or len(data) >= READ_LIMIT or b"\r\n\r\n" in data):
                # The common case, inline: the whole request head is in.
                try:
                    conn.setsockopt(sol_socket, so_linger, linger)
                except OSError:
                    pass
                conn.close()
                resets += 1
                continue
            waiting[fd] = [conn, data[-3:] if data else b""]
            ep.register(fd, select.EPOLLIN | select.EPOLLRDHUP)
            if now is None:
                now = time.monotonic()
            if data:
                silent[1].append((now + SILENT_RESET_SECONDS, conn))
            else:
                silent[0].append((now + silent_seconds, conn))

    stopping = orphaned = False
    written = None
    next_stats = 0.0
    while not stopping:
        timeout = STATS_EVERY_SECONDS
        for queue in silent:
            if queue:
                timeout = min(timeout, max(queue[0][0] - time.monotonic(), 0))
        for fd, _ in ep.poll(timeout):
            if fd == listener.fileno():
                accept_all()
            elif fd == config["wardenLifeFd"]:
                # The warden is gone: nobody else will take the rules out.
                remove_rules(experiment_id, chains=False)
                orphaned = stopping = True
            elif fd == stop_signal:
                stopping = True
            elif fd in waiting:
                entry = waiting[fd]
                done, entry[1] = request_in(entry[0], entry[1])
                if done:
                    reset(entry[0])
        now = time.monotonic()
        for queue in silent:
            while queue and (queue[0][1].fileno() == -1 or queue[0][0] <= now):
                conn = queue.popleft()[1]
                if conn.fileno() != -1:
                    reset(conn)
        if now >= stop_at:
            # Backstop: the warden should have ended the window before now.
            remove_rules(experiment_id, chains=False)
            orphaned = stopping = True
        if resets != written and (stopping or now >= next_stats):
            write_json_atomically(stats_path, {"connectionsReset": resets})
            written, next_stats = resets, now + STATS_EVERY_SECONDS
    for conn, _ in list(waiting.values()):
        reset(conn)
    resets += reset_backlog(listener)
    listener.close()
    if orphaned:
        remove_rules(experiment_id)
    write_json_atomically(stats_path, {"connectionsReset": resets})
    return 0


# ---------------------------------------------------------------------------------------------
# warden


def warden_main(experiment_id, config):
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    stop_signal = wakeup_pipe(signal.SIGTERM)
    status = os.fdopen(config["statusFd"], "w", buffering=1)
    exp_dir = experiment_dir(experiment_id)

    def tell(message):
        try:
            status.write(json.dumps(message) + "\n")
        except OSError:
            pass  # the command is gone; end.json still says what happened

    started_at = None
    try:
        install_rules(
            config["families"], experiment_id, config["interface"], config["targetPort"], config["proxyPort"]
        )
    except RuntimeError as e:
        reason = "could not put the rules in: %s" % e
    else:
        started_at = utc_now()
        reason = watch(config, stop_signal, time.monotonic() + config["durationSeconds"], tell, started_at)

    # Jumps out before the proxy stops, so that no client is ever refused; chains out once no
    # redirected connection is left (see remove_rules).
    removed = remove_rules(experiment_id, chains=False)
    ended_at = utc_now()
    signal_quietly(config["proxyPid"], signal.SIGTERM)
    if not hangup_poller(config["proxyLifeFd"]).poll(PROXY_GRACE_SECONDS):
        signal_quietly(config["proxyPid"], signal.SIGKILL)
    listener = socket.socket(config["listenFamily"], socket.SOCK_STREAM, 0, config["listenFd"])
    listener.setblocking(False)
    drained = reset_backlog(listener)  # what reached the queue after the proxy stopped
    listener.close()
    removed += remove_rules(experiment_id)
    stats = read_json(os.path.join(exp_dir, "stats.json")) or {}
    end = {
        "event": "ended",
        "reason": reason,
        "startedAt": started_at,
        "endedAt": ended_at,
        "removed": removed,
        "connectionsReset": stats.get("connectionsReset", 0) + drained,
    }
    write_json_atomically(os.path.join(exp_dir, "end.json"), end)
    tell(end)
    return 0


def watch(config, stop_signal, deadline, tell, started_at):
    """Holds the window open until it ends or something ends it; returns why it ended."""
    tell({"event": "armed", "startedAt": started_at})
    ep = hangup_poller(config["commandLifeFd"], config["proxyLifeFd"])
    ep.register(stop_signal, select.EPOLLIN)
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return "completed"
        fds = [fd for fd, _ in ep.poll(remaining)]
        if stop_signal in fds:
            return "stopped by Cleanup"
        if config["proxyLifeFd"] in fds:
            return "reset proxy died"
        if config["commandLifeFd"] in fds:
            return "SSM command was cancelled or killed"


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
    }


def report(summary, details, code):
    """One line of JSON first (what a controller parses), then detail for people."""
    print(json.dumps(summary, separators=(",", ":")))
    for line in details:
        print(line)
    sys.stdout.flush()
    return code


def refuse(summary, reason):
    print("http-reset-peer: " + reason, file=sys.stderr)
    return report(dict(summary, error=reason), [], EXIT_PRECONDITION)


def take_lock():
    """The host-wide lock: one injection at a time. The proxy and warden inherit it, so it is held
    until the last process of the fault is gone."""
    fd = os.open(os.path.join(STATE_ROOT, "lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def bind_any(family, address, port):
    s = socket.socket(family, socket.SOCK_STREAM)
    try:
        if family == socket.AF_INET6:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((address, port))
    except OSError:
        s.close()
        raise
    return s


def bound_socket(port):
    """Dual-stack where the host has IPv6, else IPv4 only. Raises OSError when the port is taken."""
    try:
        return bind_any(socket.AF_INET6, "::", port)
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise
    return bind_any(socket.AF_INET, "0.0.0.0", port)


def listening_socket():
    """On the port the last injection's proxy used, when it is free; else on one the kernel picks.

    Connections an injection reset stay in conntrack for a while (CLOSE, 10 s), redirected to its
    proxy's port: a client reusing such a source port during the next injection reaches that port
    again, and must meet a proxy there, not a refusal."""
    path = os.path.join(STATE_ROOT, "proxy-port")
    try:
        with open(path) as f:
            remembered = int(f.read())
    except (OSError, ValueError):
        remembered = 0
    try:
        s = bound_socket(remembered)
    except OSError:
        s = bound_socket(0)
    s.listen(LISTEN_BACKLOG)
    with open(path, "w") as f:
        f.write(str(s.getsockname()[1]))
    return s


def spawn(role, experiment_id, config, fds):
    return subprocess.Popen(
        [sys.executable, SCRIPT, role, experiment_id, json.dumps(config)],
        pass_fds=fds,
        start_new_session=True,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def self_check(port, families):
    """Asks the fault's own port from localhost, as the Harness fault's verification step does.

    Returns (verified, resets): verified when at least one check was reset and none was answered.
    """
    outcomes = []
    for address, family in (("127.0.0.1", "iptables"), ("::1", "ip6tables")):
        if family not in families:
            continue
        try:
            with socket.create_connection((address, port), timeout=SELF_CHECK_TIMEOUT_SECONDS) as s:
                s.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\nUser-Agent: http-reset-peer-self-check\r\n\r\n")
                outcomes.append("reset" if not s.recv(1) else "answered")
        except ConnectionResetError:
            outcomes.append("reset")
        except OSError:
            outcomes.append("unreachable")
    return "reset" in outcomes and "answered" not in outcomes, outcomes.count("reset")


def inject_main():
    p = parameters()
    experiment_id = p["experimentId"]
    summary = {"action": "Inject", "experimentId": experiment_id}
    summary.update(targetPort=p["targetPort"], interface=p["interface"], durationSeconds=p["durationSeconds"])
    lock = take_lock()
    if lock is None:
        holders = sorted({e for _, _, e in fault_processes()})
        return refuse(summary, "another injection is active on this instance (%s)" % (", ".join(holders) or "starting"))
    if rules_remain():
        return refuse(summary, "rules of an earlier injection remain; run the document with Action=Cleanup first")
    families = ip_families()
    if "iptables" not in families:
        return refuse(summary, "iptables cannot use the nat table on this instance")

    exp_dir = experiment_dir(experiment_id)
    shutil.rmtree(exp_dir, ignore_errors=True)
    os.makedirs(exp_dir, mode=0o700)
    listener = listening_socket()
    # Pipes that tell one process another has died; each is held open for writing by one process only.
    command_life_r, command_life_w = os.pipe()  # this command -> warden
    proxy_life_r, proxy_life_w = os.pipe()  # proxy -> warden
    warden_life_r, warden_life_w = os.pipe()  # warden -> proxy (this command holds it until the warden starts)
    status_r, status_w = os.pipe()  # warden -> this command: armed, ended
    proxy = spawn(
        "proxy",
        experiment_id,
        {
            "listenFd": listener.fileno(),
            "listenFamily": listener.family,
            "wardenLifeFd": warden_life_r,
            "stopAfterSeconds": p["durationSeconds"] + 3,
        },
        [listener.fileno(), warden_life_r, proxy_life_w, lock],
    )
    os.close(proxy_life_w)
    spawn(
        "warden",
        experiment_id,
        dict(
            p,
            families=families,
            proxyPort=listener.getsockname()[1],
            listenFd=listener.fileno(),
            listenFamily=listener.family,
            proxyPid=proxy.pid,
            commandLifeFd=command_life_r,
            proxyLifeFd=proxy_life_r,
            statusFd=status_w,
        ),
        # The warden keeps a copy of the listening socket: see the module's docstring.
        [listener.fileno(), command_life_r, proxy_life_r, warden_life_w, status_w, lock],
    )
    for fd in (warden_life_w, status_w, command_life_r, proxy_life_r, warden_life_r):
        os.close(fd)
    listener.close()

    status = os.fdopen(status_r)
    first = status.readline()
    messages = [json.loads(first)] if first else []
    verified, self_resets = False, 0
    if messages and messages[0]["event"] == "armed":
        verified, self_resets = self_check(p["targetPort"], families)
    messages += [json.loads(line) for line in status]
    # The warden is gone. Wait for the proxy too, then make sure, and clean up whatever remains.
    wait_until(lambda: not fault_processes(experiment_id), PROXY_GRACE_SECONDS + 1)
    leftovers = cleanup_experiment(experiment_id) if still_active(experiment_id) else []
    restored = not still_active(experiment_id)

    by_event = {m["event"]: m for m in messages}
    end = by_event.get("ended") or read_json(os.path.join(exp_dir, "end.json"))
    if end is None:  # the warden was killed: the proxy took the rules out
        stats = read_json(os.path.join(exp_dir, "stats.json")) or {}
        end = {"reason": "warden died", "endedAt": utc_now(), "removed": [], "connectionsReset": stats.get("connectionsReset", 0)}
    shutil.rmtree(exp_dir, ignore_errors=True)
    completed = end["reason"] == "completed" and restored
    summary.update(
        startedAt=by_event.get("armed", {}).get("startedAt"),
        endedAt=end["endedAt"],
        connectionsReset=max(end["connectionsReset"] - self_resets, 0),
        verified=verified,
        restored=restored,
        ipv6="ip6tables" in families,
        outcome=end["reason"],
    )
    if not completed:
        summary["error"] = end["reason"] if "armed" not in by_event else "fault ended early: " + end["reason"]
    details = [
        "http-reset-peer %s: port %d on %s, %s"
        % (experiment_id, p["targetPort"], p["interface"], "IPv4 and IPv6" if summary["ipv6"] else "IPv4 only"),
        "outcome: %s; the self-check from localhost %s" % (end["reason"], "was reset" if verified else "was NOT reset"),
    ]
    details += ["removed: " + r for r in end["removed"] + leftovers][:20]
    return report(summary, details, 0 if completed else EXIT_FAILED)


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
            shutil.rmtree(os.path.join(root, name), ignore_errors=True)
            removed.append("state of experiment %s" % name)
    restored = not still_active(experiment_id)
    if experiment_id is None and restored and take_lock() is not None:
        # Nothing of the fault runs (we hold its lock): the lock file and the program go too.
        shutil.rmtree(STATE_ROOT, ignore_errors=True)
    summary = {
        "action": "Cleanup",
        "experimentId": experiment_id or "",
        "removed": len(removed),
        "restored": restored,
        "endedAt": utc_now(),
    }
    details = ["removed: " + r for r in removed][:30] or ["nothing of the fault was present"]
    return report(summary, details, 0 if restored else EXIT_FAILED)


def main(argv):
    role = argv[1] if len(argv) > 1 else ""
    if role == "inject":
        return inject_main()
    if role == "cleanup":
        return cleanup_main()
    if role in ("proxy", "warden") and len(argv) == 4:
        entry = proxy_main if role == "proxy" else warden_main
        return entry(argv[2], json.loads(argv[3]))
    print("usage: reset_peer.py inject|cleanup", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
