"""What the clients did, as the proxy's ledger sees it from the requests it reads."""

import unittest

from http_reset_peer import clients
from http_reset_peer.clients import (
    RETRY_WINDOW_SECONDS,
    ClientLedger,
    RequestReader,
    client_address,
    dump,
    summary,
    without_self_check,
)
from http_reset_peer.observe import Seen

POST = b"POST /orders?page=2 HTTP/1.1\r\nHost: shop\r\nContent-Length: 2\r\n\r\nhi"


class Reading(unittest.TestCase):
    def setUp(self):
        self.reader = RequestReader()

    def test_method_path_without_query_and_length(self):
        self.assertEqual(self.reader.read(POST)[:5], (b"POST", b"/orders", None, b"2", None))

    def test_the_client_behind_a_load_balancer_is_the_address_it_appended(self):
        head = b"GET / HTTP/1.1\r\nX-Forwarded-For: 203.0.113.9, 198.51.100.7\r\n\r\n"
        self.assertEqual(self.reader.read(head).forwarded_for, "198.51.100.7")
        head = b"GET / HTTP/1.1\r\nx-forwarded-for:   198.51.100.8  \r\n\r\n"
        self.assertEqual(self.reader.read(head).forwarded_for, "198.51.100.8")
        ledger = ClientLedger()
        ledger.request("10.0.0.5", self.reader.read(head), 1.0, True)
        self.assertEqual(list(ledger.clients), ["198.51.100.8"])

    def test_the_idempotency_key_is_compared_through_a_digest_of_this_run(self):
        a = self.reader.read(b"POST / HTTP/1.1\r\nIdempotency-Key: k-1\r\n\r\n")
        b = self.reader.read(b"POST / HTTP/1.1\r\nX-Idempotency-Key: k-1\r\n\r\n")
        c = self.reader.read(b"POST / HTTP/1.1\r\nidempotency-key: k-2\r\n\r\n")
        self.assertEqual(a.idempotency, b.idempotency)
        self.assertNotEqual(a.idempotency, c.idempotency)
        self.assertNotIn(b"k-1", a.idempotency)
        self.assertNotEqual(a.idempotency, RequestReader().read(b"POST / HTTP/1.1\r\nIdempotency-Key: k-1\r\n\r\n").idempotency)

    def test_heads_with_no_request_line_and_the_self_check_are_none(self):
        self.assertIsNone(self.reader.read(b"\x16\x03\x01"))
        self.assertIsNone(self.reader.read(b"GET / HTTP/1.1\r\nUser-Agent: http-reset-peer-self-check\r\n\r\n"))

    def test_a_path_is_kept_short(self):
        head = b"GET /" + b"a" * 5000 + b" HTTP/1.1\r\n\r\n"
        self.assertEqual(len(self.reader.read(head).path), clients.MAX_PATH)

    def test_a_head_seen_before_is_remembered_by_its_hash_alone(self):
        head = b"POST /a HTTP/1.1\r\nIdempotency-Key: secret-k\r\n\r\n"
        self.assertIs(self.reader.read(head), self.reader.read(bytes(bytearray(head))))
        self.assertEqual(list(self.reader.asked), [hash(head)])
        self.assertNotIn(b"secret-k", repr(self.reader.asked).encode())

    def test_the_heads_remembered_are_bounded(self):
        for n in range(clients.HEADS_REMEMBERED + 10):
            self.reader.read(b"GET /%d HTTP/1.1\r\n\r\n" % n)
        self.assertLessEqual(len(self.reader.asked), clients.HEADS_REMEMBERED)

    def test_peer_addresses_as_the_kernel_lists_them(self):
        self.assertEqual(client_address(("::ffff:198.18.0.2", 5000, 0, 0)), "198.18.0.2")
        self.assertEqual(client_address(("2001:2::2", 5000, 0, 0)), "2001:2::2")
        self.assertEqual(client_address(("198.18.0.2", 5000)), "198.18.0.2")


class Ledger(unittest.TestCase):
    def setUp(self):
        self.reader, self.ledger = RequestReader(), ClientLedger()

    def request(self, head, now, reset, peer="198.18.0.2"):
        self.ledger.connected(peer)
        self.ledger.request(peer, self.reader.read(head), now, reset)

    def test_a_post_sent_again_without_a_key_is_an_unsafe_retry_with_its_delay(self):
        self.request(POST, 100.0, True)
        self.request(POST, 100.25, True)
        self.request(POST, 101.0, True)
        c = self.ledger.clients["198.18.0.2"]
        self.assertEqual((c.connections, c.resets, c.retries), (3, 3, 2))
        self.assertEqual(c.delays, [0.25, 0.75])
        self.assertEqual(c.unsafe_retries, {"POST": 2})
        self.assertEqual(c.unsafe_examples[0], ("POST", "/orders"))

    def test_idempotent_methods_and_keyed_posts_are_safe_retries(self):
        self.request(b"GET /a HTTP/1.1\r\n\r\n", 1.0, True)
        self.request(b"GET /a?x=2 HTTP/1.1\r\n\r\n", 2.0, True)  # the query is not part of the request
        keyed = b"POST /pay HTTP/1.1\r\nIdempotency-Key: abc\r\n\r\n"
        self.request(keyed, 3.0, True)
        self.request(keyed, 4.0, False)
        c = self.ledger.clients["198.18.0.2"]
        self.assertEqual((c.retries, c.unsafe_retries), (2, {}))

    def test_methods_a_client_invents_are_counted_as_other(self):
        for n in range(50):
            head = b"M%d /x HTTP/1.1\r\n\r\n" % n
            self.request(head, 1.0, True)
            self.request(head, 1.5, True)
        c = self.ledger.clients["198.18.0.2"]
        self.assertEqual(c.unsafe_retries, {"other": 50})
        self.assertEqual(c.unsafe_examples[0], ("other", "/x"))

    def test_not_the_same_request_not_the_same_client_or_too_late_is_no_retry(self):
        self.request(POST, 1.0, True)
        self.request(POST.replace(b"Content-Length: 2", b"Content-Length: 3"), 2.0, True)
        self.request(POST, 2.0, True, peer="198.18.0.3")
        self.request(b"POST /other HTTP/1.1\r\n\r\n", 3.0, True)
        self.assertEqual(self.ledger.clients["198.18.0.2"].retries, 0)
        self.request(POST, 2.0 + RETRY_WINDOW_SECONDS + 0.1, False)
        self.assertEqual(self.ledger.clients["198.18.0.2"].retries, 0)

    def test_at_connect_a_reconnection_after_a_reset_is_the_retry(self):
        for t in (1.0, 1.5, 2.5):
            self.ledger.connected("198.18.0.2")
            self.ledger.connection_reset("198.18.0.2", t)
        c = self.ledger.clients["198.18.0.2"]
        self.assertEqual((c.resets, c.retries, c.delays, c.unsafe_retries), (3, 2, [0.5, 1.0], {}))

    def test_bounded_clients_and_requests(self):
        saved = clients.MAX_CLIENTS, clients.MAX_REQUESTS
        clients.MAX_CLIENTS, clients.MAX_REQUESTS = 2, 1
        try:
            for i in range(4):
                self.request(b"GET /%d HTTP/1.1\r\n\r\n" % i, 1.0, True, peer="198.18.0.%d" % (i % 3))
            self.assertEqual(len(self.ledger.clients), 2)
            self.assertEqual(len(self.ledger.reset_at), 1)
            self.assertEqual(self.ledger.untracked_clients, 2)
            self.assertGreater(self.ledger.untracked_requests, 0)
        finally:
            clients.MAX_CLIENTS, clients.MAX_REQUESTS = saved


class Summary(unittest.TestCase):
    def ledger(self):
        reader, ledger = RequestReader(), ClientLedger()
        for peer, times in (("198.18.0.2", (0.0, 0.1, 0.3)), ("198.18.0.3", (0.0,))):
            for t in times:
                ledger.connected(peer)
                ledger.request(peer, reader.read(POST), t, True)
        return ledger

    def test_every_key_tools_rely_on(self):
        seen = {"198.18.0.2": Seen(0.5, 4, 2.0)}
        line, rows = summary(dump(self.ledger()), ["198.18.0.9"], seen, 10, True)
        self.assertEqual(
            sorted(line),
            sorted(["seen", "retries", "unsafeRetries", "retryDelayMs", "amplification", "reconnected",
                    "reconnectMs", "notSeenAgain", "top"]),
        )
        self.assertEqual(line["seen"], 3)  # the kernel's reset client too
        self.assertEqual(line["retries"], 2)
        self.assertEqual(line["unsafeRetries"], {"POST": 2})
        self.assertEqual(line["retryDelayMs"], {"p50": 100, "max": 200})
        self.assertEqual((line["reconnected"], line["notSeenAgain"]), (1, 2))
        self.assertEqual(line["reconnectMs"], {"p50": 500, "max": 500})
        # Of the clients that came back: 3 connections in 10 s during the window, 2 a second after it.
        self.assertEqual(line["amplification"], 0.15)
        self.assertEqual(line["top"][0], {"client": "198.18.0.2", "unsafeRetries": 2, "retries": 2, "reconnectMs": 500})
        # The most unsafe first, then by retries, then by address.
        self.assertEqual([r["client"] for r in rows], ["198.18.0.2", "198.18.0.3", "198.18.0.9"])
        self.assertEqual(
            rows[0],
            {"client": "198.18.0.2", "connections": 3, "resets": 3, "retries": 2, "unsafeRetries": {"POST": 2},
             "unsafeRequests": ["POST /orders", "POST /orders"], "retryDelaysMs": [100, 200],
             "amplification": 0.15, "reconnectMs": 500, "connectionsAfter": 4},
        )
        self.assertEqual((rows[2]["resets"], rows[2]["reconnectMs"], rows[2]["amplification"]), (0, None, None))

    def test_under_a_reset_percentage_the_connections_the_proxy_saw_stand_for_more(self):
        seen = {"198.18.0.2": Seen(0.5, 4, 2.0)}
        line, rows = summary(dump(self.ledger()), [], seen, 10, True, chosen=0.5)
        # The proxy saw half of them: 6 connections in 10 s, 2 a second after.
        self.assertEqual((line["amplification"], rows[0]["amplification"]), (0.3, 0.3))

    def test_unknowns_are_null(self):
        line, _ = summary(dump(ClientLedger()), [], None, 10, False)
        self.assertEqual(
            line,
            {"seen": 0, "retries": 0, "unsafeRetries": None, "retryDelayMs": None, "amplification": None,
             "reconnected": None, "reconnectMs": None, "notSeenAgain": None, "top": []},
        )

    def test_the_self_checks_connection_is_not_a_clients(self):
        reader, ledger = RequestReader(), ClientLedger()
        ledger.connected("127.0.0.1")
        ledger.silent_reset("127.0.0.1")
        ledger.connected("::1")
        ledger.silent_reset("::1")
        ledger.connected("::1")
        ledger.request("::1", reader.read(POST), 1.0, True)
        rows = without_self_check(dump(ledger), {"127.0.0.1", "::1"})["clients"]
        self.assertEqual([(r["client"], r["connections"], r["resets"]) for r in rows], [("::1", 1, 1)])


if __name__ == "__main__":
    unittest.main()
