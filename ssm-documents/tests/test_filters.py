"""Which requests ResetMethods and ResetPaths pick."""

import unittest

from http_reset_peer.filters import RequestFilter


class Matches(unittest.TestCase):
    def test_every_request_when_neither_is_given(self):
        f = RequestFilter((), ())
        self.assertFalse(f.selective)
        self.assertTrue(f.matches(b"GET", b"/"))
        self.assertEqual(f.first_request(), ("GET", "/"))

    def test_methods(self):
        f = RequestFilter(("POST", "PATCH"), ())
        self.assertTrue(f.selective)
        self.assertTrue(f.matches(b"POST", b"/anything"))
        self.assertFalse(f.matches(b"GET", b"/anything"))
        self.assertFalse(f.matches(b"post", b"/anything"))  # methods are case-sensitive (RFC 9110, 9.1)

    def test_path_prefixes_of_origin_and_absolute_form_targets(self):
        f = RequestFilter((), ("/orders", "/cart/"))
        self.assertTrue(f.matches(b"GET", b"/orders/12?x=1"))
        self.assertTrue(f.matches(b"GET", b"/cart/items"))
        self.assertFalse(f.matches(b"GET", b"/cart"))
        self.assertTrue(f.matches(b"GET", b"http://shop.internal:8080/orders"))
        self.assertFalse(f.matches(b"GET", b"http://shop.internal/"))
        self.assertFalse(f.matches(b"GET", b"*"))

    def test_both_must_match(self):
        f = RequestFilter(("POST",), ("/orders",))
        self.assertTrue(f.matches(b"POST", b"/orders"))
        self.assertFalse(f.matches(b"GET", b"/orders"))
        self.assertFalse(f.matches(b"POST", b"/cart"))

    def test_the_first_request_it_resets_is_the_first_of_each_named(self):
        self.assertEqual(RequestFilter(("PUT", "POST"), ("/b", "/a")).first_request(), ("PUT", "/b"))
        self.assertEqual(RequestFilter((), ("/b",)).first_request(), ("GET", "/b"))


if __name__ == "__main__":
    unittest.main()
