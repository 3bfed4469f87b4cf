"""What the fault counts, in a page of 64-bit counters every process of the experiment maps: what
one counts is in the page cache at once, so no count is lost when a process is killed.

The page: the resets by origin (0, 1); the connections the proxy forwarded, by origin (2, 3);
requests reset and requests forwarded, by method (each METHODS in turn, then "other"); the epoch
second of the first slot (24), then one slot per second of resets by any origin, for the window and
some slack (the arming, the proxy's backstop, forwarded connections' last seconds).
"""

import mmap
import os
import struct
import time

from .state import experiment_dir, open_state_file

# Where a connection came from, as the rule that caught it tells: the interface, or loopback (the
# instance itself). Each has a listener of its own, and a counter at this index.
ORIGINS = ("remote", "local")
REMOTE, LOCAL = 0, 1
# Methods the report counts requests of by name, each by its place among them (a dict: every
# request looks its own up); any other is counted as "other".
METHODS = {m: i for i, m in enumerate((b"GET", b"HEAD", b"POST", b"PUT", b"DELETE", b"PATCH", b"OPTIONS", b"CONNECT", b"TRACE"))}
ACCEPTED, REQUESTS_RESET, REQUESTS_FORWARDED = 2, 4, 14
FIRST_SECOND, FIRST_SLOT = 24, 25
SLACK_SECONDS = 30


def counters_path(experiment_id):
    return os.path.join(experiment_dir(experiment_id), "resets")


def create_counters(experiment_id, duration_seconds):
    """The experiment's page, zeroed, its first slot this second, with a slot for every second of
    the window and the slack."""
    with os.fdopen(open_state_file(counters_path(experiment_id), os.O_WRONLY | os.O_CREAT), "wb") as f:
        f.write(struct.pack("=%dQ" % (FIRST_SECOND + 1), *([0] * FIRST_SECOND + [int(time.time())])))
        f.truncate(8 * (FIRST_SLOT + duration_seconds + SLACK_SECONDS))


def map_counters(experiment_id):
    """The page, shared with every other process of the experiment, as a list of integers to add to."""
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


def method_slot(first, method):
    """The counter of `method`'s requests, in the run of counters from `first`."""
    return first + METHODS.get(method, len(METHODS))


def requests_by_method(counters, first, uncounted=(b"", 0)):
    """The requests counted from `first`, by method, those that were counted only; the self-check's
    (`uncounted`: its method, and how many) taken out."""
    counts = counters[first : first + len(METHODS) + 1]
    counts[method_slot(0, uncounted[0])] -= uncounted[1]
    return {name: n for name, n in zip([m.decode() for m in METHODS] + ["other"], counts) if n > 0}
