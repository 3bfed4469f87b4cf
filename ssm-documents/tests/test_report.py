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

    def test_a_refusal_names_its_reason_in_the_summary_and_on_stderr_with_exit_3(self):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = refuse({"action": "Inject"}, "nothing listens")
        self.assertEqual(code, EXIT_PRECONDITION)
        self.assertEqual(json.loads(out.getvalue()), {"action": "Inject", "error": "nothing listens"})
        self.assertEqual(err.getvalue(), "http-reset-peer: nothing listens\n")


if __name__ == "__main__":
    unittest.main()
