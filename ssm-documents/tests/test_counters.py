"""The counters page's layout, and the report's counts of requests by method."""

import unittest

from http_reset_peer.counters import (
    ACCEPTED,
    FIRST_SECOND,
    FIRST_SLOT,
    METHODS,
    ORIGINS,
    REQUESTS_FORWARDED,
    REQUESTS_RESET,
    method_slot,
    requests_by_method,
)


class Layout(unittest.TestCase):
    def test_the_runs_of_counters_follow_one_another(self):
        self.assertEqual(ACCEPTED, len(ORIGINS))
        self.assertEqual(REQUESTS_RESET, ACCEPTED + len(ORIGINS))
        self.assertEqual(REQUESTS_FORWARDED, REQUESTS_RESET + len(METHODS) + 1)
        self.assertEqual(FIRST_SECOND, REQUESTS_FORWARDED + len(METHODS) + 1)
        self.assertEqual(FIRST_SLOT, FIRST_SECOND + 1)

    def test_a_method_of_its_own_or_other(self):
        self.assertEqual(method_slot(REQUESTS_RESET, b"GET"), REQUESTS_RESET)
        self.assertEqual(method_slot(REQUESTS_RESET, b"TRACE"), REQUESTS_RESET + 8)
        self.assertEqual(method_slot(REQUESTS_RESET, b"PROPFIND"), REQUESTS_RESET + 9)
        self.assertEqual(method_slot(REQUESTS_RESET, b"get"), REQUESTS_RESET + 9)


class RequestsByMethod(unittest.TestCase):
    def test_named_counts_only_those_counted_and_the_self_checks_taken_out(self):
        page = [0] * (FIRST_SLOT + 3)
        page[method_slot(REQUESTS_RESET, b"GET")] = 5
        page[method_slot(REQUESTS_RESET, b"POST")] = 2
        page[method_slot(REQUESTS_RESET, b"BREW")] = 1
        page[method_slot(REQUESTS_FORWARDED, b"GET")] = 9
        self.assertEqual(requests_by_method(page, REQUESTS_RESET, (b"GET", 2)), {"GET": 3, "POST": 2, "other": 1})
        self.assertEqual(requests_by_method(page, REQUESTS_FORWARDED), {"GET": 9})


if __name__ == "__main__":
    unittest.main()
