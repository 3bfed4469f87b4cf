"""What the command prints: one line of JSON first (what a controller parses), then as much detail
for people as fits in the 2,500 characters of output SSM returns."""

import json
import sys

EXIT_FAILED = 1  # the fault ran but did not complete as asked
EXIT_PRECONDITION = 3  # refused before touching the host

OUTPUT_BUDGET = 2500


def report(summary, details, code):
    line = json.dumps(summary, separators=(",", ":"))
    print(line)
    room = OUTPUT_BUDGET - len(line) - 1
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
