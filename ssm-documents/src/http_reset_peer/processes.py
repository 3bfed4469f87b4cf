"""The fault's own processes, the proxy and the warden: how each is found (the pid file it writes
as it starts, with its start time), watched and signalled."""

import os
import select
import signal
import time
from collections import namedtuple

from .state import EXPERIMENTS, experiment_dir, open_state_file

ROLES = ("proxy", "warden")


class FaultProcess(namedtuple("FaultProcess", "pid role experiment_id")):
    """A live process of the fault: its pid, its role, and the experiment it serves."""

    __slots__ = ()


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
    """Every live proxy and warden (of one experiment, or of all), as FaultProcess, from their pid
    files. The start time in the file tells the process from a later one given the same pid.

    A zombie is dead for our purposes: it holds no socket and no lock.
    """
    try:
        experiments = [experiment_id] if experiment_id else sorted(os.listdir(EXPERIMENTS))
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
                found.append(FaultProcess(int(pid), role, experiment))
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
