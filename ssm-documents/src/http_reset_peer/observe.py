"""Counted by the kernel, which the proxy cannot see: the clients whose keep-alive connections,
opened before the fault, the rules reset (the OPEN chain records each one's address as it resets
it), and, for ObserveRecoverySeconds after the window, which clients come back to the port and
when. The kernel's recent match (xt_recent) keeps, for each source address, the times of its last
packets; nothing of the fault stands in the service's path while it counts.

Its lists are read from /proc/net/xt_recent/<name>, one line an address:

    src=198.18.0.2 ttl: 64 last_seen: 4296320009 oldest_pkt: 3 4296320001, 4296320005, 4296320009

The times are jiffies, whose rate the kernel does not say: the program writes two addresses of its
own (from the ranges set aside for documentation, which no client has) into a list a known time
apart, and reads the rate, and the jiffies of any moment, from the times the kernel gave them.
"""

import socket
import time
from collections import namedtuple

from .firewall import install_rules, remove_rules
from .rules import RULE_COMMENT, chain_tag, recent_list

PROC = "/proc/net/xt_recent/"
# The addresses of the clock's two marks, which no client has (RFC 5737).
MARKS = ("192.0.2.1", "192.0.2.2")
# The kernel keeps this many times an address at most (xt_recent's ip_pkt_list_tot).
STAMPS_KEPT = 20


def canonical(address):
    """An address as the proxy's peers have it: IPv6 compressed (the kernel's lists spell it whole)."""
    if ":" not in address:
        return address
    try:
        return socket.inet_ntop(socket.AF_INET6, socket.inet_pton(socket.AF_INET6, address))
    except (OSError, ValueError):
        return address


def read_list(name):
    """{address: [jiffies, ...]} of a recent list; {} when it does not exist (its rules are gone)."""
    entries = {}
    try:
        with open(PROC + name) as f:
            for line in f:
                words = line.split()
                if not words or not words[0].startswith("src="):
                    continue
                stamps = line.split("oldest_pkt:", 1)[1].split()[1:]
                entries[canonical(words[0][4:])] = sorted(int(s.rstrip(",")) for s in stamps if s.rstrip(","))
    except (OSError, IndexError, ValueError):
        return entries
    return entries


def mark(name, address):
    """Writes an address into a list, as the kernel would record a packet from it now."""
    with open(PROC + name, "w") as f:
        f.write("+" + address + "\n")


def observation_text(parameters):
    """The chain that counts new connections to the port after the window, and its jumps: the first
    SYN of each source address in FIRST, every one (its last STAMPS_KEPT) in ALL."""
    experiment_id = parameters.experiment_id
    tag = chain_tag(experiment_id)
    first, every = recent_list(experiment_id, "FIRST"), recent_list(experiment_id, "ALL")
    new = '-p tcp --dport %d --syn -m comment --comment "%s %s"' % (
        parameters.target_service_port,
        RULE_COMMENT,
        experiment_id,
    )
    return "\n".join(
        [
            "*mangle",
            ":%sSEEN - [0:0]" % tag,
            "-A %sSEEN -m recent --name %s --set --rsource" % (tag, every),
            "-A %sSEEN -m recent --name %s --rcheck --rsource -j RETURN" % (tag, first),
            "-A %sSEEN -m recent --name %s --set --rsource" % (tag, first),
            "-I PREROUTING 1 -i %s %s -j %sSEEN" % (parameters.network_interface, new, tag),
            "-I PREROUTING 1 -i lo %s -j %sSEEN" % (new, tag),
            "COMMIT",
            "",
        ]
    )


class Seen(namedtuple("Seen", "first_after_seconds connections rate")):
    """A client seen after the window: how long after its end its first new connection came, how many
    it made (the kernel keeps STAMPS_KEPT at most), and their rate a second."""

    __slots__ = ()


class JiffyClock(object):
    """Jiffies to seconds after an epoch moment, from two marks written a known time apart."""

    def __init__(self, first_mark, second_mark):
        (self.j0, self.t0), (j1, self.t1) = first_mark, second_mark
        self.hz = (j1 - self.j0) / (self.t1 - self.t0) if self.t1 > self.t0 and j1 > self.j0 else None

    def epoch(self, jiffies):
        return None if self.hz is None else self.t0 + (jiffies - self.j0) / self.hz


def seen_after(window_end, clock, first, every):
    """{address: Seen} of the addresses in the FIRST and ALL lists, but the marks. A client's rate is
    its connections over the watch, from the window's end to the clock's second mark; over the span
    of the STAMPS_KEPT the kernel kept, for one that made more."""
    seen = {}
    watched = clock.t1 - window_end
    for address, stamps in first.items():
        if address in MARKS or not stamps or clock.hz is None:
            continue
        all_stamps = every.get(address, stamps)
        span = (all_stamps[-1] - all_stamps[0]) / clock.hz
        if len(all_stamps) >= STAMPS_KEPT and span > 0:
            rate = (len(all_stamps) - 1) / span
        else:
            rate = len(all_stamps) / watched if watched > 0 else None
        seen[address] = Seen(clock.epoch(stamps[0]) - window_end, len(all_stamps), rate)
    return seen


def _marked(name, address):
    """Writes a mark into a list, and returns the jiffies the kernel gave it with the epoch time."""
    mark(name, address)
    at = time.time()
    return read_list(name).get(address, [0])[-1], at


class RecoveryWatch(object):
    """For ObserveRecoverySeconds after the window: which clients make new connections to the port.
    It starts as the fault's rules come out, and its chain goes in, and comes out again, as theirs do."""

    def __init__(self, parameters, families):
        self.parameters, self.families = parameters, families
        self.every = recent_list(parameters.experiment_id, "ALL")
        self.first_mark = None

    def start(self):
        """Puts the chain in; False where the kernel cannot keep the lists (no recent match)."""
        try:
            install_rules(self.families, observation_text(self.parameters))
        except RuntimeError:
            return False
        self.first_mark = _marked(self.every, MARKS[0])
        return True

    def finish(self, window_end, wait):
        """Waits out the watch, from its start, with `wait(seconds)` (the warden's wait on its stop
        signal), reads the lists and takes the chain out: {address: Seen}, or None when the wait was
        cut short (Cleanup stops the watch as it stops the fault) or the watch never started."""
        try:
            if self.first_mark is None:
                return None
            left = self.parameters.observe_recovery_seconds - (time.time() - self.first_mark[1])
            if left > 0 and not wait(left):
                return None
            second_mark = _marked(self.every, MARKS[1])
            first = read_list(recent_list(self.parameters.experiment_id, "FIRST"))
            clock = JiffyClock(self.first_mark, second_mark)
            return seen_after(window_end, clock, first, read_list(self.every))
        finally:
            remove_rules(self.parameters.experiment_id)
