"""EC2 HTTP reset peer: the part of the fault that runs on the instance once its inputs are checked.

Python 3.6 or newer (ssm-documents/src/bootstrap.py checks), standard library only. The document's
script runs it as `python3 -m http_reset_peer inject|cleanup` (through the bootstrap, which loads
these modules from the document's program parts). Four roles:

  inject   the SSM command itself (inject.py). Holds the host-wide lock, starts the proxy and the
           warden, puts the rules in, checks the fault from localhost, waits for the window to
           end, prints the report.
  cleanup  removes every rule, process and state file of one experiment, or of all of them
           (cleanup.py).

The command forks two more, each in a session of its own:

  proxy    accepts every connection the rules catch, reads the request and resets the connection
           (proxy.py; exchange.py for the connections it reads request by request).
  warden   holds the window: takes the rules out when it ends, the command dies, the proxy dies,
           or Cleanup asks (warden.py). The command puts them in only once the warden exists.

Forks, not new interpreters: a Python start and its imports cost tens of milliseconds, which the
fault's onset would pay. Each writes a pid file with its start time, which is how Cleanup finds it
(processes.py).

The rules (rules.py writes them, firewall.py puts them in and takes them out) hand new connections
to the proxy with TPROXY, which leaves their destination as it was: the host's own firewall, which
filters after the rules, sees the service's port and lets through exactly the clients the service
would have seen (a NAT redirect to the proxy's port would be dropped by every firewall that allows
only the service's port).

The SSM agent ends a cancelled or timed-out command with SIGKILL to its process group, so no
handler of ours runs then. The proxy and the warden therefore live in sessions of their own and
watch each other, and the warden watches the command, through pipes: the kernel closes a dead
process's descriptors at once, and the survivor sees the pipe hang up. The warden also holds a
copy of the proxy's listening sockets, so that if the proxy dies, new connections wait in their
backlog (and are reset when the warden closes them) instead of being dropped. The resets are
counted in a shared memory page, which outlives whichever process dies (counters.py).

The modules, each one behaviour: parameters.py (the document's parameters), moments.py (when a
connection is reset), filters.py (which requests are), http1.py (where HTTP/1.1 messages begin
and end), exchange.py, proxy.py, rules.py, firewall.py, commands.py (running iptables), sockets.py,
counters.py, series.py (the resets over time), clients.py (what the clients did, from the requests
the proxy reads), observe.py (what the kernel counts of the clients, during and after the window),
state.py (the state directory), processes.py, warden.py, self_check.py, inject.py, cleanup.py,
report.py (what the command prints), clock.py.
"""
