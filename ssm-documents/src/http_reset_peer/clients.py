"""What the clients did: which clients the fault reset, which of their requests they sent again and
how soon, and whether those were safe to send again (RFC 9110, 9.2.2). Read from the requests the
proxy reads, and held in memory within fixed bounds.

A client is the peer's address, or, where the request carries X-Forwarded-For, the last address in
it: the one the load balancer in front of the instance appended. The entries before it are the
caller's own to write, and to forge.

A request is sent again when the same client sends the same method and path (the query string left
out), with the same Idempotency-Key (or X-Idempotency-Key) if it had one and the same
Content-Length, within RETRY_WINDOW_SECONDS of its reset. The key is compared through a digest
keyed anew for each run and held in memory only: no header value, and no query string, is kept.
"""

import hmac
import os
from collections import namedtuple

from .counters import METHODS

RETRY_WINDOW_SECONDS = 30
# How much the ledger holds at most: beyond, clients and reset requests are counted, not tracked.
MAX_CLIENTS = 10000
MAX_REQUESTS = 50000
# What each client keeps of its retries: their delays, and the unsafe ones' method and path.
MAX_DELAYS = 100
MAX_UNSAFE_EXAMPLES = 3
MAX_PATH = 200
# Methods a client may send again without harm (RFC 9110, 9.2.2).
IDEMPOTENT = frozenset((b"GET", b"HEAD", b"OPTIONS", b"TRACE", b"PUT", b"DELETE"))

_FORWARDED = b"\r\nx-forwarded-for:"
_KEYS = (b"\r\nidempotency-key:", b"\r\nx-idempotency-key:")
_LENGTH = b"\r\ncontent-length:"
# The fault's own request from localhost (self_check.py): not a client's.
SELF_CHECK_AGENT = b"http-reset-peer-self-check"


class Asked(namedtuple("Asked", "method path idempotency content_length forwarded_for same")):
    """What a request head asks, as the ledger tells requests apart: its method and path (bytes), the
    digest of its idempotency key (None without one), its Content-Length (None without), the last
    X-Forwarded-For address (None without), and `same`, a hash of the first four, equal for requests
    that are the same (a client's requests are looked up by it, without hashing them again)."""

    __slots__ = ()


def _field(head, lower, name):
    """The value of the first field `name` (with its CRLF and colon, lower case) in the head, or None."""
    at = lower.find(name)
    if at < 0:
        return None
    start = at + len(name)
    end = head.find(b"\r\n", start)
    return head[start : end if end >= 0 else len(head)].strip()


# Heads read at most before the reader forgets them all: clients send the same heads again and
# again (a retry is the same head), and a head seen before is read with a lookup.
HEADS_REMEMBERED = 4096
_NOT_A_REQUEST = Asked(None, None, None, None, None, None)


class RequestReader(object):
    """Reads what the ledger needs from a request head, and nothing more. What a head asked is
    remembered under the head's hash, never the head itself: no header value is kept."""

    __slots__ = ("secret", "asked")

    def __init__(self):
        self.secret = os.urandom(16)  # the run's own: the digests mean nothing outside it
        self.asked = {}  # hash(head) -> Asked, at most HEADS_REMEMBERED

    def read(self, head):
        """What a head asks (Asked); None for a head with no request line, or the fault's own
        self-check."""
        key = hash(head)
        asked = self.asked.get(key)
        if asked is None:
            if len(self.asked) >= HEADS_REMEMBERED:
                self.asked.clear()
            asked = self.asked[key] = self._asked(head)
        return None if asked is _NOT_A_REQUEST else asked

    def _asked(self, head):
        line_end = head.find(b"\r\n")
        words = head[: line_end if line_end >= 0 else len(head)].split(b" ", 2)
        if len(words) < 2:
            return _NOT_A_REQUEST
        lower = head.lower()
        if SELF_CHECK_AGENT in lower:
            return _NOT_A_REQUEST
        forwarded = _field(head, lower, _FORWARDED)
        client = forwarded.rsplit(b",", 1)[-1].strip().decode("ascii", "replace") if forwarded else None
        key = _field(head, lower, _KEYS[0])
        if key is None:
            key = _field(head, lower, _KEYS[1])
        digest = hmac.new(self.secret, key, "sha256").digest()[:8] if key is not None else None
        length = _field(head, lower, _LENGTH)
        method, path = words[0], words[1].split(b"?", 1)[0][:MAX_PATH]
        return Asked(method, path, digest, length, client or None, hash((method, path, digest, length)))


def client_address(address):
    """The peer's address, as the kernel's lists give it: an IPv4 peer of a dual-stack listener
    without its ::ffff: prefix."""
    host = address[0]
    return host[7:] if host.startswith("::ffff:") and "." in host else host


class Client(object):
    """One client's record: its connections to the port during the window, the requests of its that
    were reset, those it sent again, and how soon."""

    __slots__ = ("address", "connections", "resets", "retries", "unsafe_retries", "delays", "unsafe_examples")
    __slots__ += ("last_reset_at",)

    def __init__(self, address):
        self.address = address
        self.connections = 0
        self.resets = 0
        self.retries = 0
        self.unsafe_retries = {}  # method (str) -> retries sent without an idempotency key
        self.delays = []  # seconds from a reset to the retry, the first MAX_DELAYS
        self.unsafe_examples = []  # (method, path) of unsafe retries, the first MAX_UNSAFE_EXAMPLES
        self.last_reset_at = None  # of any of its connections: a reconnection's reference, unread

    def retried(self, delay, unsafe_method=None, path=None):
        self.retries += 1
        if len(self.delays) < MAX_DELAYS:
            self.delays.append(delay)
        if unsafe_method is not None:
            self.unsafe_retries[unsafe_method] = self.unsafe_retries.get(unsafe_method, 0) + 1
            if len(self.unsafe_examples) < MAX_UNSAFE_EXAMPLES:
                self.unsafe_examples.append((unsafe_method, path))


def _method_name(method):
    """A method as the counts name it: one of counters.METHODS, or "other", so that a client
    inventing methods cannot grow the summary line."""
    return method.decode("ascii") if method in METHODS else "other"


class ClientLedger(object):
    """The clients of one window, and the requests of theirs that were reset."""

    def __init__(self):
        self.clients = {}  # address -> Client
        self.reset_at = {}  # (client address, Asked.same) -> when that request was last reset
        self.untracked_clients = 0
        self.untracked_requests = 0

    def client(self, address):
        """The address's Client, or None once MAX_CLIENTS are tracked and it is not among them."""
        client = self.clients.get(address)
        if client is None:
            if len(self.clients) >= MAX_CLIENTS:
                self.untracked_clients += 1
                return None
            client = self.clients[address] = Client(address)
        return client

    def connected(self, address):
        """A connection from the peer `address` reached the proxy."""
        client = self.clients.get(address) or self.client(address)
        if client is not None:
            client.connections += 1

    def silent_reset(self, address):
        """A connection was reset with no request read: it sent none, or closed first."""
        client = self.client(address)
        if client is not None:
            client.resets += 1

    def connection_reset(self, address, now):
        """A connection was reset before anything was read (ResetAt=connect): a later one from the
        same client within RETRY_WINDOW_SECONDS is counted as sent again, its request unknown."""
        client = self.client(address)
        if client is None:
            return
        if client.last_reset_at is not None and now - client.last_reset_at <= RETRY_WINDOW_SECONDS:
            client.retried(now - client.last_reset_at)
        client.resets += 1
        client.last_reset_at = now

    def request(self, peer, asked, now, reset):
        """A request the proxy read from the peer `peer` (the client, or the load balancer in front
        of it): sent again if it is one reset within RETRY_WINDOW_SECONDS, and `reset` if the fault
        resets it (its time is then the one a later copy is measured from)."""
        address = asked.forwarded_for or peer
        client = self.clients.get(address) or self.client(address)
        if client is None:
            return
        key = (address, asked.same)
        last = self.reset_at.get(key)
        if last is not None and now - last <= RETRY_WINDOW_SECONDS:
            unsafe = asked.method not in IDEMPOTENT and asked.idempotency is None
            client.retried(
                now - last,
                _method_name(asked.method) if unsafe else None,
                asked.path.decode("ascii", "replace") if unsafe else None,
            )
        if reset:
            client.resets += 1
            client.last_reset_at = now
            if last is not None or len(self.reset_at) < MAX_REQUESTS:
                self.reset_at[key] = now
            else:
                self.untracked_requests += 1

    def reset_clients(self):
        """The clients at least one of whose connections or requests was reset."""
        return [c for c in self.clients.values() if c.resets]


def _spread_ms(seconds):
    """{"p50", "max"} of durations in whole milliseconds, or None for none."""
    if not seconds:
        return None
    ordered = sorted(seconds)
    return {"p50": int(round(ordered[(len(ordered) - 1) // 2] * 1000)), "max": int(round(ordered[-1] * 1000))}


def dump(ledger):
    """The ledger as the proxy leaves it for the command: JSON-ready, one entry a client reset."""
    return {
        "clients": [
            {
                "client": c.address,
                "connections": c.connections,
                "resets": c.resets,
                "retries": c.retries,
                "unsafeRetries": c.unsafe_retries,
                "delays": c.delays,
                "unsafeExamples": c.unsafe_examples,
            }
            for c in ledger.reset_clients()
        ],
        "connections": sum(c.connections for c in ledger.clients.values()),
        "untrackedClients": ledger.untracked_clients,
        "untrackedRequests": ledger.untracked_requests,
    }


def without_self_check(dumped, checked):
    """The ledger's dump less the self-check's connections, one for each loopback address it asked
    (`checked`): a row left with no reset is no client of the service's."""
    rows = []
    for row in dumped["clients"]:
        if row["client"] in checked:
            row = dict(row, connections=max(row["connections"] - 1, 0), resets=max(row["resets"] - 1, 0))
            if not row["resets"]:
                continue
        rows.append(row)
    return dict(dumped, clients=rows)


def _row(row, came_back, window_seconds, chosen):
    """One client's row of the full table: what it did during the window (delays in whole
    milliseconds, each unsafe retry's request as "METHOD /path"), and after it (`came_back`: its
    Seen, None when not seen again or not watched). Its connections a second during the window are
    those the proxy saw over `chosen`, the share of connections ResetPercentage sends it."""
    rate_after = came_back.rate if came_back else None
    during = row["connections"] / chosen / float(window_seconds)
    return {
        "client": row["client"],
        "connections": row["connections"],
        "resets": row["resets"],
        "retries": row["retries"],
        "unsafeRetries": row["unsafeRetries"],
        "unsafeRequests": ["%s %s" % (method, path) for method, path in row["unsafeExamples"]],
        "retryDelaysMs": [int(round(d * 1000)) for d in row["delays"]],
        "amplification": round(during / rate_after, 2) if rate_after and during else None,
        "reconnectMs": int(round(came_back.first_after_seconds * 1000)) if came_back else None,
        "connectionsAfter": came_back.connections if came_back else 0,
    }


def _unsafe_first(row):
    return (-sum(row["unsafeRetries"].values()), -row["retries"], row["client"])


def summary(dumped, kept, seen, window_seconds, reads_requests, chosen=1.0):
    """The summary line's `clients`: what the clients reset did, from the proxy's ledger (`dumped`),
    the clients the kernel reset (`kept`: addresses) and who came back after the window (`seen`:
    {address: Seen}, None when nobody watched). Also returns each client's row for the full table,
    those with the most unsafe retries first.

    Under ResetAt=connect no request is read: a reconnection within RETRY_WINDOW_SECONDS of a reset is
    what counts as sent again, and whether it was safe is unknown (`unsafeRetries` is None).

    `amplification` is the connections a second during the window, over the rate after it, of the
    clients that came back: no rate from before the fault is known (see observe.py). The proxy sees
    the share `chosen` of the connections during the window (ResetPercentage), so those it counts
    stand for 1/chosen as many.
    """
    window_seconds = float(window_seconds or 1)
    by_client = {row["client"]: row for row in dumped["clients"]}
    for address in kept:
        by_client.setdefault(address, {"client": address, "connections": 0, "resets": 0, "retries": 0,
                                       "unsafeRetries": {}, "delays": [], "unsafeExamples": []})
    watched = seen is not None
    came_back = {address: seen.get(address) for address in by_client} if watched else {}
    rows = sorted(
        (_row(row, came_back.get(address), window_seconds, chosen) for address, row in by_client.items()),
        key=_unsafe_first,
    )
    unsafe = {}
    for row in rows:
        for method, n in row["unsafeRetries"].items():
            unsafe[method] = unsafe.get(method, 0) + n
    back = [row["reconnectMs"] for row in rows if row["reconnectMs"] is not None]
    returning = [(by_client[a]["connections"], s.rate) for a, s in came_back.items() if s and s.rate]
    during = sum(connections for connections, _ in returning) / chosen / window_seconds
    after = sum(rate for _, rate in returning)
    return {
        "seen": len(rows),
        "retries": sum(row["retries"] for row in rows),
        "unsafeRetries": unsafe if reads_requests else None,
        "retryDelayMs": _spread_ms([d / 1000.0 for row in rows for d in row["retryDelaysMs"]]),
        "amplification": round(during / after, 2) if after and during else None,
        "reconnected": len(back) if watched else None,
        "reconnectMs": _spread_ms([ms / 1000.0 for ms in back]),
        "notSeenAgain": len(rows) - len(back) if watched else None,
        "top": [
            {
                "client": row["client"],
                "unsafeRetries": sum(row["unsafeRetries"].values()),
                "retries": row["retries"],
                "reconnectMs": row["reconnectMs"],
            }
            for row in rows[:5]
        ],
    }, rows
