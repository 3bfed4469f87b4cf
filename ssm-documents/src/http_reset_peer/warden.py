"""The warden: holds the window open, and ends it when its time is up, the command dies, the proxy
dies or Cleanup asks. It takes the rules out before the proxy stops, so that from then on new
connections reach the service and no client is ever dropped; the proxy resets what it holds."""

import json
import os
import select
import signal
import time
from collections import namedtuple

from .clock import utc_now
from .counters import map_counters
from .firewall import connections_spared, drop_tables_made, fault_rules, remote_syns_caught, remove_rules, saved_rules
from .observe import MARKS, RecoveryWatch, read_list
from .rules import recent_list
from .processes import hangup_poller, signal_quietly, wakeup_pipe
from .sockets import adopt_listeners, reset_backlog
from .state import experiment_dir, read_json, write_json_atomically


class WardenSetup(
    namedtuple(
        "WardenSetup",
        "parameters listeners families tables_before proxy_pid command_life_fd proxy_life_fd status_fd",
    )
):
    """What the command gives the warden: the parameters, a copy of the proxy's listeners, the
    families and tables the rules went into (and the tables there before), the proxy's pid, the pipe
    from the command (its word, and its death), the pipe whose hang-up says the proxy has died, and
    the pipe back to the command, for how the window ended."""

    __slots__ = ()


def warden_main(experiment_id, setup):
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    stop_signal = wakeup_pipe(signal.SIGTERM)
    reason, armed = watch(setup, stop_signal)

    # The rules out before the proxy stops: from here on new connections reach the service, and no
    # client is ever dropped; the proxy resets what it holds.
    found = fault_rules(saved_rules(), experiment_id)
    caught = remote_syns_caught(found, experiment_id) if armed else 0
    spared = connections_spared(found, experiment_id) if armed else 0
    # Read while the OPEN chain's rule still holds its list: the list goes with the last rule.
    kept = sorted(address for address in read_list(recent_list(experiment_id, "KEPT")) if address not in MARKS)
    removed = remove_rules(experiment_id, found)
    ended_at, window_end = utc_now(), time.time()
    # Who comes back, and when, from now on: the kernel counts; nothing of the fault is in the
    # service's path while it does.
    recovery = RecoveryWatch(setup.parameters, setup.families)
    watching = bool(armed) and reason != "stopped by Cleanup" and setup.parameters.observe_recovery_seconds > 0
    watching = watching and recovery.start()
    signal_quietly(setup.proxy_pid, signal.SIGTERM)
    if not hangup_poller(setup.proxy_life_fd).poll(setup.parameters.proxy_grace_seconds):
        signal_quietly(setup.proxy_pid, signal.SIGKILL)
    counters = map_counters(experiment_id)
    for origin, listener in enumerate(adopt_listeners(setup.listeners)):
        listener.setblocking(False)
        reset_backlog(listener, counters, origin)  # what reached a queue after the proxy stopped
        listener.close()
    seen = recovery.finish(window_end, waited(stop_signal, setup.command_life_fd)) if watching else None
    removed += drop_tables_made(setup.families, setup.tables_before)
    # How the window ended, as the command reads it (its keys are the report's): on the pipe, and in
    # end.json for a command that lost the pipe.
    end = {
        "reason": reason,
        "startedAt": armed["startedAt"] if armed else None,
        "endedAt": ended_at,
        "windowEnd": window_end,
        "removed": removed,
        "remoteSynsCaught": caught,
        "connectionsSpared": spared,
        "kept": kept,
        "seen": None if seen is None else {address: list(s) for address, s in seen.items()},
        # The proxy's ledger, which it left as it stopped: told with the rest, since a Cleanup
        # meanwhile removes the experiment's folder.
        "ledger": read_json(os.path.join(experiment_dir(experiment_id), "clients.json")),
    }
    write_json_atomically(os.path.join(experiment_dir(experiment_id), "end.json"), end)
    try:
        with os.fdopen(setup.status_fd, "w") as status:
            status.write(json.dumps(end))
    except OSError:
        pass  # the command is gone; end.json still says what happened
    return 0


def waited(stop_signal, command_life_fd):
    """A wait of some seconds that Cleanup's SIGTERM, or the command's death (its pipe's end: it has
    said all it had to), cuts short. It returns whether it ran whole."""

    def wait(seconds):
        with select.epoll() as ep:
            ep.register(stop_signal, select.EPOLLIN)
            ep.register(command_life_fd, select.EPOLLIN | select.EPOLLHUP)
            return not ep.poll(seconds)

    return wait


def watch(setup, stop_signal):
    """Holds the window open, from the command's word that the rules are in, for DurationSeconds,
    unless something ends it first. Returns why it ended, and the command's word when it came.

    The command's word is one line of JSON on the pipe whose hang-up says the command has died:
    {"armedAt": CLOCK_MONOTONIC seconds, "startedAt": UTC} or {"error": why the rules are not in}.
    """
    ep = select.epoll()
    ep.register(setup.command_life_fd, select.EPOLLIN)
    ep.register(setup.proxy_life_fd, select.EPOLLHUP)
    ep.register(stop_signal, select.EPOLLIN)
    armed, heard = None, b""
    while True:
        remaining = -1
        if armed:
            remaining = armed["armedAt"] + setup.parameters.duration_seconds - time.monotonic()
            if remaining <= 0:
                return "completed", armed
        fds = [fd for fd, _ in ep.poll(remaining)]
        if stop_signal in fds:
            return "stopped by Cleanup", armed
        if setup.proxy_life_fd in fds:
            return "reset proxy died", armed
        if setup.command_life_fd in fds:
            data = os.read(setup.command_life_fd, 4096)
            if not data:
                return "SSM command was cancelled or killed", armed
            heard += data
            if heard.endswith(b"\n"):
                word = json.loads(heard.decode())
                if "error" in word:
                    return word["error"], None
                armed = word
