"""The request the self-check sends from localhost during the window."""

import unittest

from http_reset_peer.self_check import self_check_request
from support import parameters


class SelfCheckRequest(unittest.TestCase):
    def test_a_request_the_fault_resets(self):
        method, request, sent = self_check_request(parameters(ResetMethods="DELETE,POST", ResetPaths="/orders"))
        self.assertEqual(method, "DELETE")
        self.assertTrue(request.startswith("DELETE /orders HTTP/1.1\r\n"))
        self.assertIn("Content-Length: 0\r\n", request)
        self.assertTrue(request.endswith("Connection: close\r\n\r\n"))
        self.assertTrue(sent)

    def test_a_get_carries_no_body(self):
        _, request, _ = self_check_request(parameters())
        self.assertTrue(request.startswith("GET / HTTP/1.1\r\n"))
        self.assertNotIn("Content-Length", request)

    def test_where_the_request_reaches_the_service_a_method_that_may_change_it_is_not_sent(self):
        self.assertFalse(self_check_request(parameters(ResetAt="response", ResetMethods="POST"))[2])
        self.assertTrue(self_check_request(parameters(ResetAt="response", ResetMethods="HEAD"))[2])
        self.assertTrue(self_check_request(parameters(ResetMethods="POST"))[2])


if __name__ == "__main__":
    unittest.main()
