#!/usr/bin/env bash
# Slot-migration benchmark: cfgserver's migrate-slots job against redis-cli --cluster reshard, same
# keys, same writer rate, same machine, one after the other (never at the same time).
#
# cfgserver: 3 registry peers + the Temporal dev server, 2 groups of 1 master + 1 replica
#   (redis-server 7.0, no persistence), one proxy (agent + nutcracker 0.5.0). N keys "k:<i>" of B
#   bytes loaded into their owners; the job moves slots 0..S-1 (S/1024 of the keys, all from g1) to
#   g2 while a writer does W SET/s on random keys through twemproxy, keeping every acknowledged write.
# reshard:   3 redis-servers in cluster mode (redis-cli --cluster create, no replicas), the same keys;
#   redis-cli --cluster reshard moves S/1024*16384 slots (the same share of the keys) out of one
#   master to another while the same writer does W SET/s through JedisCluster (MOVED/ASK handled).
#
# Printed: keys/s and MB/s (key + value bytes; values are incompressible letters) of the bulk copy, the catch-up, the pause and how
#   long the source was held, the cleanup; the writer's SET latency (p50/p99/max) and failures during
#   the job and around the cut-over (from the end of the copy minus the hold minus 0.5 s to the start
#   of the cleanup plus 0.5 s); the source's GET p99 (a probe straight on the source every 2 ms)
#   during the copy; acknowledged writes lost (every key read back: the writer's last acknowledged
#   value or the loaded one; keys whose reply never came are left out and counted). The same for the
#   reshard. Last line:
#   RESULT migrate_keys_per_s=… reshard_keys_per_s=… speedup=… migrate_mb_per_s=… pause_p50_ms=…
#          pause_p99_ms=… pause_max_ms=… lost_acked=…
# migrate_keys_per_s is the bulk copy's rate; reshard_keys_per_s is the keys moved over the whole
# reshard command. Every process it starts is stopped at the end. Exit code 1 if a write was lost.
# About 4 minutes for the defaults on 2 cores. Needs redis-server, redis-cli, nutcracker, temporal.
# Usage: tests/bench/migration.sh [--keys 1000000] [--value-bytes 100] [--slots 256] [--write-rate 2000]
#        [--batch keysPerBatch] [--no-reshard]        e.g. large values: --keys 100000 --value-bytes 16384
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
mvn -q -B --no-transfer-progress install -DskipTests -pl tests -am
mvn -q -B --no-transfer-progress -pl tests dependency:build-classpath \
    -Dmdep.outputFile=target/bench-classpath.txt -Dmdep.includeScope=test
exec java -Xmx2g -Dlogback.configurationFile=tests/bench/logback-bench.xml -cp "tests/target/test-classes:$(cat tests/target/bench-classpath.txt)" \
    io.cfgserver.tests.bench.MigrationBench "$@"
