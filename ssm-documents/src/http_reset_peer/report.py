"""What the command prints: one line of JSON first (what a controller parses), then as much detail
as fits in the output SSM returns: 2,500 characters in a listing of invocations, 24,000 to
GetCommandInvocation."""

import json
import sys

EXIT_FAILED = 1  # the fault ran but did not complete as asked
EXIT_PRECONDITION = 3  # refused before touching the host

OUTPUT_BUDGET = 2500
FULL_OUTPUT_BUDGET = 24000


def _line(summary):
    return json.dumps(summary, separators=(",", ":"))


def _fitted(summary):
    """The summary line within OUTPUT_BUDGET, whatever its parts' sizes: the clients' top ones are
    left out first, then the reset paths asked for are cut (the controller knows them: it sent
    them), then the reset series is made coarser, two buckets into one, until it fits."""
    line = _line(summary)
    clients = summary.get("clients")
    while len(line) >= OUTPUT_BUDGET and clients and clients["top"]:
        clients["top"].pop()
        line = _line(summary)
    paths = summary.get("resetPaths") or ""
    if len(line) >= OUTPUT_BUDGET and paths:
        keep = max(len(paths) - (len(line) - OUTPUT_BUDGET + 1) - 1, 0)
        summary["resetPaths"] = paths[:keep] + "\u2026"
        line = _line(summary)
    series = summary.get("resetSeries")
    while len(line) >= OUTPUT_BUDGET and series and len(series["counts"]) > 1:
        counts = series["counts"]
        series["counts"] = [sum(counts[i : i + 2]) for i in range(0, len(counts), 2)]
        series["step"] *= 2
        line = _line(summary)
    return line


def report(summary, details, code, budget=OUTPUT_BUDGET):
    """Prints the summary line, which must fit OUTPUT_BUDGET however much follows it (see
    _fitted), then each detail that fits `budget`."""
    line = _fitted(summary)
    print(line)
    room = budget - len(line) - 1
    for line in details:
        room -= len(line) + 1
        if room < 0:
            break
        print(line)
    sys.stdout.flush()
    return code


def refuse(summary, reason):
    """A refusal before anything on the host changed: the summary with the reason, and exit 3."""
    print("http-reset-peer: " + reason, file=sys.stderr)
    return report(dict(summary, error=reason), [], EXIT_PRECONDITION)
