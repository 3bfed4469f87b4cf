"""Which requests are reset: ResetMethods and ResetPaths, each where given; every request where
neither is."""

# Methods that do not change the service's state (RFC 9110, 9.2.1): the only ones the self-check
# sends where its request reaches the service.
SAFE_METHODS = ("GET", "HEAD", "OPTIONS", "TRACE")


class RequestFilter(object):
    """Whether a request is one the fault resets: its method is one of `methods` and its path begins
    with one of `paths`, each where given (sequences of strings, in the order the parameters give
    them)."""

    __slots__ = ("methods", "paths", "method_names", "path_prefixes", "selective")

    def __init__(self, methods, paths):
        self.method_names, self.path_prefixes = tuple(methods), tuple(paths)
        self.methods = frozenset(m.encode() for m in methods)
        self.paths = tuple(p.encode() for p in paths)
        # Whether only some requests are reset: the others are then passed on to the service.
        self.selective = bool(self.methods or self.paths)

    def matches(self, method, target):
        """Whether the request with this method and target (bytes, as its request line has them) is
        reset."""
        if target[:1] != b"/" and b"://" in target:  # absolute form: its path alone
            target = b"/" + target.split(b"://", 1)[1].partition(b"/")[2]
        return (not self.methods or method in self.methods) and (not self.paths or target.startswith(self.paths))

    def first_request(self):
        """The method and path of a request the fault resets: the first of each named, else GET /."""
        return (self.method_names or ("GET",))[0], (self.path_prefixes or ("/",))[0]
