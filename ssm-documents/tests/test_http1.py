"""HTTP/1.1 framing: heads, body lengths, and bodies read as they come, byte by byte included."""

import unittest

from http_reset_peer.http1 import (
    CHUNKED,
    READ_LIMIT,
    UNTIL_CLOSE,
    Body,
    body_length,
    parse_head,
    response_length,
    switches,
)


def fields_of(head):
    return parse_head(head)[1]


def take_all(body, data, step):
    """Feeds `data` to `body` `step` bytes at a time: the bytes it took, and whether it ended."""
    taken = 0
    for at in range(0, len(data), step):
        piece = data[at : at + step]
        n, ended = body.take(piece)
        taken += n
        if ended:
            return taken, True
        if n < len(piece):
            return taken, False
    return taken, False


class ParseHead(unittest.TestCase):
    def test_start_line_and_framing_fields_only(self):
        start, fields = parse_head(
            b"POST /orders?x=1 HTTP/1.1\r\nHost: shop\r\nContent-Length: 12\r\nX-Other: 1\r\n"
            b"Transfer-Encoding: gzip\r\ntransfer-encoding:  chunked \r\n\r\n"
        )
        self.assertEqual(start, [b"POST", b"/orders?x=1", b"HTTP/1.1"])
        self.assertEqual(fields, {b"content-length": [b"12"], b"transfer-encoding": [b"gzip", b"chunked"]})

    def test_leading_empty_lines_are_skipped(self):
        self.assertEqual(parse_head(b"\r\n\r\nGET / HTTP/1.1\r\n\r\n")[0], [b"GET", b"/", b"HTTP/1.1"])

    def test_heads_no_server_would_take(self):
        for head in (
            b"GET\r\n\r\n",  # no target
            b"GET / HTTP/1.1\r\nHost shop\r\n\r\n",  # no colon
            b"GET / HTTP/1.1\r\n: value\r\n\r\n",  # no name
            b"GET / HTTP/1.1\r\nHost : shop\r\n\r\n",  # space before the colon
            b"GET / HTTP/1.1\r\nHost: shop\r\n continued\r\n\r\n",  # obsolete line folding
        ):
            with self.subTest(head=head), self.assertRaises(ValueError):
                parse_head(head)


class BodyLength(unittest.TestCase):
    def test_requests(self):
        self.assertEqual(body_length(fields_of(b"GET / HTTP/1.1\r\n\r\n"), True), 0)
        self.assertEqual(body_length(fields_of(b"POST / HTTP/1.1\r\nContent-Length: 7\r\n\r\n"), True), 7)
        self.assertEqual(
            body_length(fields_of(b"POST / HTTP/1.1\r\nContent-Length: 7, 7\r\nContent-Length: 7\r\n\r\n"), True), 7
        )
        self.assertEqual(body_length(fields_of(b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"), True), CHUNKED)

    def test_requests_of_unknown_length_are_refused(self):
        for head in (
            b"POST / HTTP/1.1\r\nContent-Length: 7\r\nContent-Length: 8\r\n\r\n",
            b"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
            b"POST / HTTP/1.1\r\nContent-Length: 0x10\r\n\r\n",
            b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
        ):
            with self.subTest(head=head), self.assertRaises(ValueError):
                body_length(fields_of(head), True)

    def test_responses(self):
        self.assertEqual(body_length(fields_of(b"HTTP/1.1 200 OK\r\n\r\n"), False), UNTIL_CLOSE)
        self.assertEqual(body_length(fields_of(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n"), False), UNTIL_CLOSE)
        self.assertEqual(body_length(fields_of(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n"), False), 3)

    def test_responses_with_no_body_whatever_they_say(self):
        fields = fields_of(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n")
        self.assertEqual(response_length(b"HEAD", b"200", fields), 0)
        for status in (b"100", b"103", b"204", b"304"):
            self.assertEqual(response_length(b"GET", status, fields), 0)
        self.assertEqual(response_length(b"CONNECT", b"200", {}), UNTIL_CLOSE)
        self.assertEqual(response_length(b"GET", b"200", fields), 3)


class Switches(unittest.TestCase):
    def test_connect_and_upgrades_leave_http(self):
        self.assertTrue(switches(b"CONNECT", {}))
        upgrade = fields_of(b"GET / HTTP/1.1\r\nUpgrade: websocket\r\nConnection: keep-alive, Upgrade\r\n\r\n")
        self.assertTrue(switches(b"GET", upgrade))
        self.assertFalse(switches(b"GET", fields_of(b"GET / HTTP/1.1\r\nUpgrade: websocket\r\n\r\n")))
        self.assertFalse(switches(b"GET", {}))


class BodyTake(unittest.TestCase):
    CHUNKED_BODY = b"4;ext=1\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nTrailer: 1\r\n\r\n"

    def test_a_chunked_body_ends_at_its_last_byte_whatever_the_pieces(self):
        after = b"GET /next HTTP/1.1\r\n\r\n"
        for step in (1, 2, 3, 7, 64):
            with self.subTest(step=step):
                self.assertEqual(take_all(Body(CHUNKED), self.CHUNKED_BODY + after, step), (len(self.CHUNKED_BODY), True))

    def test_a_chunked_body_without_trailers(self):
        body = b"3\r\nabc\r\n0\r\n\r\n"
        for step in (1, 4, 100):
            self.assertEqual(take_all(Body(CHUNKED), body + b"rest", step), (len(body), True))

    def test_a_sized_body_ends_at_its_length(self):
        for step in (1, 5, 100):
            self.assertEqual(take_all(Body(10), b"0123456789tail", step), (10, True))

    def test_an_empty_body_and_one_until_close(self):
        self.assertEqual(Body(0).take(b"x"), (0, True))
        self.assertEqual(Body(UNTIL_CLOSE).take(b"anything"), (8, False))

    def test_a_chunked_body_no_server_would_take(self):
        with self.assertRaises(ValueError):
            Body(CHUNKED).take(b"zz\r\n")
        with self.assertRaises(ValueError):
            Body(CHUNKED).take(b"1" * (READ_LIMIT + 1))


if __name__ == "__main__":
    unittest.main()
