#!/usr/bin/env bash
# Fleet benchmark: what 3 registry peers cost while they watch a large fleet, and whether a dead master
# among many is failed over as fast as in a small cluster (issue 12, part 3).
#
# Phases, all in one run, every process on 127.0.0.1:
#   1. idle: 3 cfgserver peers (separate JVMs; a Temporal dev server when $TEMPORAL_BIN is set) watching
#      a 5-instance cluster (the demo's size: g1 = master + 2 replicas, g2 = master + 1 replica, real
#      redis-server). CPU of each peer over --idle-window s (from /proc/<pid>/stat), heap, probes.
#      Then kill -9 of g1's master: fault -> +sdown, +odown, the +failover-timings breakdown, fault ->
#      failover end (the small-cluster reference). The cluster is then deleted.
#   2. fleet: one cluster of --groups N groups (default 1000: N masters + N replicas). --real-groups
#      (default 2) are real redis-server master + replica; the others are answered by one fake-redis
#      JVM (tests/support/FakeRedisFleet: NIO selectors on many ports, PING/INFO/ROLE/CONFIG/
#      REPLICAOF/SET/GET..., replicas see their master's keys). Registered with one POST /v1/clusters.
#      Waits until every peer's prober sees all 2N instances up, then measures each peer over --window s:
#      CPU in cores, heap used (max of samples), ok probes/s, probe latency p50/p99 (upper bound of the
#      /prometheus histogram bucket). Then kill -9 of a real master among the 2N: the same timings as
#      in phase 1.
#   3. registry: the newest Ratis snapshot's size; a 4th peer started with the 4-peer membership and
#      added with POST /v1/registry/peers: time from the add to that peer having applied everything the
#      leader had committed (whether it came as a snapshot or as log entries: p4-snapshot-bytes > 0
#      says a snapshot was installed).
# Prints a line per phase and last:
#   RESULT fleet_cpu_cores_max=…(goal<=1) … failover_small_ms=… failover_fleet_ms=… new_peer_caught_up_ms=…
#          idle_cpu_pct_max=…(goal<=2)
# Every process it starts is stopped at the end (also on failure). About 4 minutes on 2 cores. Peers take a
# snapshot every 100 entries here (the least the config accepts) (-Ddw.registry.snapshotThreshold) so that there is one to measure. Run it
# alone: flock /tmp/cfgserver-heavy.lock tests/bench/fleet.sh
# Needs redis-server (apt-get install redis-server).
# Usage: tests/bench/fleet.sh [--groups 1000] [--real-groups 2] [--window 30] [--idle-window 30]
#                             [--replica-probe-period ms] [--no-temporal]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
mvn -q -B -o --no-transfer-progress install -DskipTests -pl tests -am
mvn -q -B -o --no-transfer-progress -pl tests dependency:build-classpath \
    -Dmdep.outputFile=target/bench-classpath.txt -Dmdep.includeScope=test
exec java -Xmx1g -Dlogback.configurationFile=tests/bench/logback-bench.xml -cp "tests/target/test-classes:$(cat tests/target/bench-classpath.txt)" \
    io.cfgserver.tests.bench.FleetBench "$@"
