"""A steady-rate HTTP client for the benchmarks: opens new connections at a fixed rate, sends one
request on each and records what came back and when.

    reset_client.py HOST PORT RATE SECONDS [events]

Every 1/RATE s it starts a connection, whatever the others are doing. On each it sends a GET as
soon as the connection is up, then waits for a response, a reset, or a 2 s timeout. At the end it
prints one JSON object: counts of each outcome and the send-to-reset latencies (p50, p99, max, in
ms). With `events` it first prints one line per attempt:
"<wall ms when started> <wall ms when done> <outcome>".

Python 3 standard library only. Outcomes: a status code, reset, refused, eof, timeout, other.
"""

import errno
import json
import select
import socket
import sys
import time

REQUEST = b"GET / HTTP/1.1\r\nHost: bench\r\nUser-Agent: reset-client\r\nConnection: close\r\n\r\n"
TIMEOUT_SECONDS = 2.0


def percentile(sorted_values, q):
    if not sorted_values:
        return None
    i = min(len(sorted_values) - 1, max(0, int(round(q * (len(sorted_values) - 1)))))
    return sorted_values[i]


def main(argv):
    host, port, rate, seconds = argv[1], int(argv[2]), float(argv[3]), float(argv[4])
    events = len(argv) > 5 and argv[5] == "events"
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    interval = 1.0 / rate
    ep = select.epoll()
    live = {}  # fd -> [socket, started, sent or None, started wall clock]
    counts = {}
    latencies = []
    lines = []

    def finish(fd, outcome):
        sock, _, sent, wall = live.pop(fd)
        ep.unregister(fd)
        sock.close()
        now = time.perf_counter()
        counts[outcome] = counts.get(outcome, 0) + 1
        if outcome == "reset" and sent is not None:
            latencies.append((now - sent) * 1000.0)
        if events:
            lines.append("%.1f %.1f %s" % (wall * 1000.0, time.time() * 1000.0, outcome))

    begin = time.perf_counter()
    end = begin + seconds
    next_start = begin
    attempts = 0
    while True:
        now = time.perf_counter()
        while now >= next_start and next_start < end:
            s = socket.socket(family, socket.SOCK_STREAM)
            s.setblocking(False)
            err = s.connect_ex((host, port))
            attempts += 1
            live[s.fileno()] = [s, now, None, time.time()]
            ep.register(s.fileno(), select.EPOLLOUT | select.EPOLLIN | select.EPOLLRDHUP)
            if err not in (0, errno.EINPROGRESS):
                finish(s.fileno(), "refused" if err == errno.ECONNREFUSED else "other")
            next_start += interval
        if next_start >= end and not live:
            break
        wait = min(next_start - now, 0.05) if next_start < end else 0.05
        for fd, mask in ep.poll(max(wait, 0.0)):
            entry = live.get(fd)
            if entry is None:
                continue
            sock = entry[0]
            if entry[2] is None:
                err = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err:
                    finish(fd, "refused" if err == errno.ECONNREFUSED else "reset" if err == errno.ECONNRESET else "other")
                    continue
                if mask & select.EPOLLOUT:
                    try:
                        sock.send(REQUEST)
                    except ConnectionResetError:
                        finish(fd, "reset")
                        continue
                    except OSError:
                        finish(fd, "other")
                        continue
                    entry[2] = time.perf_counter()
                    ep.modify(fd, select.EPOLLIN | select.EPOLLRDHUP)
                continue
            try:
                data = sock.recv(4096)
            except ConnectionResetError:
                finish(fd, "reset")
                continue
            except BlockingIOError:
                continue
            except OSError:
                finish(fd, "other")
                continue
            if not data:
                finish(fd, "eof")
            elif data.startswith(b"HTTP/"):
                finish(fd, data.split(b" ", 2)[1].decode(errors="replace"))
            else:
                finish(fd, "other")
        now = time.perf_counter()
        for fd in [fd for fd, v in live.items() if now - v[1] > TIMEOUT_SECONDS]:
            finish(fd, "timeout")
    latencies.sort()
    for line in lines:
        print(line)
    responses = sum(n for k, n in counts.items() if k.isdigit())
    print(
        json.dumps(
            {
                "attempts": attempts,
                "seconds": time.perf_counter() - begin,
                "outcomes": counts,
                "responses": responses,
                "p50Ms": percentile(latencies, 0.50),
                "p99Ms": percentile(latencies, 0.99),
                "maxMs": latencies[-1] if latencies else None,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
