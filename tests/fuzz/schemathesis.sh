#!/usr/bin/env bash
# Fuzzes a running cfgserver's REST API with schemathesis, from the OpenAPI document the service
# serves (GET /v1/openapi.json). Fails (exit 1) when any response is a 5xx, a status the document
# does not list for that operation, or not the documented content type (errors must be JSON).
#
#   tests/fuzz/schemathesis.sh [BASE_URL [TOKEN]]     e.g. http://127.0.0.1:8080 local-dev-token
#   tests/fuzz/schemathesis.sh --install-only         only install schemathesis (install-prereqs.sh)
#
# Environment: CFGSERVER_URL, CFGSERVER_TOKEN (instead of the arguments); FUZZ_MAX_EXAMPLES per
# operation (default 10); FUZZ_MAX_TIME seconds for the whole run (default 120); FUZZ_CLUSTER, an
# existing cluster that path parameters {name} use half of the time (default: none, random names);
# FUZZ_REPORT_DIR (default run/fuzz): a JUnit report and the failures as a pytest file.
#
# Not fuzzed: registry membership (POST /v1/registry/peers, DELETE /v1/registry/peers/{id}). A random
# peer added or a real one removed changes the Raft group itself: the registry would lose its majority
# and every later answer would be a 503 about the run's own damage, not about the API. The CLI's
# and the registry's own tests cover those two.
#
# Everything else runs for real and may change the cluster it is pointed at (it creates, edits
# and deletes clusters, groups and proxies): point it at a test or demo service, never production.
set -euo pipefail

SCHEMATHESIS_VERSION="4.32.5"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$HERE/../.." && pwd)"
VENV="$REPO_ROOT/.tools/schemathesis-venv"
ST="$VENV/bin/schemathesis"

log() {
    printf '[fuzz] %s\n' "$*" >&2
}

# Pinned, into a virtualenv under the repository's ignored .tools/; nothing to do when present.
install_schemathesis() {
    if [ -x "$ST" ] && "$ST" --version 2>/dev/null | grep -q "version $SCHEMATHESIS_VERSION\$"; then
        return 0
    fi
    log "installing schemathesis $SCHEMATHESIS_VERSION into $VENV"
    rm -rf "$VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
    "$ST" --version >/dev/null
}

if [ "${1:-}" = "--install-only" ]; then
    install_schemathesis
    exit 0
fi

URL="${1:-${CFGSERVER_URL:-http://127.0.0.1:8080}}"
URL="${URL%/}"
TOKEN="${2:-${CFGSERVER_TOKEN:-}}"
REPORT_DIR="${FUZZ_REPORT_DIR:-$REPO_ROOT/run/fuzz}"
install_schemathesis
mkdir -p "$REPORT_DIR"

# Long polls and waits answer after waitMs/timeoutMs (up to 60 s): fixed short so that a run's
# time goes to many requests. {name} is the given cluster half of the time, so that requests reach
# past "cluster does not exist".
CONFIG="$REPORT_DIR/schemathesis.toml"
{
    echo '[parameters]'
    echo '"query.waitMs" = 100'
    echo '"query.timeoutMs" = 100'
    if [ -n "${FUZZ_CLUSTER:-}" ]; then
        echo '"path.name" = { dictionary = "clusters", probability = 0.5 }'
        echo '[dictionaries.clusters]'
        echo "values = [\"$FUZZ_CLUSTER\"]"
    fi
} >"$CONFIG"

args=(
    --checks not_a_server_error,status_code_conformance,content_type_conformance
    --max-examples "${FUZZ_MAX_EXAMPLES:-10}"
    --max-time "${FUZZ_MAX_TIME:-120}"
    --request-timeout 20
    --workers 2
    --exclude-path-regex '^/v1/registry/peers'
    --continue-on-failure
    --no-color
    --report junit,pytest
    --report-dir "$REPORT_DIR"
)
if [ -n "$TOKEN" ]; then
    args+=(-H "Authorization: Bearer $TOKEN")
fi
log "schemathesis $SCHEMATHESIS_VERSION against $URL (report: $REPORT_DIR)"
cd "$REPORT_DIR"   # its cache (.schemathesis/) goes beside the report, not into the source tree
exec "$ST" --config-file "$CONFIG" run "$URL/v1/openapi.json" "${args[@]}"
