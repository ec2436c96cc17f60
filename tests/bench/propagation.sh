#!/usr/bin/env bash
# Propagation benchmark: time from committing a topology change to the last of N agents acking it
# (N = 1, 10, 50 by default, each agent with its own nutcracker on loopback, against a real 3-peer
# registry), and the client-visible gap of one nutcracker restart.
# Usage: tests/bench/propagation.sh [--agents 1,10,50] [--rounds 15]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
mvn -q -B --no-transfer-progress install -DskipTests -pl tests -am
mvn -q -B --no-transfer-progress -pl tests dependency:build-classpath \
    -Dmdep.outputFile=target/bench-classpath.txt -Dmdep.includeScope=test
exec java -Xmx2g -cp "tests/target/test-classes:$(cat tests/target/bench-classpath.txt)" \
    io.cfgserver.tests.bench.PropagationBench "$@"
