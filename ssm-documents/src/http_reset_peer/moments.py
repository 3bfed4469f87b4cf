"""When a connection is reset: ResetAt, one of three moments.

  connect   right after its handshake, before anything is read;
  request   once its request head has arrived (or it stayed silent);
  response  once the service's response head, and ResetAfterBytes more bytes, have reached the
            client: the request is passed on to the service, over the proxy's own connection.
"""

from collections import namedtuple


class ResetMoment(namedtuple("ResetMoment", "name reads_request passes_on")):
    """A moment of the reset: whether the proxy reads the request before it, and whether it passes
    the request on to the service first."""

    __slots__ = ()


CONNECT = ResetMoment("connect", reads_request=False, passes_on=False)
REQUEST = ResetMoment("request", reads_request=True, passes_on=False)
RESPONSE = ResetMoment("response", reads_request=True, passes_on=True)

MOMENTS = {moment.name: moment for moment in (CONNECT, REQUEST, RESPONSE)}
