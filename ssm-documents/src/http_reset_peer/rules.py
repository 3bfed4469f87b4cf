"""The fault's rules, as iptables-restore text: its chains, then the jumps into them. Only text:
firewall.py puts it in and takes it out.

Every chain of an experiment is named after it, HRP-<CRC-32 of its id>-<purpose>:

  IN, LOCAL   mangle: TPROXY hands new connections (from the interface, and from the instance itself
              through loopback) to the proxy's listeners, their destination unchanged;
  KEEP        nat: ends the nat table for those connections, so that no DNAT of Docker's or
              kube-proxy's sends them elsewhere;
  OPEN        filter: resets, on its next packet, a connection opened before the fault, and keeps
              its client's address in a list of the kernel's (observe.py reads it);
  CHOOSE, SPARE   under ResetPercentage, chooses each connection's fate once;
  OWN         under forwarding, spares the proxy's own connections to the service.
"""

import binascii

from .counters import LOCAL, REMOTE

CHAIN_PREFIX = "HRP-"
RULE_COMMENT = "http-reset-peer"

# Under ResetPercentage, each connection's fate, in two bits of its conntrack mark: set once, on its
# first packet the rules see, and read by every later one. Bits high enough to stay clear of the
# marks Docker, kube-proxy and the VPC CNI use. The proxy's own connections carry SPARED as their
# socket mark, and the self-check's CHOSEN.
SPARED, CHOSEN, FATE_MASK = 0x02000000, 0x04000000, 0x06000000


def chain_tag(experiment_id):
    """Chain names are limited to 28 characters, so an experiment's chains carry a digest of its id."""
    return CHAIN_PREFIX + "%08X-" % binascii.crc32(experiment_id.encode())


def recent_list(experiment_id, purpose):
    """A list of the kernel's recent match that the rules keep (see observe.py), shared by both
    families (the kernel keys each address by its family): KEPT, the clients whose connections opened
    before the fault the OPEN chain reset; FIRST and ALL, those seen after the window."""
    return chain_tag(experiment_id).replace("-", "") + purpose


def choice_chains(tag, percentage):
    """Chains that choose a connection's fate, once: chosen (to be reset) at random with the
    percentage's probability, else spared. The self-check's packets carry the chosen mark already.
    The SPARE chain's packet counter counts the connections spared. None at 100: all are chosen."""
    if percentage == 100:
        return []
    unmarked = "-m connmark --mark 0/0x%x" % FATE_MASK
    return [
        ":%sCHOOSE - [0:0]" % tag,
        ":%sSPARE - [0:0]" % tag,
        "-A %sCHOOSE -m mark --mark 0x%x/0x%x -j CONNMARK --set-xmark 0x%x/0x%x"
        % (tag, CHOSEN, FATE_MASK, CHOSEN, FATE_MASK),
        "-A %sCHOOSE %s -m statistic --mode random --probability %.5f -j CONNMARK --set-xmark 0x%x/0x%x"
        % (tag, unmarked, percentage / 100.0, CHOSEN, FATE_MASK),
        "-A %sCHOOSE %s -j %sSPARE" % (tag, unmarked, tag),
        "-A %sSPARE -j CONNMARK --set-xmark 0x%x/0x%x" % (tag, SPARED, FATE_MASK),
    ]


def not_spared(parameters):
    """The match that lets only chosen connections on, where some are spared."""
    return " -m connmark ! --mark 0x%x/0x%x" % (SPARED, FATE_MASK) if parameters.spares else ""


def chains_text(listen_ports, parameters):
    """The experiment's chains. Nothing jumps to them yet, so putting them in changes nothing, and
    shows that the kernel has what the fault needs before anything does."""
    tag = chain_tag(parameters.experiment_id)
    choice = choice_chains(tag, parameters.reset_percentage)
    # The proxy's connections to the service are marked spared by their socket (see proxy.py).
    own = [":%sOWN - [0:0]" % tag, "-A %sOWN -j CONNMARK --set-xmark 0x%x/0x%x" % (tag, SPARED, FATE_MASK)]
    # A connection opened before the fault meets the rules first here, and is chosen here.
    choose_open = ["-A %sOPEN -m connmark --mark 0/0x%x -j %sCHOOSE" % (tag, FATE_MASK, tag)] if choice else []
    return "\n".join(
        [
            "*mangle",
            ":%sIN - [0:0]" % tag,
            ":%sLOCAL - [0:0]" % tag,
        ]
        + choice
        + (own if parameters.forwards else [])
        + [
            # The connection's socket becomes the proxy's listener; its addresses stay as they were.
            "-A %sIN -p tcp -j TPROXY --on-port %d" % (tag, listen_ports[REMOTE]),
            "-A %sLOCAL -p tcp -j TPROXY --on-port %d" % (tag, listen_ports[LOCAL]),
            "COMMIT",
            "*nat",
            ":%sKEEP - [0:0]" % tag,
            # Ends the nat table for the connection: no DNAT of Docker's or kube-proxy's moves it on.
            "-A %sKEEP -j ACCEPT" % tag,
            "COMMIT",
            "*filter",
            ":%sOPEN - [0:0]" % tag,
        ]
        + choice
        + ["-A %sOPEN -m socket --transparent -j RETURN" % tag]
        + choose_open
        + [
            # What is left is a connection opened before the fault: reset it on its next packet, and
            # keep its client's address.
            "-A %sOPEN -p tcp ! --syn%s -m recent --name %s --set --rsource -j REJECT --reject-with tcp-reset"
            % (tag, not_spared(parameters), recent_list(parameters.experiment_id, "KEPT")),
            "COMMIT",
            "",
        ]
    )


def jumps_text(parameters):
    """The jumps into the chains, each first in its parent chain, ahead of the host's own rules
    (inserted in reverse: each goes in at the top)."""
    experiment_id, interface, port = parameters.experiment_id, parameters.network_interface, parameters.target_service_port
    tag = chain_tag(experiment_id)
    to_port = '-p tcp --dport %d -m comment --comment "%s %s"' % (port, RULE_COMMENT, experiment_id)
    new = '-p tcp --dport %d --syn -m comment --comment "%s %s"' % (port, RULE_COMMENT, experiment_id)
    local = "-m addrtype --dst-type LOCAL"
    chosen = not_spared(parameters)
    first = []  # ahead of the jumps to the proxy
    if parameters.reset_percentage < 100:
        # Chosen in mangle, which comes before nat: a spared connection then passes nat as usual.
        # The instance's own connections are chosen as they leave, ahead of nat's OUTPUT.
        first = [
            "-I PREROUTING 1 -i %s %s -j %sCHOOSE" % (interface, new, tag),
            "-I OUTPUT 1 %s %s -j %sCHOOSE" % (new, local, tag),
        ]
    if parameters.forwards:
        # Last, so first: the proxy's connections are spared before anything else sees them.
        first.append("-I OUTPUT 1 %s %s -m mark --mark 0x%x/0x%x -j %sOWN" % (new, local, SPARED, FATE_MASK, tag))
    return "\n".join(
        [
            "*mangle",
            # New connections arriving on the interface, and from the instance to itself, such as
            # `curl localhost:PORT`: the kernel delivers those through the loopback interface.
            "-I PREROUTING 1 -i %s %s%s -j %sIN" % (interface, new, chosen, tag),
            "-I PREROUTING 1 -i lo %s%s -j %sLOCAL" % (new, chosen, tag),
        ]
        + first
        + [
            "COMMIT",
            "*nat",
            "-I PREROUTING 1 -i %s %s%s -j %sKEEP" % (interface, to_port, chosen, tag),
            "-I OUTPUT 1 %s %s%s -j %sKEEP" % (to_port, local, chosen, tag),
            "COMMIT",
            "*filter",
            "-I INPUT 1 -i %s %s -j %sOPEN" % (interface, to_port, tag),
            "-I INPUT 1 -i lo %s -j %sOPEN" % (to_port, tag),
            "COMMIT",
            "",
        ]
    )
