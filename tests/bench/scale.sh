#!/usr/bin/env bash
# Scale-out benchmark: 1 -> 2 groups by the split fast path (the new master replicates the whole
# source, is cut over under a pause and fence, then both sides trim) and by a key-by-key
# migrate-slots move, same keys, same writer rate, same machine, one after the other.
#
# Each run: 3 registry peers + the Temporal dev server, g1 = 1 master + 1 replica (redis-server 7.0,
#   no persistence) holding N keys "k:<i>" of B bytes, one proxy (agent + nutcracker 0.5.0), a
#   writer doing W SET/s on random keys through twemproxy that keeps every acknowledged write. The
#   scale-out adds g2 (an empty master + replica, weight 1): half the slots (512..1023) move to it.
#
# Printed per run: keys moved and the move's time from its start to the end of its cut-over
#   (effective keys/s: after it both groups serve; the split's trim and the move's cleanup run after),
#   how long the source was held, the writer's latency p99/max and failures around the cut-over, the
#   job's total time, acknowledged writes lost (every key read back through the proxy). Last line:
#   RESULT split_keys_per_s=… copy_keys_per_s=… speedup=… split_pause_max_ms=… split_pause_p99_ms=…
#          copy_pause_max_ms=… lost_acked=…
# Exit code 1 if a write was lost. About 3 minutes for the defaults on 2 cores.
# Usage: tests/bench/scale.sh [--keys 1000000] [--value-bytes 100] [--write-rate 2000]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
mvn -q -B --no-transfer-progress install -DskipTests -pl tests -am
mvn -q -B --no-transfer-progress -pl tests dependency:build-classpath \
    -Dmdep.outputFile=target/bench-classpath.txt -Dmdep.includeScope=test
exec java -Xmx2g -Dlogback.configurationFile=tests/bench/logback-bench.xml -cp "tests/target/test-classes:$(cat tests/target/bench-classpath.txt)" \
    io.cfgserver.tests.bench.ScaleBench "$@"
