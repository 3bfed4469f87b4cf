"""One client's connection read request by request, under ResetMethods, ResetPaths or
ResetAt=response: what it is owed, and what each of its two sockets waits for. The proxy's event
loop (proxy.py) moves the bytes; this decides what becomes of them."""

import select
from collections import deque

from .counters import REQUESTS_FORWARDED, REQUESTS_RESET, method_slot
from .http1 import READ_LIMIT, UNTIL_CLOSE, Body, body_length, parse_head, response_length, switches


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

    __slots__ = ("client", "upstream", "origin", "matches", "cut", "after_bytes", "counters", "note")
    __slots__ += ("connecting", "held", "to_upstream", "to_client", "request", "response", "head")
    __slots__ += ("asked", "left", "reset_due", "done", "close_due", "client_open", "shut", "masks")

    def __init__(self, client, origin, matches, parameters, counters, note=None):
        self.client, self.origin, self.counters = client, origin, counters
        # Told each request head read, and whether it is reset (the proxy's client ledger).
        self.note = note or (lambda head, reset: None)
        self.matches = matches  # whether a request is reset; None once nothing more is
        self.cut, self.after_bytes = parameters.reset_at.passes_on, parameters.reset_after_bytes
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
            self.note(head, match)
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
