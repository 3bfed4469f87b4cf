"""The reset proxy: resets every connection the rules hand it, at the moment ResetAt names, and
under ResetMethods, ResetPaths or ResetAt=response passes on what is not reset (exchange.py).

The hot path, one connection: accept, read, SO_LINGER, close, count. With TCP_DEFER_ACCEPT the
kernel hands over a connection only once its request has arrived, so it is rarely watched at all;
one that comes without data has stayed silent for the whole deferral (or comes through SYN cookies)
and is given a short last chance; one with part of a request gets the whole silent deadline.
Closing a socket also takes it out of the epoll set.

ResetAt=connect resets each connection as it is accepted, with no deferral, before anything is read.
Under ResetMethods, ResetPaths or ResetAt=response each connection is read request by request, and
what is not reset is passed on (see Exchange). When the window ends, those keep working for
FORWARD_GRACE_SECONDS at most, and nothing more of theirs is reset.
"""

import errno
import os
import select
import signal
import socket
import time
from collections import deque, namedtuple

from .clients import ClientLedger, RequestReader, client_address, dump
from .counters import ACCEPTED, REQUESTS_RESET, map_counters, method_slot, second_slot
from .exchange import Exchange
from .firewall import remove_rules
from .http1 import READ_LIMIT
from .parameters import FORWARD_GRACE_SECONDS
from .processes import wakeup_pipe
from .rules import SPARED
from .state import experiment_dir, write_json_atomically
from .sockets import LINGER_RESET, SO_MARK, adopt_listeners, reset_backlog, reset_connection, unsent

SILENT_RESET_SECONDS = 1.0  # a connection that sends nothing is reset after this long
DEFER_ACCEPT_SECONDS = 1  # the kernel holds a connection back until its first data, this long at most
SILENT_AFTER_DEFER_SECONDS = 0.2  # a deferred connection that still has nothing gets this much longer
DRAIN_POLL_SECONDS = 0.002  # how often a forwarded client's acknowledgement of the last bytes is checked


class Listeners(namedtuple("Listeners", "fds family")):
    """The listening sockets the command made, by origin, as descriptors its forks inherit."""

    __slots__ = ()


class ProxySetup(namedtuple("ProxySetup", "parameters listeners warden_life_fd stop_after_seconds")):
    """What the command gives the proxy: the parameters, the listeners, the pipe whose hang-up says
    the warden has died, and when to end the window itself should the warden not."""

    __slots__ = ()


# How much of a waiting connection's head is kept for the client ledger: its request line and the
# fields it reads are at the start.
HEAD_KEPT = 8192


class Waiting(object):
    """A connection whose request head is not in yet: what has arrived of it (its first HEAD_KEPT
    bytes), where it came from, and its peer's address."""

    __slots__ = ("conn", "head", "origin", "peer")

    def __init__(self, conn, head, origin, peer):
        self.conn, self.head, self.origin, self.peer = conn, head, origin, peer


class Proxy(object):
    """The proxy's event loop, and what it holds: the connections waiting for their request, and
    the exchanges it passes on."""

    def __init__(self, experiment_id, setup):
        self.experiment_id, self.setup = experiment_id, setup
        parameters = setup.parameters
        self.parameters = parameters
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        self.stop_signal = wakeup_pipe(signal.SIGTERM)
        self.listeners = adopt_listeners(setup.listeners)
        self.family = self.listeners[0].family
        self.counters = map_counters(experiment_id)
        request_filter = parameters.request_filter
        self.matches = request_filter.matches if request_filter.selective else (lambda method, target: True)
        # Connections read request by request where some requests are passed on, else reset whole.
        self.accept = self.accept_exchanges if parameters.forwards else self.accept_resetting
        self.silent_seconds = SILENT_RESET_SECONDS
        for listener in self.listeners:
            listener.setblocking(False)
            if not parameters.reset_at.reads_request:
                continue
            try:
                listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_DEFER_ACCEPT, DEFER_ACCEPT_SECONDS)
                self.silent_seconds = SILENT_RESET_SECONDS - DEFER_ACCEPT_SECONDS + SILENT_AFTER_DEFER_SECONDS
            except (AttributeError, OSError):
                pass  # not Linux: every connection is watched from its accept on
        self.ep = select.epoll()
        self.origin_of = {}  # listener fd -> origin
        for origin, listener in enumerate(self.listeners):
            self.ep.register(listener.fileno(), select.EPOLLIN)
            self.origin_of[listener.fileno()] = origin
        self.ep.register(setup.warden_life_fd, select.EPOLLHUP)
        self.ep.register(self.stop_signal, select.EPOLLIN)
        self.waiting = {}  # fd -> Waiting
        # (deadline, socket) of connections with nothing yet, and with part of a request: each in
        # accept order, which is its deadline order.
        self.silent = (deque(), deque())
        self.exchanges = {}  # fd (of either side) -> Exchange
        # (deadline, Exchange) of those whose client is to be reset once it has acknowledged every
        # byte passed on.
        self.draining = deque()
        self.ends_at = None  # once the window has ended: when what is still passed on is reset
        # What the clients did: see clients.py.
        self.ledger, self.reader = ClientLedger(), RequestReader()

    # -- resetting and counting

    def count_reset(self, origin, first_bytes):
        counters = self.counters
        counters[origin] += 1
        counters[second_slot(counters)] += 1
        if first_bytes:
            counters[method_slot(REQUESTS_RESET, first_bytes.partition(b" ")[0])] += 1

    def reset(self, conn):
        waiting = self.waiting.pop(conn.fileno(), None)
        reset_connection(conn)
        if waiting:
            self.count_reset(waiting.origin, waiting.head[:16])
            asked = self.reader.read(waiting.head) if waiting.head else None
            if asked is None:
                self.ledger.silent_reset(waiting.peer)
            else:
                self.ledger.request(waiting.peer, asked, time.monotonic(), True)

    # -- accepting: resetting (ResetAt=connect or request, every request) or exchanging

    def accept_resetting(self, listener, origin):
        """ResetAt=connect: each connection is reset as it is accepted, before anything is read.
        ResetAt=request, every request: each connection is reset once its request head is in, most
        often as it is accepted (the kernel deferred it until then), else once it is or the client
        has stayed silent too long. Either way the client ledger learns of it.

        The hot path, written inline, with as few calls a connection as the ledger allows: each
        costs reset throughput (benchmark item 1).
        """
        accept = listener._accept  # the fd and the peer: the socket object is made with known family and type
        # The C type: a connection costs no Python-level __init__ or close.
        new_socket, family, stream = socket.SocketType, self.family, socket.SOCK_STREAM
        reads, dontwait = self.parameters.reset_at.reads_request, socket.MSG_DONTWAIT
        linger, sol_socket, so_linger = LINGER_RESET, socket.SOL_SOCKET, socket.SO_LINGER
        counters, slot = self.counters, second_slot(self.counters)
        ledger, read_request, peer_of = self.ledger, self.reader.read, client_address
        now = time.monotonic()
        while True:
            try:
                fd, address = accept()
            except OSError:
                return  # EAGAIN, or EMFILE: the backlog keeps the rest until the next round
            conn = new_socket(family, stream, 0, fd)
            peer = peer_of(address)
            ledger.connected(peer)
            data = b""
            if reads:
                try:
                    data = conn.recv(READ_LIMIT, dontwait)
                except BlockingIOError:
                    data = None
                except OSError:
                    pass
            if data is not None and (not data or len(data) >= READ_LIMIT or b"\r\n\r\n" in data):
                try:
                    conn.setsockopt(sol_socket, so_linger, linger)
                except OSError:
                    pass
                conn.close()
                counters[origin] += 1
                counters[slot] += 1
                if data:
                    counters[method_slot(REQUESTS_RESET, data.partition(b" ")[0])] += 1
                    asked = read_request(data)
                    if asked is not None:
                        ledger.request(peer, asked, now, True)
                elif reads:
                    ledger.silent_reset(peer)
                else:
                    ledger.connection_reset(peer, now)
                continue
            self.waiting[fd] = Waiting(conn, data[:HEAD_KEPT] if data else b"", origin, peer)
            self.ep.register(fd, select.EPOLLIN | select.EPOLLRDHUP)
            if data:
                self.silent[1].append((now + SILENT_RESET_SECONDS, conn))
            else:
                self.silent[0].append((now + self.silent_seconds, conn))

    def accept_exchanges(self, listener, origin):
        """ResetMethods, ResetPaths or ResetAt=response: each connection is read request by request."""
        accept = listener._accept
        new_socket, family, stream = socket.SocketType, self.family, socket.SOCK_STREAM
        while True:
            try:
                fd, address = accept()
            except OSError:
                return
            conn = new_socket(family, stream, 0, fd)
            peer = client_address(address)
            self.ledger.connected(peer)
            try:
                data = conn.recv(READ_LIMIT, socket.MSG_DONTWAIT)
            except BlockingIOError:
                data = None
            except OSError:
                data = b""
            self.exchange(conn, origin, data, peer)

    def request_in(self, waiting):
        """Reads what has arrived of a waiting connection's request. True once the request head is in,
        the client has closed, or the head is too large to wait for."""
        try:
            data = waiting.conn.recv(READ_LIMIT, socket.MSG_DONTWAIT)
        except BlockingIOError:
            return False
        except OSError:
            return True
        seen = waiting.head[-3:] + data
        if len(waiting.head) < HEAD_KEPT:
            waiting.head += data[: HEAD_KEPT - len(waiting.head)]
        return not data or b"\r\n\r\n" in seen or len(data) >= READ_LIMIT

    # -- exchanges: connections read request by request

    def exchange(self, conn, origin, data, peer):
        """Reads a client's connection request by request (see Exchange), from what has arrived:
        None for nothing yet, b"" for a close."""
        matches = self.matches if self.ends_at is None else None
        ex = Exchange(conn, origin, matches, self.parameters, self.counters, self.noted(peer))
        # What is passed on goes out as it comes in, as from the service itself: Nagle's algorithm
        # would hold a response's last partial segment until the client acknowledged the ones ahead.
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.counters[ACCEPTED + origin] += 1
        self.exchanges[conn.fileno()] = ex
        if data:
            ex.from_client(data)
        ex.client_open = data is None or bool(data)
        self.settle(ex)

    def noted(self, peer):
        """What an Exchange tells the client ledger of each request head it reads, and whether it is
        reset; nothing once the window has ended."""

        def note(head, reset):
            asked = self.reader.read(head)
            if asked is not None and self.ends_at is None:
                self.ledger.request(peer, asked, time.monotonic(), reset)

        return note

    def connect(self, ex):
        """Opens the proxy's own connection to the client's destination, the service."""
        ex.upstream, ex.connecting = socket.SocketType(self.family, socket.SOCK_STREAM), True
        self.exchanges[ex.upstream.fileno()] = ex
        try:
            # The spared mark keeps the fault's rules off the proxy's own connection (rules.py).
            ex.upstream.setsockopt(socket.SOL_SOCKET, SO_MARK, SPARED)
            ex.upstream.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self.family == socket.AF_INET6:  # an IPv4 client's destination is IPv4-mapped
                ex.upstream.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
            ex.upstream.setblocking(False)
            code = ex.upstream.connect_ex(ex.client.getsockname())
        except OSError:
            code = errno.EIO
        if code not in (0, errno.EINPROGRESS):
            self.service_gone(ex, False)

    def forget(self, ex, sock):
        self.exchanges.pop(sock.fileno(), None)
        if ex.masks.pop(sock, None) is not None:
            self.ep.unregister(sock.fileno())

    def service_gone(self, ex, closed):
        """The service's side is over: it closed (the client gets the close, or the reset it is owed),
        or it refused, failed or is no longer needed (the client gets the reset)."""
        if closed:
            ex.service_closed()
        else:
            ex.done = True
        self.drop_upstream(ex)

    def drop_upstream(self, ex):
        if ex.upstream is not None:
            self.forget(ex, ex.upstream)
            ex.upstream.close()
            ex.upstream = None

    def finish(self, ex, reset_client):
        """The exchange is over: the client's connection is reset (and counted), or closed."""
        self.drop_upstream(ex)
        self.forget(ex, ex.client)
        if reset_client:
            reset_connection(ex.client)
            self.count_reset(ex.origin, None)
        else:
            ex.client.close()

    def settle(self, ex):
        """After any event of an Exchange: what each side is owed is sent at once, as far as its
        socket takes it (most often all of it, with no wait for epoll to say it can); it connects
        to the service once it has bytes to pass on; its sockets wait for what they need next, or
        it ends."""
        dontwait = socket.MSG_DONTWAIT
        try:
            if ex.to_client:
                ex.to_client = ex.to_client[ex.client.send(ex.to_client, dontwait) :]
        except BlockingIOError:
            pass
        except OSError:
            return self.finish(ex, False)  # the client is gone: nothing is left to reset
        try:
            if ex.to_upstream and ex.upstream is not None and not ex.connecting:
                ex.to_upstream = ex.to_upstream[ex.upstream.send(ex.to_upstream, dontwait) :]
        except BlockingIOError:
            pass
        except OSError:
            self.service_gone(ex, False)
        if ex.done and not ex.to_client:
            self.drop_upstream(ex)
            self.forget(ex, ex.client)
            self.draining.append((time.monotonic() + SILENT_RESET_SECONDS, ex))
            return
        if ex.close_due and not ex.to_client and ex.client not in ex.shut:
            ex.shut.add(ex.client)
            try:
                ex.client.shutdown(socket.SHUT_WR)
            except OSError:
                pass  # the client is gone: its close, below, follows
        if not (ex.client_open or ex.to_client) and (ex.client in ex.shut or not (ex.upstream or ex.to_upstream)):
            return self.finish(ex, False)
        if ex.to_upstream and ex.upstream is None and not ex.close_due:
            self.connect(ex)
        upstream = ex.upstream
        if upstream and not (ex.client_open or ex.connecting or ex.to_upstream or upstream in ex.shut):
            ex.shut.add(upstream)  # the client has sent all it will: so does the proxy
            upstream.shutdown(socket.SHUT_WR)
        for sock, mask in ex.wanted():
            known = ex.masks.get(sock)
            if known is None:
                self.ep.register(sock.fileno(), mask)
            elif known != mask:
                self.ep.modify(sock.fileno(), mask)
            ex.masks[sock] = mask

    def on_service(self, ex, events):
        if ex.connecting:
            ex.connecting = False
            if ex.upstream.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR):
                return self.service_gone(ex, False)  # refused: the client gets the reset
        elif events & (select.EPOLLIN | select.EPOLLHUP | select.EPOLLERR):
            # Read on a hang-up too, even with bytes still to pass on: epoll reports it until then.
            data = ex.upstream.recv(READ_LIMIT, socket.MSG_DONTWAIT)
            if not data:
                return self.service_gone(ex, True)
            ex.from_service(data)
            if ex.done:
                self.service_gone(ex, False)

    def on_client(self, ex, events):
        if events & (select.EPOLLIN | select.EPOLLHUP | select.EPOLLERR):
            data = ex.client.recv(READ_LIMIT, socket.MSG_DONTWAIT)
            if not data:
                ex.client_open = False
            elif not ex.close_due:
                ex.from_client(data)

    def on_exchange(self, fd, events):
        ex = self.exchanges[fd]
        from_client = fd == ex.client.fileno()
        try:
            (self.on_client if from_client else self.on_service)(ex, events)
        except BlockingIOError:
            pass
        except OSError:
            if from_client:  # the client is gone (it reset, or its side failed): nothing is left to reset
                return self.finish(ex, False)
            self.service_gone(ex, False)
        self.settle(ex)

    # -- the window

    def end_window(self):
        """The rules are out: what waits is reset, what is passed on goes on, for a while."""
        self.ends_at = time.monotonic() + FORWARD_GRACE_SECONDS
        for fd in (self.setup.warden_life_fd, self.stop_signal):
            self.ep.unregister(fd)
        for waiting in list(self.waiting.values()):
            self.reset(waiting.conn)
        for origin, listener in enumerate(self.listeners):
            if self.parameters.forwards:
                self.accept(listener, origin)  # caught in the window, passed on untouched
            else:
                reset_backlog(listener, self.counters, origin)
            self.ep.unregister(listener.fileno())
            listener.close()
        self.origin_of.clear()
        for ex in set(self.exchanges.values()):
            ex.end_window()
            self.settle(ex)

    def run(self):
        clock = time.monotonic  # asked on every round of the loop
        stop_at = clock() + self.setup.stop_after_seconds
        ep, waiting, silent, draining = self.ep, self.waiting, self.silent, self.draining
        origin_of, listeners, exchanges = self.origin_of, self.listeners, self.exchanges
        warden_life_fd, stop_signal = self.setup.warden_life_fd, self.stop_signal
        while self.ends_at is None or (exchanges or draining) and clock() < self.ends_at:
            timeout = (stop_at if self.ends_at is None else self.ends_at) - clock()
            for queue in silent:
                if queue:
                    timeout = min(timeout, queue[0][0] - clock())
            if draining:
                timeout = min(timeout, DRAIN_POLL_SECONDS)
            for fd, events in ep.poll(max(timeout, 0)):
                if fd in origin_of:
                    self.accept(listeners[origin_of[fd]], origin_of[fd])
                elif fd == warden_life_fd and self.ends_at is None:
                    # The warden is gone: nobody else will take the rules out.
                    remove_rules(self.experiment_id)
                    self.end_window()
                elif fd == stop_signal and self.ends_at is None:
                    self.end_window()
                elif fd in exchanges:
                    self.on_exchange(fd, events)
                elif fd in waiting:
                    if self.request_in(waiting[fd]):
                        self.reset(waiting[fd].conn)
            now = clock()
            for queue in silent:
                # Each waits for its deadline, unless it has been reset since.
                while queue and (queue[0][0] <= now or not self.still_waiting(queue[0][1])):
                    conn = queue.popleft()[1]
                    if self.still_waiting(conn):
                        self.reset(conn)
            for _ in range(len(draining)):
                deadline, ex = draining.popleft()
                if deadline <= now or not unsent(ex.client):
                    self.finish(ex, True)
                else:
                    draining.append((deadline, ex))
            if self.ends_at is None and now >= stop_at:
                # Backstop: the warden should have ended the window before now.
                remove_rules(self.experiment_id)
                self.end_window()
        for ex in set(exchanges.values()):
            self.finish(ex, not ex.idle())  # an idle one closes as a keep-alive timeout would
        for _, ex in draining:
            self.finish(ex, True)
        # For the command's report, in the experiment's folder: the proxy is the last to know.
        write_json_atomically(os.path.join(experiment_dir(self.experiment_id), "clients.json"), dump(self.ledger))
        return 0

    def still_waiting(self, conn):
        """Whether this socket still waits for its request (its fd may since be another's)."""
        waiting = self.waiting.get(conn.fileno())
        return waiting is not None and waiting.conn is conn


def proxy_main(experiment_id, setup):
    """The proxy's process: runs until the window has ended and what it passes on is done."""
    return Proxy(experiment_id, setup).run()
