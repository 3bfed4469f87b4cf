"""The self-check: a request to the fault's own port from localhost, as the Harness fault's
verification step does, during the window."""

import socket

from .filters import SAFE_METHODS
from .http1 import READ_LIMIT
from .rules import CHOSEN
from .sockets import SO_MARK

SELF_CHECK_TIMEOUT_SECONDS = 2.0


def self_check_request(parameters):
    """The request the self-check sends, and whether it is sent at all: the first method and path
    prefix the fault resets. Under ResetAt=response the request reaches the service, so a method
    that may change the service's state is not sent."""
    method, path = parameters.request_filter.first_request()
    request = "%s %s HTTP/1.1\r\nHost: localhost\r\nUser-Agent: http-reset-peer-self-check\r\n" % (method, path)
    request += ("" if method in ("GET", "HEAD") else "Content-Length: 0\r\n") + "Connection: close\r\n\r\n"
    sent = not parameters.reset_at.passes_on or method in SAFE_METHODS
    return method, request, sent


def self_check(families, parameters):
    """Asks the fault's port from each loopback address the rules cover, with a request the fault
    resets. Its connections are marked chosen, so that ResetPercentage never spares them. Where
    requests are passed on, the service answers first, and the answer is read to its end: a reset,
    or a close that says the fault did not bite.

    Returns what each loopback address saw: "reset", "answered", "unreachable" or "skipped".
    """
    _, request, sent = self_check_request(parameters)
    seen = {}
    for address, family in (("127.0.0.1", "iptables"), ("::1", "ip6tables")):
        if family not in families:
            continue
        if not sent:
            seen[address] = "skipped"
            continue
        try:
            with socket.socket(socket.AF_INET6 if ":" in address else socket.AF_INET) as s:
                if parameters.reset_percentage < 100:
                    s.setsockopt(socket.SOL_SOCKET, SO_MARK, CHOSEN)
                s.settimeout(SELF_CHECK_TIMEOUT_SECONDS)
                s.connect((address, parameters.target_service_port))
                s.sendall(request.encode())
                if parameters.forwards:
                    # The service answers first: only how the answer ends tells.
                    while s.recv(READ_LIMIT):
                        pass
                    seen[address] = "answered"  # a clean close: the fault did not bite
                else:
                    seen[address] = "reset" if not s.recv(1) else "answered"
        except ConnectionResetError:
            seen[address] = "reset"
        except OSError:
            seen[address] = "unreachable"
    return seen
