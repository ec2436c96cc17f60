#!/usr/bin/env bash
# Installs the prerequisites, then runs the whole build with its tests: `mvn -B verify`
# (unit tests *Test with Surefire, end-to-end tests *IT with Failsafe, which start their own
# redis-server, nutcracker, Temporal dev server and registry peers on free loopback ports).
# Exit code: Maven's. Extra arguments go to Maven, e.g. deploy/test.sh -pl tests -am -Dit.test=SomeIT
# The full output is also kept in run/logs/mvn-verify.log.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

"$DEPLOY_DIR/install-prereqs.sh" --for-tests

# The end-to-end tests look for `temporal` on PATH (then in ~/go/bin).
add_go_paths
export TEMPORAL_BIN="${TEMPORAL_BIN:-$(find_temporal)}"

mkdir -p "$LOG_DIR"
cd "$REPO_ROOT"
log "mvn -B verify $* (temporal: $TEMPORAL_BIN)"
t0="$(now_ms)"
set +e
# Quieter: no download progress, no colour, and none of the shade plugin's overlapping-resource
# warnings (over a thousand lines for the service jar). Surefire's and Failsafe's summaries stay.
mvn -B verify -Dstyle.color=never --no-transfer-progress \
    -Dorg.slf4j.simpleLogger.log.org.apache.maven.plugins.shade=error \
    "$@" 2>&1 | tee "$LOG_DIR/mvn-verify.log"
rc="${PIPESTATUS[0]}"
set -e
log "mvn verify exited $rc after $(( ($(now_ms) - t0) / 1000 )) s (full log: $LOG_DIR/mvn-verify.log)"
exit "$rc"
