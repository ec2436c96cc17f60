#!/usr/bin/env bash
# Failover benchmark: cfgserver against Redis Sentinel + a nutcracker-rewriting agent, side by side
# in one run, on the same topology: 2 groups of 1 master + 2 replicas (redis-server 7.0, no
# persistence) behind one twemproxy (nutcracker 0.5.0), down-after 1000 ms. Kill rounds: everything
# on 127.0.0.1. Partition rounds: each redis and the proxy in a network namespace of its own (below).
#
# cfgserver: 3 registry peers (separate JVMs, Temporal unused), the proxy agent in the bench JVM
#   (partition rounds in netns mode: an agent process in the proxy's namespace), cluster policy
#   downAfterMillis 1000 (maxFailoversPerWindow raised so 8 failovers fit in one run).
# baseline:  3 redis-server --sentinel (quorum 2, down-after-milliseconds 1000, failover-timeout 10000,
#   resolve-hostnames no) and a small Java agent (BaselineAgent) that subscribes to +switch-master on
#   every Sentinel, re-renders nutcracker.yml (same renderer and slot map) and restarts nutcracker.
# Writer: one thread per group, one SET of a unique key owned by that group (by slot) every 1 ms,
#   through twemproxy, reconnecting after any error (1 ms pause); every acknowledged key+value is kept.
#
# kill rounds (--kills N, default 5, alternating groups): kill -9 of the group's master.
#   RTO = kill -> first acknowledged write of a key of the killed group (write started after the
#   process was gone); failed writes = errors of that group's writer in between; lost = acknowledged
#   writes (of the round, both groups) not readable with their value through twemproxy once the killed
#   redis was restarted (empty) and demoted back, and the group is healthy again (1 master + 2 synced
#   replicas; cfgserver: no failover in progress, no banned/stale replica; Sentinel: all 3 Sentinels
#   agree and list 2 healthy replicas). Breakdown: cfgserver's +failover-timings events (plus
#   fault->sdown from the +sdown event time); Sentinel: first +sdown/+odown/+promoted-slave/
#   +switch-master seen by the agent and the nutcracker restart, from the kill.
#
# crash-aware kill rounds (--crash-aware K, default = --kills): the same kill -9 rounds on the same topology
#   with the cluster policy's refusedDownAfterMillis at 300 (a master every peer sees refusing connections
#   for that long is down without waiting for downAfterMillis); the kill rounds above run with it at 0. A
#   registry without that field answers the policy change with 4xx: the crash-aware row says "not
#   available" and the RESULT line crash_rto_p50_ms=n/a. Kill rounds use no relay: a killed redis on
#   loopback refuses connections, as a crashed process on a living host does.
#
# partition rounds (--partitions M, default 3): the old master is cut off from the controllers /
#   Sentinels and from its replicas but twemproxy still reaches it, so the writes it acknowledges
#   until the proxy switches are lost (the asynchronous-replication window of docs/failover.md).
#   --partition-mode netns (default; needs root, ip and nft: tests/support/NetLab.java): a lab of
#   network namespaces on a bridge; each redis of the partition topology in a namespace of its own,
#   reached at that namespace's address (replicas REPLICAOF it, Sentinel monitors it, cfgserver
#   registers it); nutcracker in a namespace "px" of its own, listening on px's address, where the
#   writer connects (cfgserver: the agent process runs in px with its nutcracker; baseline: the
#   in-process agent starts nutcracker through a wrapper that exec's `ip netns exec <px> nutcracker`).
#   The control planes stay outside the namespaces (the bench JVM's side of the bridge): the 3
#   registry peers (listening on the bridge address for the whole run, so the agent in px reaches
#   them; for the kill rounds it is a local address like 127.0.0.1) and the 3
#   Sentinels; from a namespace they all come from that one address. The cut: nftables rules in the
#   namespaces drop every packet between the old master's namespace and (its group's replicas, the
#   outside), both ways; px is not cut. Drops are silent (timeouts, no refusal), so the crash-aware
#   rule does not fire, as behind a real partition. The round's clock starts once every rule is in
#   (the nft runs take some ms, printed per round). Heal: every rule removed. The kill rounds stay on
#   loopback. When namespaces cannot be built (NetLab.unavailable(): not root, no nft, ...) the
#   bench says why and falls back to --partition-mode blackhole.
#   --partition-mode cut|blackhole (the relay fallback), everything on 127.0.0.1: every redis has a
#   "control path" TCP relay (tests/support/TcpRelay.java) and that relay's address is the only one
#   the control plane knows: it is the address registered in cfgserver / monitored by Sentinel, the
#   one replicas REPLICAOF (replica-announce-port = relay port, so Sentinel learns replicas by their
#   relays too). nutcracker's config is rendered from those same addresses (by the cfgserver agent or
#   the baseline agent, unchanged), but nutcracker is started through a wrapper that rewrites each
#   relay port to its redis port before exec'ing nutcracker: the data path goes directly to redis.
#   Cutting the old master's relay (drop every connection, refuse new ones) partitions it from the
#   controllers, Sentinels and replicas alone. --partition-mode blackhole drops every byte instead
#   (nothing refused or closed: only timeouts, as behind a firewall that drops packets); a cut relay
#   refuses connections, which cfgserver's crash-aware rule (refusedDownAfterMillis) reads as a crash.
#   In every mode the cut lasts until the control plane has switched
#   the proxy to a new master, plus 1 s; then it heals and the old master is demoted (its writes of the
#   window are discarded by the resync). lost = acknowledged writes of the round not readable after
#   that, reported per round and as the TOTAL over the partition rounds (in the RESULT line). A round
#   whose failover does not happen within 60 s is printed with the control plane's events, healed,
#   measured all the same (its lost writes count in the total) and reported as FAILED (exit code 1).
#
# Prints per-round lines, medians with ranges (min–max), ratios (cfgserver / sentinel: < 1 means
# cfgserver is faster or loses less), breakdown p50/p99 (nearest rank), the failover path after
# detection (the controller's detection->proxies, every cfgserver round) against the goals of issue 12,
# and last:
#   RESULT cfgserver_rto_p50_ms=… sentinel_rto_p50_ms=… rto_ratio=… cfgserver_lost_partition=… sentinel_lost_partition=…
#          path_p50_ms=… (goal 150) path_p99_ms=… (goal 250) crash_rto_p50_ms=… (goal 500)
# (one line). --no-baseline skips the Sentinel phases (their figures print as -1 / n/a).
# Every process it starts is stopped at the end (also on failure), then the namespaces and the
# bridge are deleted. About 5 minutes on 2 cores.
# Needs redis-server and nutcracker (apt-get install redis-server nutcracker); netns mode: root,
# iproute2 and nftables.
# Usage: tests/bench/failover.sh [--kills 5] [--partitions 3] [--crash-aware 5] [--no-baseline]
#        [--partition-mode netns|cut|blackhole]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
mvn -q -B --no-transfer-progress install -DskipTests -pl tests -am
mvn -q -B --no-transfer-progress -pl tests dependency:build-classpath \
    -Dmdep.outputFile=target/bench-classpath.txt -Dmdep.includeScope=test
exec java -Xmx1g -Dlogback.configurationFile=tests/bench/logback-bench.xml -cp "tests/target/test-classes:$(cat tests/target/bench-classpath.txt)" \
    io.cfgserver.tests.bench.FailoverBench "$@"
