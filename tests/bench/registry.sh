#!/usr/bin/env bash
# Registry benchmark: write latency (p50/p99, sequential and concurrent) on 3 real Ratis peers in
# one JVM, and the time from closing the leader to the next successful write (median of rounds).
# Usage: tests/bench/registry.sh [--writes 500] [--threads 8] [--per-thread 100] [--rounds 5]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
mvn -q -B --no-transfer-progress -pl raft-registry test-compile dependency:build-classpath \
    -Dmdep.outputFile=target/bench-classpath.txt -Dmdep.includeScope=test
exec java -Xmx1g -cp "raft-registry/target/classes:raft-registry/target/test-classes:$(cat raft-registry/target/bench-classpath.txt)" \
    io.cfgserver.registry.bench.RegistryBench "$@"
