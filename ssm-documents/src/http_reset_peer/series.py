"""The summary's series of resets over time, from the counters' second slots: second by second where
it fits in what SSM returns of the output, coarser where the window is long or busy."""

import json
import time

from .counters import FIRST_SECOND, FIRST_SLOT

# The finest of these steps whose counts fit the budget: SSM returns the first 2,500 characters of
# the output.
SERIES_STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600)
SERIES_BUDGET = 1000


def reset_series(counters, started, ended, uncounted):
    """The resets per second from the window's start to its end or the last reset, as
    {"start", "step", "counts"}: buckets of whole UTC seconds aligned to their step. The
    self-check's resets (`uncounted`) are taken from the earliest, where it made them."""
    slots, first_second = counters[FIRST_SLOT:], counters[FIRST_SECOND]
    nonzero = [i for i, count in enumerate(slots) if count]
    clamp = lambda t: min(max(int(t) - first_second, 0), len(slots) - 1)
    begin, end = min([clamp(started)] + nonzero[:1]), max([clamp(ended)] + nonzero[-1:])
    seconds = slots[begin : end + 1]
    for i, count in enumerate(seconds):
        taken = min(count, uncounted)
        seconds[i], uncounted = count - taken, uncounted - taken
    for step in SERIES_STEPS:
        lead = (first_second + begin) % step
        padded = [0] * lead + seconds
        counts = [sum(padded[i : i + step]) for i in range(0, len(padded), step)]
        if len(json.dumps(counts, separators=(",", ":"))) <= SERIES_BUDGET:
            break
    start = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(first_second + begin - lead))
    return {"start": start, "step": step, "counts": counts}
