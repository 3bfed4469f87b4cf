"""HTTP/1.1, as far as filtering and forwarding need it: where each message begins and ends
(RFC 9112), so that a connection's requests are told apart one after another and its bytes pass on
unchanged. Nothing here reads a socket: the proxy hands it what has arrived."""

READ_LIMIT = 65536  # a head larger than this is not waited for
CHUNKED, UNTIL_CLOSE = -1, -2  # body lengths that are not a byte count; UNTIL_CLOSE never ends

FRAMING = frozenset((b"content-length", b"transfer-encoding", b"connection", b"upgrade"))


def parse_head(head):
    """A message head's start line, split at its first two spaces, and the fields that frame what
    follows (FRAMING) as {lower-case name: [values]}. ValueError for a head no server would take."""
    lines = head.lstrip(b"\r\n").split(b"\r\n")
    start = lines[0].split(b" ", 2)
    if len(start) < 2:
        raise ValueError("start line")
    fields = {}
    for line in lines[1:]:
        if not line:
            continue
        name, colon, value = line.partition(b":")
        if not colon or not name or name != name.strip():
            raise ValueError("field line")  # obsolete line folding among them
        name = name.lower()
        if name in FRAMING:
            fields.setdefault(name, []).append(value.strip())
    return start, fields


def body_length(fields, request):
    """The length of the body that follows a head, or CHUNKED, or UNTIL_CLOSE (RFC 9112, 6.3)."""
    codings = b",".join(fields.get(b"transfer-encoding", ())).lower().split(b",")
    if codings != [b""]:
        if codings[-1].strip() == b"chunked":
            return CHUNKED
        if request:
            raise ValueError("request body of unknown length")
        return UNTIL_CLOSE
    if b"content-length" not in fields:
        return 0 if request else UNTIL_CLOSE
    lengths = {v.strip() for value in fields[b"content-length"] for v in value.split(b",")}
    length = lengths.pop()
    if lengths or not length.isdigit():
        raise ValueError("Content-Length")
    return int(length)


def response_length(method, status, fields):
    """The body length of a response to `method` (RFC 9112, 6.3, items 1 and 2)."""
    if method == b"HEAD" or status[:1] == b"1" or status in (b"204", b"304"):
        return 0
    return UNTIL_CLOSE if method == b"CONNECT" and status[:1] == b"2" else body_length(fields, False)


def switches(method, fields):
    """Whether a request asks to leave HTTP on its connection: CONNECT, or an Upgrade."""
    if method == b"CONNECT" or b"upgrade" not in fields:
        return method == b"CONNECT"
    connection = b",".join(fields.get(b"connection", ())).lower().split(b",")
    return b"upgrade" in [c.strip() for c in connection]


class Body(object):
    """Where one message body ends in its stream, read as it comes."""

    __slots__ = ("left", "chunked", "line")

    def __init__(self, length):
        self.chunked = length == CHUNKED
        self.left = None if self.chunked else length  # None: a chunk-size (or trailer) line is next
        self.line = b""  # the part of a chunked body's line read so far

    def take(self, data):
        """How many of the first bytes of `data` belong to the body, and whether it ends with them.
        ValueError for a chunked body no server would take."""
        taken = 0
        while taken < len(data):
            if self.left is None or self.left == CHUNKED:
                newline = data.find(b"\n", taken)
                if newline < 0:
                    self.line += data[taken:]
                    if len(self.line) > READ_LIMIT:
                        raise ValueError("chunk line")
                    return len(data), False
                line, self.line, taken = (self.line + data[taken:newline]).strip(), b"", newline + 1
                if self.left == CHUNKED:  # trailer fields, up to an empty line
                    if not line:
                        return taken, True
                    continue
                size = line.split(b";")[0].strip()
                if not size.isalnum():
                    raise ValueError("chunk size")
                self.left = int(size, 16) + 2 if int(size, 16) else CHUNKED
            elif self.left == UNTIL_CLOSE:
                return len(data), False
            else:
                step = min(self.left, len(data) - taken)
                self.left, taken = self.left - step, taken + step
                if self.left:
                    break
                if not self.chunked:
                    return taken, True
                self.left = None
        return taken, self.left == 0
