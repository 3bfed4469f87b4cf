"""The document's parameters as the program reads them, and what they imply."""

import re
import unittest

from http_reset_peer.moments import CONNECT, REQUEST, RESPONSE
from http_reset_peer.parameters import FORWARD_GRACE_SECONDS, PROXY_GRACE_SECONDS, Parameters
from support import AGENT_DEFAULTS, parameters


class FromEnvironment(unittest.TestCase):
    def test_every_parameter_as_its_type(self):
        p = parameters(TargetServicePort="8080", DurationSeconds="600", ResetPercentage="25", ResetAt="response",
                       ResetAfterBytes="1000", ResetMethods="POST,PUT", ResetPaths="/orders,/cart")
        self.assertEqual(p.target_service_port, 8080)
        self.assertEqual(p.duration_seconds, 600)
        self.assertEqual(p.reset_percentage, 25)
        self.assertIs(p.reset_at, RESPONSE)
        self.assertEqual(p.reset_after_bytes, 1000)
        self.assertEqual(p.reset_methods, ("POST", "PUT"))
        self.assertEqual(p.reset_paths, ("/orders", "/cart"))

    def test_an_inject_without_experiment_id_names_itself(self):
        env = dict(AGENT_DEFAULTS, SSM_ExperimentId="")
        self.assertRegex(Parameters.from_environment(env).experiment_id, r"^manual-\d{8}T\d{6}Z$")

    def test_empty_lists_are_empty(self):
        self.assertEqual(parameters(ResetMethods="", ResetPaths=",").reset_paths, ())

    def test_summary_names_as_the_report_does(self):
        self.assertEqual(
            parameters(ResetMethods="POST").summary(),
            {"targetPort": 80, "interface": "eth0", "durationSeconds": 30, "resetPercentage": 100,
             "resetAt": "request", "resetAfterBytes": 0, "resetMethods": "POST", "resetPaths": "",
             "observeRecoverySeconds": 30},
        )


class WhatTheyImply(unittest.TestCase):
    def test_forwarding_under_filters_or_response_only(self):
        self.assertFalse(parameters().forwards)
        self.assertFalse(parameters(ResetAt="connect").forwards)
        self.assertTrue(parameters(ResetAt="response").forwards)
        self.assertTrue(parameters(ResetMethods="POST").forwards)
        self.assertTrue(parameters(ResetPaths="/a").forwards)

    def test_sparing_under_a_share_or_forwarding(self):
        self.assertFalse(parameters().spares)
        self.assertTrue(parameters(ResetPercentage="99").spares)
        self.assertTrue(parameters(ResetAt="response").spares)

    def test_the_proxy_is_given_the_forwarding_grace_only_when_it_forwards(self):
        self.assertEqual(parameters().proxy_grace_seconds, PROXY_GRACE_SECONDS)
        self.assertEqual(parameters(ResetMethods="GET").proxy_grace_seconds, PROXY_GRACE_SECONDS + FORWARD_GRACE_SECONDS)

    def test_moments(self):
        self.assertEqual([parameters(ResetAt=m).reset_at for m in ("connect", "request", "response")], [CONNECT, REQUEST, RESPONSE])
        self.assertFalse(CONNECT.reads_request)
        self.assertTrue(REQUEST.reads_request and not REQUEST.passes_on)
        self.assertTrue(RESPONSE.reads_request and RESPONSE.passes_on)


class Naming(unittest.TestCase):
    def test_each_field_is_a_document_parameter_in_snake_case(self):
        document_names = [name[len("SSM_"):] for name in AGENT_DEFAULTS]
        snake = [re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower() for name in document_names]
        self.assertEqual(sorted(Parameters._fields), sorted(snake))


if __name__ == "__main__":
    unittest.main()
