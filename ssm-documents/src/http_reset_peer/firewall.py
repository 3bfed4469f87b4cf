"""The host's firewall as the fault uses it: iptables and ip6tables, whichever backend they are (the
legacy tables, or nftables through iptables-nft). Puts the fault's rules in (rules.py writes them),
reads what is there, and takes the fault's rules out, each family in one transaction a table."""

import os
from collections import namedtuple

from .commands import finish_all, run, run_all, start_all
from .rules import CHAIN_PREFIX, chain_tag

FAMILIES = ("iptables", "ip6tables")


class FaultChains(namedtuple("FaultChains", "chains jumps packets")):
    """The fault's chains in one table of one family: their names, the host's rules that jump to
    them (as saved, "-A CHAIN ..."), and the packets each chain's rules counted."""

    __slots__ = ()


def start_restores(families):
    """An iptables-restore per family, started and waiting for the rules (see finish_restores)."""
    return start_all([[family + "-restore", "-w", "--noflush"] for family in families])


def finish_restores(families, restores, text):
    """Each table of the text goes in whole or not at all, in every family at once. A restore whose
    input ends before a table's COMMIT (the command was killed as it wrote) puts in nothing of it."""
    results = finish_all(restores, [text] * len(families))
    for family, (code, _, err) in zip(families, results):
        if code != 0:
            raise RuntimeError("%s-restore failed: %s" % (family, err.strip().splitlines()[-1:] or code))


def install_rules(families, text):
    finish_restores(families, start_restores(families), text)


def save_commands(families):
    return [([family + "-save", "-c"], None) for family in families]


def saved_rules(families=FAMILIES):
    return parse_saved(families, run_all(save_commands(families)))


def parse_saved(families, results):
    """Each family's ruleset from one iptables-save -c (a call per family, however many tables):
    {(family, table): [(packets, line)]}, a line being a chain (":NAME POLICY") or a rule
    ("-A CHAIN ..."), in the order saved. A family whose tool fails has no tables."""
    tables = {}
    for family, (_, out, _) in zip(families, results):
        table = None
        for line in out.splitlines():
            if line.startswith("*"):
                table = tables.setdefault((family, line[1:]), [])
            elif line.startswith(":") and table is not None:
                table.append((0, line))
            elif line.startswith("[") and "] -A " in line and table is not None:
                counters, rule = line.split("] ", 1)
                table.append((int(counters[1:].split(":")[0]), rule))
    return tables


def fault_rules(saved, experiment_id=None):
    """The fault's chains (of one experiment, or of all) in a saved ruleset, as FaultChains per
    (family, table)."""
    tag = chain_tag(experiment_id) if experiment_id else CHAIN_PREFIX
    found = {}
    for key, lines in saved.items():
        chains = [line[1:].split()[0] for _, line in lines if line.startswith(":" + tag)]
        if not chains:
            continue
        rules = [(packets, line, line.split()) for packets, line in lines if line.startswith("-A ")]
        found[key] = FaultChains(
            chains=chains,
            jumps=[line for _, line, words in rules if words[1] not in chains and words[-1] in chains],
            packets={chain: sum(p for p, _, words in rules if words[1] == chain) for chain in chains},
        )
    return found


def remove_rules(experiment_id=None, found=None):
    """Takes out the jumps into the fault's chains, then the chains (of `found`, or of what is there
    now): one iptables-restore per family, each table in one transaction. Idempotent. Returns what
    it removed.

    Another Cleanup may take some of them out first, and then a transaction fails: the rules are
    read again, and what is left is tried again.
    """
    removed = []
    for _ in range(3):
        found = fault_rules(saved_rules(), experiment_id) if found is None else found
        if not found:
            break
        for family in FAMILIES:
            tables = sorted((table, ours) for (f, table), ours in found.items() if f == family)
            text = ""
            for table, ours in tables:
                text += "*%s\n" % table + "".join("-D %s\n" % jump[3:] for jump in ours.jumps)
                # Every chain emptied before any goes: one of ours may jump to another.
                text += "".join("-F %s\n" % chain for chain in ours.chains)
                text += "".join("-X %s\n" % chain for chain in ours.chains) + "COMMIT\n"
            if text and run([family + "-restore", "-w", "--noflush"], text)[0] == 0:
                removed += ["%s %s: chains %s" % (family, table, ", ".join(ours.chains)) for table, ours in tables]
        found = None
    return removed


def survey():
    """What the fault acts through, from one round of iptables calls side by side: the families
    that can use the nat table (ip6tables only where the host has IPv6), every family's saved
    rules, and the tables iptables has (see drop_tables_made)."""
    candidates = FAMILIES if os.path.exists("/proc/net/if_inet6") else FAMILIES[:1]
    nat_checks = [([family, "-w", "-t", "nat", "-S", "OUTPUT"], None) for family in candidates]
    results = run_all(nat_checks + save_commands(FAMILIES))
    families = [family for family, (code, _, _) in zip(candidates, results) if code == 0]
    saved = parse_saved(FAMILIES, results[len(candidates) :])
    return families, saved, sorted([family, table] for family, table in saved if family in families)


def drop_tables_made(families, before):
    """Takes out the tables the fault made (those not `before`), when nothing but it ever put a
    rule or policy in them, where iptables is the nft backend.

    iptables-nft makes a table the first time a rule goes in and never removes it; saving does not
    make one. The legacy backend's tables cannot be removed: the kernel keeps each one once used,
    with no rule and ACCEPT policies. The backend is asked here, after the window, rather than
    before it, where each call delays the fault.
    """
    if "nf_tables" not in run(["iptables", "-V"])[1]:
        return []
    removed = []
    for (family, table), lines in sorted(saved_rules(families).items()):
        untouched = all(line.startswith(":") and " ACCEPT" in line for _, line in lines)
        if [family, table] not in before and untouched:
            if run(["nft", "delete", "table", "ip" if family == "iptables" else "ip6", table])[0] == 0:
                removed.append("%s table %s, which the fault made" % (family, table))
    return removed


def rules_remain(experiment_id=None):
    return bool(fault_rules(saved_rules(), experiment_id))


def remote_syns_caught(found, experiment_id):
    """How many connection attempts from remote peers the rules handed to the proxy: the packet
    counter of the interface's TPROXY rule (SYNs, so a retransmitted one counts twice)."""
    chain = chain_tag(experiment_id) + "IN"
    return sum(ours.packets.get(chain, 0) for (_, table), ours in found.items() if table == "mangle")


def connections_spared(found, experiment_id):
    """How many connections ResetPercentage spared: the SPARE chains' packet counters, where new
    connections (mangle) and those opened before the fault (filter) were chosen."""
    chain = chain_tag(experiment_id) + "SPARE"
    return sum(ours.packets.get(chain, 0) for ours in found.values())
