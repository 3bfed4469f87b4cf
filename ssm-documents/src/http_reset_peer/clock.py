"""Times as the report gives them."""

import time


def utc_now():
    """Now, in UTC, to the millisecond, as ISO 8601: 2026-01-02T03:04:05.678Z."""
    t = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".%03dZ" % int((t % 1) * 1000)
