#!/usr/bin/env bash
# Chaos soak (issue 13): 2 clusters (each 2 groups of master + replica, a third group added by a
# scale-out), a proxy (agent + nutcracker) per cluster, two writers per cluster through its proxy (a
# model of every acknowledged write of mixed types, tests/support/DataModel, and unique-key SETs with exact
# ack times), a scale-out and rebalances running on
# each cluster, and one random fault at a time for --minutes: kill -9 of a master, of the registry
# leader, of a peer hosting a Temporal worker; a master cut off from the peers and its replicas while its
# proxy still reaches it (each redis-server and proxy in a network namespace of its own, NetLab, and the
# cut is nftables drops; without root/nft everything is on 127.0.0.1 and the cut is the test hook
# unreachable-<host:port>); a proxy restart (agent + nutcracker); an agent restart (its nutcracker keeps
# serving and the new agent adopts it); a Temporal server restart (graceful, same database). Then it heals, lets the jobs end and checks: acknowledged writes readable outside unplanned
# failover windows (losses counted per window), no slot owned by two groups, no proxy lagging past its
# lease, every job ended, no slot move, workflow or lock left. Prints a report and
#   RESULT PASS|FAIL seed=… minutes=… ops=… acked=… faults=… failovers=… jobs=… lost_unique=… …
# Exit 0 only when every check passed. Every process it starts is stopped (also on failure and Ctrl-C).
# Takes --minutes plus about 5 min (setup, draining jobs, checks); hard deadline --minutes + 20 min.
# Not part of any CI run. Run it alone: flock /tmp/cfgserver-heavy.lock tests/soak/soak.sh
# Needs redis-server, nutcracker and the temporal CLI ($TEMPORAL_BIN, or .tools/temporal-venv).
# Usage: tests/soak/soak.sh [--minutes 10] [--seed N] [--keys 20000] [--faults kind,...] [--dir DIR]
# (kinds: master-kill leader-kill worker-kill partition proxy-restart agent-restart agent-kill temporal-restart; default all)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
minutes=10
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
    if [[ "${args[i]}" == "--minutes" ]]; then minutes="${args[i + 1]}"; fi
done
mvn -q -B -o --no-transfer-progress install -DskipTests -pl tests -am
mvn -q -B -o --no-transfer-progress -pl tests dependency:build-classpath \
    -Dmdep.outputFile=target/bench-classpath.txt -Dmdep.includeScope=test
# the JVM has its own deadline (--minutes + 20 min); this one is the last resort (SIGTERM runs its cleanup)
deadline=$(awk -v m="$minutes" 'BEGIN { printf "%d", m * 60 + 25 * 60 }')
exec timeout --kill-after=60 "$deadline" java -Xmx1g -Dlogback.configurationFile=tests/bench/logback-bench.xml \
    -cp "tests/target/test-classes:$(cat tests/target/bench-classpath.txt)" \
    io.cfgserver.tests.soak.ChaosSoak "$@"
