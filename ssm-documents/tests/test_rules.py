"""The fault's rules as iptables-restore text."""

import unittest

from http_reset_peer.rules import CHOSEN, FATE_MASK, SPARED, chain_tag, chains_text, jumps_text
from support import parameters

PORTS = (40001, 40002)


def lines_of(text):
    return [line for line in text.split("\n") if line]


class ChainTag(unittest.TestCase):
    def test_fits_iptables_28_characters_with_every_purpose_for_the_longest_id(self):
        tag = chain_tag("x" * 128)
        self.assertRegex(tag, r"^HRP-[0-9A-F]{8}-$")
        for purpose in ("IN", "LOCAL", "KEEP", "OPEN", "CHOOSE", "SPARE", "OWN"):
            self.assertLessEqual(len(tag + purpose), 28)

    def test_differs_between_experiments(self):
        self.assertNotEqual(chain_tag("exp-1"), chain_tag("exp-2"))


class Chains(unittest.TestCase):
    def test_every_connection_all_chains_and_no_jump(self):
        p = parameters()
        tag = chain_tag("exp-1")
        lines = lines_of(chains_text(PORTS, p))
        self.assertEqual([l for l in lines if l.startswith(("*", ":", "COMMIT"))], [
            "*mangle", ":%sIN - [0:0]" % tag, ":%sLOCAL - [0:0]" % tag, "COMMIT",
            "*nat", ":%sKEEP - [0:0]" % tag, "COMMIT",
            "*filter", ":%sOPEN - [0:0]" % tag, "COMMIT",
        ])
        self.assertIn("-A %sIN -p tcp -j TPROXY --on-port 40001" % tag, lines)
        self.assertIn("-A %sLOCAL -p tcp -j TPROXY --on-port 40002" % tag, lines)
        self.assertIn(
            "-A %sOPEN -p tcp ! --syn -m recent --name %sKEPT --set --rsource -j REJECT --reject-with tcp-reset"
            % (tag, tag.replace("-", "")),
            lines,
        )
        self.assertFalse([l for l in lines if l.startswith("-I ")])
        self.assertNotIn("CHOOSE", chains_text(PORTS, p))

    def test_a_share_chooses_each_connection_once_with_its_probability(self):
        text = chains_text(PORTS, parameters(ResetPercentage="25"))
        self.assertIn("--probability 0.25000", text)
        self.assertEqual(text.count(":%sCHOOSE" % chain_tag("exp-1")), 2)  # in mangle and filter
        self.assertIn("--mark 0x%x/0x%x" % (CHOSEN, FATE_MASK), text)
        self.assertIn("-m connmark ! --mark 0x%x/0x%x -m recent" % (SPARED, FATE_MASK), text)

    def test_forwarding_spares_the_proxys_own_connections(self):
        text = chains_text(PORTS, parameters(ResetMethods="POST"))
        self.assertIn(":%sOWN - [0:0]" % chain_tag("exp-1"), text)
        self.assertNotIn("CHOOSE", text)


class Jumps(unittest.TestCase):
    def test_each_first_in_its_parent_chain_for_the_port_and_interface(self):
        tag = chain_tag("exp-1")
        lines = lines_of(jumps_text(parameters(NetworkInterface="ens5", TargetServicePort="8080")))
        jumps = [l for l in lines if l.startswith("-")]
        self.assertTrue(all(l.startswith("-I ") and " 1 " in l for l in jumps))
        self.assertTrue(all('--dport 8080 ' in l and '--comment "http-reset-peer exp-1"' in l for l in jumps))
        self.assertEqual(
            sorted((l.split()[1], l.split()[-1]) for l in jumps),
            sorted([
                ("PREROUTING", tag + "IN"), ("PREROUTING", tag + "LOCAL"),
                ("PREROUTING", tag + "KEEP"), ("OUTPUT", tag + "KEEP"),
                ("INPUT", tag + "OPEN"), ("INPUT", tag + "OPEN"),
            ]),
        )
        self.assertIn("-i ens5", [l for l in jumps if l.endswith(tag + "IN")][0])
        self.assertIn("-i lo", [l for l in jumps if l.endswith(tag + "LOCAL")][0])

    def test_a_share_chooses_before_the_proxy_and_lets_only_chosen_ones_on(self):
        tag = chain_tag("exp-1")
        mangle = lines_of(jumps_text(parameters(ResetPercentage="50")).split("COMMIT")[0])
        # Inserted in reverse: the later line goes in first.
        self.assertEqual([l.split()[-1] for l in mangle if l.startswith("-I")],
                         [tag + "IN", tag + "LOCAL", tag + "CHOOSE", tag + "CHOOSE"])
        self.assertIn("-m connmark ! --mark", [l for l in mangle if l.endswith(tag + "IN")][0])

    def test_forwarding_marks_the_proxys_connections_first(self):
        tag = chain_tag("exp-1")
        mangle = lines_of(jumps_text(parameters(ResetAt="response")).split("COMMIT")[0])
        self.assertEqual(mangle[-1], [l for l in mangle if l.endswith(tag + "OWN")][0])
        self.assertIn("-m mark --mark 0x%x/0x%x" % (SPARED, FATE_MASK), mangle[-1])


if __name__ == "__main__":
    unittest.main()
