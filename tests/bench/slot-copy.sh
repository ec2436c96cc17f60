#!/usr/bin/env bash
# Bulk-copy benchmark of slot migration: SlotCopier (pipelined DUMP/PTTL + RESTORE REPLACE) against
# batched MIGRATE ... COPY REPLACE KEYS, between two local redis-servers, same keys, rounds alternated.
# Usage: tests/bench/slot-copy.sh [--keys 200000] [--value-bytes 100] [--batch 1000] [--rounds 3]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
mvn -q -B --no-transfer-progress -pl activities -am install -DskipTests
mvn -q -B --no-transfer-progress -pl activities test-compile dependency:build-classpath \
    -Dmdep.outputFile=target/bench-classpath.txt -Dmdep.includeScope=test
exec java -Xmx1g -cp "activities/target/classes:activities/target/test-classes:$(cat activities/target/bench-classpath.txt)" \
    io.cfgserver.activities.bench.SlotCopyBench "$@"
