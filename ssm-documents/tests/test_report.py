"""What the command prints: the summary line first, then what fits."""

import contextlib
import io
import json
import unittest

from http_reset_peer.report import EXIT_PRECONDITION, OUTPUT_BUDGET, refuse, report


class Report(unittest.TestCase):
    def test_the_summary_first_then_details_while_they_fit_ssms_output(self):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            code = report({"action": "Inject", "b": 1}, ["x" * 1000] * 5, 0)
        lines = out.getvalue().split("\n")
        self.assertEqual(code, 0)
        self.assertEqual(json.loads(lines[0]), {"action": "Inject", "b": 1})
        self.assertLessEqual(len(out.getvalue()), OUTPUT_BUDGET)
        self.assertEqual(lines[1:-1], ["x" * 1000] * 2)

    def test_the_summary_line_fits_whatever_its_parts_sizes(self):
        methods = {m: 999999999 for m in ("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "CONNECT", "TRACE", "other")}
        address = "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"
        summary = {
            "action": "Inject",
            "experimentId": "x" * 128,
            "resetMethods": ",".join(["ABCDEFGHIJKLMNOP"] * 16),
            "resetPaths": "/" + "p" * 1023,
            "requestsReset": methods,
            "requestsForwarded": methods,
            "resetSeries": {"start": "2026-01-01T00:00:00Z", "step": 1, "counts": [99999] * 166},
            "clients": {
                "seen": 10000,
                "retries": 999999999,
                "unsafeRetries": {m: 999999999 for m in ("POST", "PATCH", "CONNECT", "other")},
                "retryDelayMs": {"p50": 29999, "max": 30000},
                "amplification": 123456.78,
                "reconnected": 10000,
                "reconnectMs": {"p50": 599999, "max": 600000},
                "notSeenAgain": 10000,
                "top": [{"client": address, "unsafeRetries": 99999, "retries": 99999, "reconnectMs": 600000}] * 5,
            },
            "error": "fault ended early: SSM command was cancelled or killed",
        }
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            report(summary, [], 1)
        line = out.getvalue().rstrip("\n")
        self.assertLess(len(line), OUTPUT_BUDGET)
        told = json.loads(line)
        # Every count is still there; the series covers the same time, in coarser buckets.
        self.assertEqual(told["requestsReset"], methods)
        self.assertEqual(told["clients"]["unsafeRetries"]["POST"], 999999999)
        self.assertEqual(sum(told["resetSeries"]["counts"]), 99999 * 166)
        self.assertEqual(told["resetSeries"]["step"] * len(told["resetSeries"]["counts"]) >= 166, True)
        self.assertTrue(told["resetPaths"].endswith("\u2026"))

    def test_a_refusal_names_its_reason_in_the_summary_and_on_stderr_with_exit_3(self):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = refuse({"action": "Inject"}, "nothing listens")
        self.assertEqual(code, EXIT_PRECONDITION)
        self.assertEqual(json.loads(out.getvalue()), {"action": "Inject", "error": "nothing listens"})
        self.assertEqual(err.getvalue(), "http-reset-peer: nothing listens\n")


if __name__ == "__main__":
    unittest.main()
