"""The summary's series of resets over time, from a counters page."""

import json
import time
import unittest

from http_reset_peer.counters import FIRST_SECOND
from http_reset_peer.series import SERIES_BUDGET, reset_series

T = 1800000000  # a whole second, a multiple of every step


def series(per_second, first_second, started, ended, uncounted=0):
    page = [0] * FIRST_SECOND + [first_second] + per_second
    return reset_series(page, started, ended, uncounted)


def epoch(iso):
    return time.mktime(time.strptime(iso, "%Y-%m-%dT%H:%M:%SZ")) - time.timezone


class ResetSeries(unittest.TestCase):
    def test_counts_each_second_from_the_windows_start_the_self_checks_resets_left_out(self):
        self.assertEqual(
            series([0, 3, 1, 0, 5, 0, 0, 0, 0, 0], T, T + 1.4, T + 6.2, 2),
            {"start": "2027-01-15T08:00:01Z", "step": 1, "counts": [1, 1, 0, 5, 0, 0]},
        )

    def test_runs_to_the_last_reset_when_it_comes_after_the_windows_end(self):
        self.assertEqual(series([0, 1, 0, 0, 0, 0, 0, 2, 0, 0], T, T + 1, T + 3.5)["counts"], [1, 0, 0, 0, 0, 0, 2])

    def test_a_long_busy_window_gets_coarser_buckets_aligned_to_their_step_within_the_budget(self):
        seconds = 43200 + 30
        per_second = [99999 if 5 < i < 43206 else 0 for i in range(seconds)]
        s = series(per_second, T + 3, T + 5.5, T + 43205.9)
        self.assertGreater(s["step"], 1)
        self.assertEqual(epoch(s["start"]) % s["step"], 0)
        self.assertLessEqual(epoch(s["start"]), T + 5)
        self.assertEqual(sum(s["counts"]), sum(per_second))
        self.assertLessEqual(len(json.dumps(s["counts"], separators=(",", ":"))), SERIES_BUDGET)
        # With every other field of the summary at its longest, the line stays within SSM's 2,500.
        self.assertLessEqual(len(json.dumps(s)), 1100)

    def test_a_window_with_no_reset_at_all_is_a_series_of_zeros(self):
        s = series([0] * 40, T, T + 2, T + 7.1)
        self.assertEqual((s["step"], s["counts"]), (1, [0, 0, 0, 0, 0, 0]))

    def test_a_clock_stepped_outside_the_page_is_clamped_to_it(self):
        s = series([1, 1, 1], T, T - 50, T + 500)
        self.assertEqual(s["counts"], [1, 1, 1])


if __name__ == "__main__":
    unittest.main()
