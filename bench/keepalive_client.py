"""A steady-rate HTTP client over keep-alive connections, for the forwarding benchmark.

    keepalive_client.py HOST PORT RATE SECONDS CONNECTIONS

Opens CONNECTIONS keep-alive connections, then sends a GET every 1/RATE seconds (open loop) on one
that has no request outstanding, and times each from its send to the last byte of its response.
A send that finds every connection busy is counted as late and sent as soon as one is free, timed
from when it was due. Prints one JSON line: {"requests", "responses", "errors", "late", "p50Ms",
"p99Ms", "maxMs"}.
"""

import json
import select
import socket
import sys
import time
from collections import deque

host, port, rate, seconds, count = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
REQUEST = ("GET / HTTP/1.1\r\nHost: %s\r\nUser-Agent: keepalive-client\r\n\r\n" % host).encode()

ep = select.epoll()
conns = {}  # fd -> [socket, bytes read of the response, when it was due]
idle = deque()
for _ in range(count):
    s = socket.create_connection((host, port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.setblocking(False)
    conns[s.fileno()] = [s, b"", None]
    ep.register(s.fileno(), select.EPOLLIN)
    idle.append(s.fileno())

latencies, errors, late, due_queue = [], 0, 0, deque()
start = time.monotonic()
next_due, end = start, start + seconds
requests = 0


def complete(data):
    """Whether the bytes hold a whole response (the fixture server frames every one by length)."""
    head_end = data.find(b"\r\n\r\n")
    if head_end < 0:
        return False
    for line in data[:head_end].split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(data) - head_end - 4 >= int(value)
    return True


while True:
    now = time.monotonic()
    while next_due <= now and next_due < end:
        due_queue.append(next_due)
        next_due += 1.0 / rate
    while due_queue and idle:
        due = due_queue.popleft()
        late += now - due > 0.001
        fd = idle.popleft()
        conns[fd][1], conns[fd][2] = b"", due
        conns[fd][0].send(REQUEST)
        requests += 1
    if now >= end and not due_queue and len(idle) == count:
        break
    if now >= end + 5:
        break
    for fd, _ in ep.poll(max(min(next_due - time.monotonic(), 0.01), 0) if next_due < end else 0.01):
        entry = conns[fd]
        try:
            data = entry[0].recv(65536)
        except OSError:
            data = b""
        if not data:
            errors += 1
            ep.unregister(fd)
            entry[0].close()
            count -= 1
            continue
        entry[1] += data
        if complete(entry[1]):
            latencies.append((time.monotonic() - entry[2]) * 1000)
            idle.append(fd)

latencies.sort()


def at(q):
    return round(latencies[min(int(q * len(latencies)), len(latencies) - 1)], 3) if latencies else None


print(
    json.dumps(
        {
            "requests": requests,
            "responses": len(latencies),
            "errors": errors,
            "late": late,
            "p50Ms": at(0.5),
            "p99Ms": at(0.99),
            "maxMs": round(latencies[-1], 3) if latencies else None,
        }
    )
)
