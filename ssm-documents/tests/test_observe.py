"""The kernel's lists after the window: read, timed, and turned into who came back and when."""

import os
import tempfile
import unittest

from http_reset_peer import observe
from http_reset_peer.observe import MARKS, STAMPS_KEPT, JiffyClock, observation_text, read_list, seen_after
from http_reset_peer.rules import chain_tag
from support import parameters

LIST = """src=192.0.2.1 ttl: 0 last_seen: 1000 oldest_pkt: 1 1000
src=198.18.0.2 ttl: 64 last_seen: 1250 oldest_pkt: 3 1250, 1100, 1150
src=2001:0002:0000:0000:0000:0000:0000:0002 ttl: 64 last_seen: 1300 oldest_pkt: 1 1300
"""


class ReadList(unittest.TestCase):
    def test_each_address_with_its_times_in_order(self):
        folder = tempfile.mkdtemp()
        saved, observe.PROC = observe.PROC, folder + "/"
        try:
            with open(os.path.join(folder, "L"), "w") as f:
                f.write(LIST)
            entries = read_list("L")
            self.assertEqual(entries["198.18.0.2"], [1100, 1150, 1250])
            self.assertEqual(entries["2001:2::2"], [1300])  # as the proxy's peers spell it
            self.assertEqual(read_list("missing"), {})
        finally:
            observe.PROC = saved
            os.remove(os.path.join(folder, "L"))
            os.rmdir(folder)


class Timing(unittest.TestCase):
    def test_jiffies_to_epoch_from_two_marks(self):
        clock = JiffyClock((1000, 50.0), (1500, 52.0))
        self.assertEqual(clock.hz, 250)
        self.assertEqual(clock.epoch(1250), 51.0)
        self.assertIsNone(JiffyClock((1000, 50.0), (1000, 50.0)).hz)

    def test_who_came_back_how_soon_how_often_the_marks_left_out(self):
        clock = JiffyClock((1000, 50.0), (1500, 52.0))
        first = {"198.18.0.2": [1100], MARKS[0]: [1000], "198.18.0.4": [1400]}
        every = {"198.18.0.2": [1100, 1150, 1250], "198.18.0.4": [1400]}
        seen = seen_after(49.0, clock, first, every)
        self.assertEqual(sorted(seen), ["198.18.0.2", "198.18.0.4"])
        self.assertAlmostEqual(seen["198.18.0.2"].first_after_seconds, 1.4)
        self.assertEqual(seen["198.18.0.2"].connections, 3)
        # Over the watch, from the window's end to the second mark: 3 s.
        self.assertAlmostEqual(seen["198.18.0.2"].rate, 1.0)
        self.assertAlmostEqual(seen["198.18.0.4"].rate, 1 / 3.0)

    def test_a_client_that_made_more_than_the_kernel_keeps_has_the_rate_of_those_kept(self):
        clock = JiffyClock((1000, 50.0), (1500, 52.0))
        stamps = list(range(1100, 1100 + 10 * STAMPS_KEPT, 10))
        seen = seen_after(49.0, clock, {"198.18.0.2": [900]}, {"198.18.0.2": stamps})
        # 20 kept, 10 jiffies apart at 250 Hz: 25 a second.
        self.assertAlmostEqual(seen["198.18.0.2"].rate, 25.0)


class Rules(unittest.TestCase):
    def test_the_watch_counts_new_connections_to_the_port_and_stands_in_nobodys_way(self):
        tag = chain_tag("exp-1")
        text = observation_text(parameters(TargetServicePort="8080", NetworkInterface="ens5"))
        self.assertIn(":%sSEEN - [0:0]" % tag, text)
        self.assertNotIn(" -j DROP", text)
        self.assertNotIn("REJECT", text)
        self.assertNotIn("TPROXY", text)
        self.assertIn("-I PREROUTING 1 -i ens5 -p tcp --dport 8080 --syn", text)
        self.assertIn("-m recent --name %sFIRST --rcheck --rsource -j RETURN" % tag.replace("-", ""), text)


if __name__ == "__main__":
    unittest.main()
