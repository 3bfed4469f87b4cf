"""A connection read request by request: what passes on to the service, what comes back, and what
is reset, whatever the pieces its bytes arrive in."""

import unittest

from http_reset_peer.counters import FIRST_SLOT, REQUESTS_FORWARDED, REQUESTS_RESET, method_slot
from http_reset_peer.exchange import Exchange
from support import parameters

GET = b"GET /a HTTP/1.1\r\nHost: shop\r\n\r\n"
POST = b"POST /orders HTTP/1.1\r\nHost: shop\r\nContent-Length: 2\r\n\r\nhi"
OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


def exchange(**given):
    p = parameters(**given)
    counters = [0] * (FIRST_SLOT + 3)
    matches = p.request_filter.matches if p.request_filter.selective else (lambda method, target: True)
    return Exchange(client=None, origin=0, matches=matches, parameters=p, counters=counters), counters


def feed(take, data, step):
    for at in range(0, len(data), step):
        take(data[at : at + step])


class Filtered(unittest.TestCase):
    def test_a_request_that_matches_is_reset_once_the_answers_ahead_of_it_are_passed_back(self):
        for step in (1, 3, 1000):
            with self.subTest(step=step):
                ex, counters = exchange(ResetMethods="POST")
                feed(ex.from_client, GET + POST, step)
                self.assertEqual(ex.to_upstream, GET)  # the POST never reaches the service
                self.assertTrue(ex.reset_due)
                self.assertFalse(ex.done)  # the GET's answer is still owed
                self.assertEqual(counters[method_slot(REQUESTS_FORWARDED, b"GET")], 1)
                self.assertEqual(counters[method_slot(REQUESTS_RESET, b"POST")], 1)
                feed(ex.from_service, OK, step)
                self.assertEqual(ex.to_client, OK)
                self.assertTrue(ex.done)

    def test_a_chunked_body_passes_on_unchanged_and_the_next_request_is_read_after_it(self):
        chunked = b"PUT /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
        for step in (1, 5):
            ex, counters = exchange(ResetMethods="POST")
            feed(ex.from_client, chunked + GET, step)
            self.assertEqual(ex.to_upstream, chunked + GET)
            self.assertEqual(len(ex.asked), 2)
            self.assertEqual(counters[method_slot(REQUESTS_FORWARDED, b"PUT")], 1)

    def test_an_interim_response_is_passed_back_ahead_of_the_one_it_precedes(self):
        ex, _ = exchange(ResetMethods="POST")
        ex.from_client(GET)
        ex.from_service(b"HTTP/1.1 100 Continue\r\n\r\n")
        self.assertEqual(len(ex.asked), 1)
        ex.from_service(OK)
        self.assertEqual(ex.to_client, b"HTTP/1.1 100 Continue\r\n\r\n" + OK)
        self.assertEqual(len(ex.asked), 0)

    def test_bytes_that_are_not_http_pass_on_untouched_and_nothing_more_is_reset(self):
        hello = b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 40
        ex, _ = exchange(ResetMethods="GET")
        ex.from_client(hello)
        self.assertEqual(ex.to_upstream, hello)
        self.assertIsNone(ex.matches)
        ex.from_client(POST)
        self.assertFalse(ex.reset_due)

    def test_after_an_upgrade_the_bytes_pass_both_ways_and_nothing_is_reset(self):
        upgrade = b"GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
        ex, _ = exchange(ResetMethods="POST")
        ex.from_client(upgrade)
        ex.from_service(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\nframes")
        ex.from_client(POST)
        self.assertEqual(ex.to_upstream, upgrade + POST)
        self.assertFalse(ex.done or ex.reset_due)

    def test_when_the_window_ends_nothing_more_is_reset(self):
        ex, _ = exchange(ResetMethods="POST")
        ex.end_window()
        ex.from_client(POST)
        self.assertEqual(ex.to_upstream, POST)
        self.assertFalse(ex.reset_due)


class AtResponse(unittest.TestCase):
    def test_the_response_is_cut_after_its_head_and_reset_after_bytes(self):
        body = b"0123456789"
        response = b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n" + body
        for step in (1, 4, 1000):
            with self.subTest(step=step):
                ex, counters = exchange(ResetAt="response", ResetAfterBytes="3")
                feed(ex.from_client, GET, step)
                self.assertEqual(ex.to_upstream, GET)
                self.assertEqual(counters[method_slot(REQUESTS_RESET, b"GET")], 1)
                feed(ex.from_service, response, step)
                self.assertEqual(ex.to_client, response[: len(response) - len(body)] + b"012")
                self.assertTrue(ex.done)

    def test_a_response_shorter_than_reset_after_bytes_is_reset_at_its_end(self):
        ex, _ = exchange(ResetAt="response", ResetAfterBytes="100")
        ex.from_client(GET)
        ex.from_service(OK)
        self.assertEqual(ex.to_client, OK)
        self.assertTrue(ex.done)

    def test_the_service_closing_first_leaves_the_client_owed_its_reset(self):
        ex, _ = exchange(ResetAt="response", ResetAfterBytes="100")
        ex.from_client(GET)
        ex.service_closed()
        self.assertTrue(ex.done)


class Idle(unittest.TestCase):
    def test_idle_only_with_nothing_in_flight(self):
        ex, _ = exchange(ResetMethods="POST")
        self.assertTrue(ex.idle())
        ex.from_client(GET[:5])
        self.assertFalse(ex.idle())


if __name__ == "__main__":
    unittest.main()
