/** The payload's section of BENCHMARKS.md (items 1 to 7): its results and how they are measured. */
import {
  BYSTANDER_SECONDS,
  LATENCY_RATE,
  LATENCY_SECONDS,
  LOAD_SECONDS,
  SPARED_RESET_PERCENTAGE,
  WINDOW_SECONDS,
} from "./payload";

/** `results` is the table of figures. */
export function payloadSection(results: string, runs: number): string {
  return `### Results

Each figure is the median of ${runs} runs, with the minimum and maximum in brackets (one figure alone: every run gave it). "Ours" is the fault's
proxy as the document ships it; "HAProxy" and "the kernel alone" are measured in the same run, in the same
network, on the same port, with the same client.

${results}

### What is measured, and how

Everything runs in two network namespaces made for the run: a server host and a client host joined by a
veth pair named \`eth0\`, with addresses from 198.18.0.0/15 (set aside for network tests), so no traffic
leaves the machine. The server host runs the payload tests' fixture HTTP server (Node) on port 80, the
port under fault, and on port 8080, the bystander. The fault is started exactly as the SSM agent would
start the document's script, with \`TargetServicePort=80\` and \`NetworkInterface=eth0\`, and with the
SSM agent's service \`PATH\` (systemd's default), so that \`python3\` is the
system's. Every measurement gets new hosts: connection tracking remembers closed connections for a
while, and the server keeps TIME_WAIT sockets; neither should carry over from one measurement to the
next. The client host uses ports 1024–65535 for its
connections (the default range has 28,232), so that it reuses a port as late as it can: a connection
from a reused port meets the server's TIME_WAIT socket and connection tracking's memory of the old one,
which made the bystander's new-connection rate with the fault look 35% lower in an earlier version of
this benchmark, where the default range was used.

1. **Reset throughput.** \`wrk -t 2 -c 64\` and \`-c 512\`, ${LOAD_SECONDS} s each, against port 80 from the
   client host. A reset is a request that failed on read or write (wrk reconnects at once); resets/s is
   their number over wrk's own duration. HAProxy (\`mode tcp\`, a frontend with \`option nolinger\` and
   \`tcp-request connection reject\`, default threads) listens on another port of the server host and is
   reached through the same kind of rule as the fault's proxy (\`mangle PREROUTING -i eth0 --dport 80
   --syn -j TPROXY\`, with HAProxy's \`transparent\` bind option), so that both pay the same kernel path
   and differ only in the process that resets. "The kernel alone" is the limit with no process involved:
   a filter rule on the server host (\`INPUT -i eth0 -p tcp --dport 80 -m conntrack
   --ctstate ESTABLISHED -j REJECT --reject-with tcp-reset\`) answers the client's first packet after
   the SYN, the ACK that completes its handshake, with a reset, under the same wrk loads (a rule ahead
   of it lets one packet through, for the connection wrk makes to check the address before it starts).
   The client's request is never sent: over the veth pair the reset often arrives before its
   \`connect\` returns, and wrk counts it as a failed write. The server's half of each such connection
   is never completed, so its SYN queue fills within the first few hundred and the rest are answered
   with SYN cookies. The ratios are taken per run,
   and the order of the three turns from run to run.
2. **Nothing gets through.** Every attempt on port 80 while the fault is active in one run (the steady-rate
   client, then wrk with 64 and 512 connections), and the HTTP responses among them; also the responses
   seen inside the measured window of item 5. A response is a complete HTTP response, whatever its status.
3. **Latency to reset.** \`bench/reset_client.py\` opens a new connection every millisecond
   (${LATENCY_RATE}/s, open loop, ${LATENCY_SECONDS} s), sends a GET as soon as it is connected and times
   from the send to the \`ECONNRESET\`.
4. **Footprint.** The proxy's peak resident memory (\`VmHWM\` in \`/proc/PID/status\`) after both wrk
   loads, and its CPU time (\`utime + stime\` from \`/proc/PID/stat\`) over the 512-connection load, as a
   percentage of one core. The same for the HAProxy process.
5. **Onset and teardown.** The same client tries a new connection every 2 ms from before the script
   starts until after the fault ends (\`DurationSeconds=${WINDOW_SECONDS}\`, python3 and iptables present).
   Onset: from starting the script to the first reset the client sees. Teardown: from the end of
   DurationSeconds (the \`startedAt\` the document reports, plus DurationSeconds) to the first 200 again,
   on a connection opened after the first reset (one opened just before the rules went in may still be
   answered). The measured window is from the first reset to that 200.
6. **Restore after SIGKILL.** With the fault active, SIGKILL to the script's whole process group (what the
   agent does on cancel or timeout), then the time until the server host holds no rule and no process of
   the fault. It is polled as the payload tests do (\`iptables-save\`, \`ip6tables-save\`, the namespace's
   processes), which takes a few tens of milliseconds a round, so the figure is an upper bound.
7. **Bystanders.** \`wrk -t 2 -c 32\`, ${BYSTANDER_SECONDS} s, against port 8080 without the fault and with it
   active on port 80 (the order alternates from run to run); once with keep-alive and once with a new
   connection per request (\`Connection: close\`). It passes when the change of the median is within the
   run-to-run spread (max − min over median) of the runs without the fault. The same against port 80
   itself, without the fault and with it at \`ResetPercentage=${SPARED_RESET_PERCENTAGE}\`: the kernel spares 99% of the
   connections, which then pay only its rules of choice on their way to the service; the requests
   that fail are those of the connections chosen (wrk opens a new one for each).

A target passes when every run meets it, except item 1, which is judged on the median of the per-run
ratios, and item 7, judged as said above.

The client, the load generator, the HTTP server, the fault and HAProxy all share the machine's cores, so
the absolute figures say as much about the machine as about the fault, and anything else running on it
shows up in the spread; the ratios measured in the same run are the figures to compare.

### How the proxy keeps up

The proxy is one Python process with one epoll loop. Its listening socket uses \`TCP_DEFER_ACCEPT\`: the
kernel hands a connection over only once the client's request has arrived, so almost every connection
costs four system calls (\`accept4\`, \`recvfrom\`, \`setsockopt(SO_LINGER)\`, \`close\`), about what
HAProxy spends to reject one. A connection that arrives without data has been silent for the whole
deferral (one second) and is reset after a short last chance; one whose request is still incomplete is
watched with epoll until it is in, or until the silent deadline.
`;
}
