"""Action=Inject: the SSM command itself. Takes the host-wide lock, makes the proxy's listeners and
the experiment's chains, forks the proxy and the warden, puts the jumps in once the warden exists,
checks the fault from localhost, waits for the window to end and prints the report."""

import json
import os
import time

from .clients import summary as clients_summary, without_self_check
from .clock import utc_now
from .cleanup import cleanup_experiment, still_active
from .counters import (
    ACCEPTED,
    FIRST_SECOND,
    FIRST_SLOT,
    LOCAL,
    ORIGINS,
    REMOTE,
    REQUESTS_FORWARDED,
    REQUESTS_RESET,
    counters_path,
    create_counters,
    read_counters,
    requests_by_method,
)
from .observe import Seen
from .firewall import drop_tables_made, fault_rules, finish_restores, install_rules, remove_rules, start_restores, survey
from .parameters import Parameters
from .processes import fault_processes, wait_until, write_pid_file
from .proxy import Listeners, ProxySetup, proxy_main
from .report import EXIT_FAILED, FULL_OUTPUT_BUDGET, refuse, report
from .rules import chains_text, jumps_text
from .self_check import self_check, self_check_request
from .series import reset_series
from .sockets import transparent_listener
from .state import experiment_dir, open_state_file, read_json, remove_tree, take_lock
from .warden import WardenSetup, warden_main

# Seconds past its window after which the proxy ends it itself, should the warden not.
PROXY_BACKSTOP_SECONDS = 3


def spawn(role, experiment_id, setup, fds):
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
        code = (proxy_main if role == "proxy" else warden_main)(experiment_id, setup)
    finally:
        # Straight out: the parent's Python objects (its sockets, its buffered output) were copied
        # with the fork, and must not be flushed or closed a second time from here.
        os._exit(code)


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


def prepare(families, tables_before, parameters):
    """The proxy's listeners, the experiment's chains and its counters, or why the fault cannot
    bite here. Nothing jumps to the chains yet, so a refusal leaves the host as it was."""
    experiment_id = parameters.experiment_id
    exp_dir = experiment_dir(experiment_id)
    remove_tree(exp_dir)
    os.makedirs(exp_dir, mode=0o700)
    listeners = []
    try:
        listeners = [transparent_listener() for _ in ORIGINS]
        ports = [s.getsockname()[1] for s in listeners]
        install_rules(families, chains_text(ports, parameters))
    except OSError as e:
        why = "cannot open a transparent socket for the proxy (%s): the fault needs root" % e.strerror
    except RuntimeError as e:
        why = "the kernel cannot run the fault's rules (%s): it needs TPROXY and the socket match" % e
        why += " (modules xt_TPROXY, nf_tproxy_ipv4, nf_tproxy_ipv6, xt_socket, xt_recent"
        why += ", and for ResetPercentage or ResetAt=response xt_connmark, xt_statistic, xt_mark)" if parameters.spares else ")"
    else:
        create_counters(experiment_id, parameters.duration_seconds)
        return listeners, None
    for s in listeners:
        s.close()
    remove_rules(experiment_id)
    drop_tables_made(families, tables_before)
    remove_tree(exp_dir)
    return None, why


def inject_main():
    parameters = Parameters.from_environment(os.environ)
    experiment_id = parameters.experiment_id
    summary = dict({"action": "Inject", "experimentId": experiment_id}, **parameters.summary())
    lock = take_lock()
    if lock is None:
        holders = sorted({process.experiment_id for process in fault_processes()})
        return refuse(summary, "another injection is active on this instance (%s)" % (", ".join(holders) or "starting"))
    families, saved, tables_before = survey()
    if fault_rules(saved):
        return refuse(summary, "rules of an earlier injection remain; run the document with Action=Cleanup first")
    if "iptables" not in families:
        return refuse(summary, "iptables cannot use the nat table on this instance")
    listeners, why = prepare(families, tables_before, parameters)
    if why:
        return refuse(summary, why)
    counters_fd = open_state_file(counters_path(experiment_id), os.O_RDONLY)

    listen_fds = [s.fileno() for s in listeners]
    shared = Listeners(fds=listen_fds, family=listeners[0].family)
    # Pipes that tell one process another has died; each is held open for writing by one process only.
    command_life_r, command_life_w = os.pipe()  # this command -> warden
    proxy_life_r, proxy_life_w = os.pipe()  # proxy -> warden
    warden_life_r, warden_life_w = os.pipe()  # warden -> proxy (this command holds it until the warden starts)
    # command_life also carries the command's word to the warden: the rules are in, or why not.
    status_r, status_w = os.pipe()  # warden -> this command: how the window ended
    # Started before the forks, which make every page this process then writes a copy, and
    # slow; their input, the jumps, comes once the warden exists.
    restores = start_restores(families)
    proxy_setup = ProxySetup(
        parameters=parameters,
        listeners=shared,
        warden_life_fd=warden_life_r,
        stop_after_seconds=parameters.duration_seconds + PROXY_BACKSTOP_SECONDS,
    )
    proxy_pid = spawn("proxy", experiment_id, proxy_setup, listen_fds + [warden_life_r, proxy_life_w, lock])
    os.close(proxy_life_w)
    warden_setup = WardenSetup(
        parameters=parameters,
        listeners=shared,
        families=families,
        tables_before=tables_before,
        proxy_pid=proxy_pid,
        command_life_fd=command_life_r,
        proxy_life_fd=proxy_life_r,
        status_fd=status_w,
    )
    # The warden keeps a copy of the listening sockets: see the package's docstring.
    spawn("warden", experiment_id, warden_setup, listen_fds + [command_life_r, proxy_life_r, warden_life_w, status_w, lock])
    for fd in (warden_life_w, status_w, command_life_r, proxy_life_r, warden_life_r):
        os.close(fd)
    for s in listeners:
        s.close()

    # The warden exists, and takes out whatever goes in if this command dies from here on.
    try:
        finish_restores(families, restores, jumps_text(parameters))
    except RuntimeError as e:
        word = {"error": "could not put the rules in: %s" % e}
    else:
        word = {"armedAt": time.monotonic(), "startedAt": utc_now()}
    os.write(command_life_w, (json.dumps(word) + "\n").encode())
    armed_epoch = time.time()
    checks = {} if "error" in word else self_check(families, parameters)
    with os.fdopen(status_r) as status:
        told = status.read()
    ended_epoch = time.time()
    # The warden is gone. Wait for the proxy too, then make sure, and clean up whatever remains.
    wait_until(lambda: not fault_processes(experiment_id), parameters.proxy_grace_seconds + 1)
    try:
        end = json.loads(told)
    except ValueError:  # the warden told nothing, or was killed as it told
        end = read_json(os.path.join(experiment_dir(experiment_id), "end.json"))
    # The proxy's ledger of what the clients did, as the warden told it, or, when the warden died,
    # as the proxy left it (read before the clean-up below removes it). None when the proxy was
    # killed before it could leave it.
    ledger = (end or {}).get("ledger") or read_json(os.path.join(experiment_dir(experiment_id), "clients.json"))
    leftovers = cleanup_experiment(experiment_id) if still_active(experiment_id) else []
    restored = not still_active(experiment_id)
    if end is None:  # the warden was killed: the proxy took the rules out
        end = {"reason": "warden died", "endedAt": utc_now(), "removed": [], "remoteSynsCaught": None}
        end["connectionsSpared"] = None
    counters = read_counters(counters_fd) or [0] * (FIRST_SECOND + 1)
    remove_tree(experiment_dir(experiment_id))
    window_end = end.get("windowEnd") or ended_epoch
    remote, self_resets = counters[REMOTE], list(checks.values()).count("reset")
    local = max(counters[LOCAL] - self_resets, 0)
    series = None
    if "error" not in word and len(counters) > FIRST_SLOT:
        series = reset_series(counters, armed_epoch, window_end, self_resets)
    met = remote_traffic(remote, end["remoteSynsCaught"], counters[ACCEPTED + REMOTE])
    verified_by = (["remote peers"] if remote else []) + (["localhost"] if "reset" in checks.values() else [])
    verified = bool(verified_by) and "answered" not in checks.values() and met != "InterceptedNotReset"
    self_check_method = self_check_request(parameters)[0].encode()
    clients, client_rows = None, []
    if ledger is not None and "error" not in word:
        checked = {address for address, saw in checks.items() if saw != "skipped"}
        seen = end.get("seen")
        clients, client_rows = clients_summary(
            without_self_check(ledger, checked),
            end.get("kept", []),
            None if seen is None else {address: Seen(*facts) for address, facts in seen.items()},
            max(window_end - armed_epoch, 1),
            parameters.reset_at.reads_request,
            parameters.reset_percentage / 100.0,
        )
    summary.update(
        startedAt=word.get("startedAt"),
        endedAt=end["endedAt"],
        connectionsReset=remote + local,
        remoteConnectionsReset=remote,
        localConnectionsReset=local,
        remoteSynsCaught=end["remoteSynsCaught"],
        connectionsSpared=end.get("connectionsSpared"),
        requestsReset=requests_by_method(counters, REQUESTS_RESET, (self_check_method, self_resets)),
        requestsForwarded=requests_by_method(counters, REQUESTS_FORWARDED),
        remoteTraffic=met,
        resetSeries=series,
        clients=clients,
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
        % (
            experiment_id,
            parameters.target_service_port,
            parameters.network_interface,
            "IPv4 and IPv6" if summary["ipv6"] else "IPv4 only",
        ),
        "outcome: %s; remote peers: %s; verified by: %s"
        % (end["reason"], met, ", ".join(verified_by) or "nothing (the fault was NOT seen to bite)"),
    ]
    details += ["removed: " + r for r in end["removed"] + leftovers][:20]
    # Every client's row, one JSON a line, after what SSM's summary keeps: GetCommandInvocation
    # returns them, up to its 24,000 characters.
    details += ["client " + json.dumps(row, separators=(",", ":")) for row in client_rows]
    return report(summary, details, EXIT_FAILED if "error" in summary else 0, FULL_OUTPUT_BUDGET)
