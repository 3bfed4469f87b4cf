"""The sockets of the fault: the listeners TPROXY hands connections to, and the reset itself."""

import fcntl
import socket
import struct

from .counters import second_slot

LISTEN_BACKLOG = 4096
LINGER_RESET = struct.pack("ii", 1, 0)
# Python defines these from 3.11 on; the values are Linux's (linux/in.h, linux/in6.h, asm/socket.h).
IP_TRANSPARENT = getattr(socket, "IP_TRANSPARENT", 19)
IPV6_TRANSPARENT = getattr(socket, "IPV6_TRANSPARENT", 75)
SO_MARK = getattr(socket, "SO_MARK", 36)


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


def adopt_listeners(listeners):
    """The listening sockets the command made, by origin, from the Listeners record it passed down."""
    return [socket.socket(listeners.family, socket.SOCK_STREAM, 0, fd) for fd in listeners.fds]


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
