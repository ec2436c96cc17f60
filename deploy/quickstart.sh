#!/usr/bin/env bash
# cfgserver on one machine, everything on 127.0.0.1:
#   - a Temporal dev server (gRPC :7233, UI http://127.0.0.1:8233, state in run/temporal.db)
#   - a demo fleet: group g1 = redis 7001 (master) -> 7002 (replica),
#                   group g2 = redis 7011 (master) -> 7012 (replica),
#                   a spare redis 7003 for an add-replica job,
#                   and two spare redis 7021, 7022 for a scale-out (group g3: master, replica)
#   - the 3 registry peers p1..p3 (deploy/local/peer{1,2,3}.yml: REST 18081-18083,
#     admin 18091-18093, Raft 18181-18183, data in run/data)
#   - the cluster "demo" created through the REST API.
# Logs in run/logs, pidfiles in run/pids. Running it again starts only what is not running.
# deploy/stop.sh stops everything; deploy/stop.sh --wipe also deletes run/.
#
# Options:
#   --no-service   Temporal and the Redis fleet only (no build, no peers, no cluster)
#   --no-build     do not run Maven; use the jar that is already in service/target
#   --no-prereqs   skip deploy/install-prereqs.sh
# Environment: CFGSERVER_TOKEN (default local-dev-token), TEMPORAL_PORT (7233),
#   TEMPORAL_UI_PORT (8233), JAVA_OPTS (default -Xmx512m), CFGSERVER_RUN (default ./run),
#   CFGSERVER_JAR (default service/target/cfgserver.jar; with --no-build, run that jar).
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

WITH_SERVICE=1
BUILD=1
PREREQS=1
for arg in "$@"; do
    case "$arg" in
        --no-service) WITH_SERVICE=0 ;;
        --no-build) BUILD=0 ;;
        --no-prereqs) PREREQS=0 ;;
        -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown option $arg (try --help)" ;;
    esac
done

JAR="${CFGSERVER_JAR:-$REPO_ROOT/service/target/cfgserver.jar}"
RUN_JAR="$RUN_DIR/cfgserver.jar"
JAVA_OPTS="${JAVA_OPTS:--Xmx512m -XX:+ExitOnOutOfMemoryError}"
SPARE_PORT=7003

start_fleet() {
    start_redis 7001
    start_redis 7002 7001
    start_redis 7011
    start_redis 7012 7011
    start_redis "$SPARE_PORT"
    start_redis 7021
    start_redis 7022
    wait_until 30 "replica 7002 in sync with 7001" redis_link_up 7002 || die "replica 7002 did not sync"
    wait_until 30 "replica 7012 in sync with 7011" redis_link_up 7012 || die "replica 7012 did not sync"
    log "demo fleet up: g1 7001->7002, g2 7011->7012, spare $SPARE_PORT, spares 7021 7022 for a scale-out"
}

any_peer_running() {
    local i
    for i in 1 2 3; do
        is_running "peer$i" && return 0
    done
    return 1
}

build_jar() {
    if any_peer_running; then
        log "peers are running: not rebuilding (deploy/stop.sh first to run a new build)"
        return 0
    fi
    if [ "$BUILD" -eq 0 ]; then
        [ -f "$JAR" ] || die "--no-build, but $JAR does not exist"
        log "using the existing $JAR"
    else
        log "building the service: mvn -B -q package -DskipTests"
        local t0
        t0="$(now_ms)"
        (cd "$REPO_ROOT" && mvn -B -q package -DskipTests) || die "the build failed"
        [ -f "$JAR" ] || die "the build did not produce $JAR"
        log "built $JAR in $(( ($(now_ms) - t0) / 1000 )) s"
    fi
    # The peers run a copy, so a later build never changes a jar under a running JVM.
    mkdir -p "$RUN_DIR"
    cp "$JAR" "$RUN_JAR"
}

registry_up() { registry_json "$1" >/dev/null; }

# True once peer N answers GET /v1/registry, or has exited (no use waiting then).
peer_up_or_gone() {
    ! is_running "peer$1" || registry_up "${PEER_REST_PORTS[$(($1 - 1))]}"
}

start_peers() {
    local i
    for i in 1 2 3; do
        local name="peer$i" rest="${PEER_REST_PORTS[$((i - 1))]}"
        if is_running "$name"; then
            log "$name already running (pid $(pid_of "$name")) on 127.0.0.1:$rest"
            continue
        fi
        require_free_port "$name" "$rest"
        require_free_port "$name admin" "${PEER_ADMIN_PORTS[$((i - 1))]}"
        require_free_port "$name raft" "${PEER_RAFT_PORTS[$((i - 1))]}"
        mkdir -p "$RUN_DIR/data"
        # JAVA_OPTS is a list of options: split on purpose.
        # shellcheck disable=SC2086
        (cd "$REPO_ROOT" &&
            CFGSERVER_DATA="$RUN_DIR/data" TEMPORAL_TARGET="127.0.0.1:$TEMPORAL_PORT" \
            CFGSERVER_TOKEN="$CFGSERVER_TOKEN" TEMPORAL_UI_PORT="$TEMPORAL_UI_PORT" \
            start_bg "$name" "peer$i.yml" java $JAVA_OPTS -jar "$RUN_JAR" server "$DEPLOY_DIR/local/peer$i.yml")
        log "started $name (pid $(pid_of "$name")), log $LOG_DIR/$name.log"
    done
    local t0
    t0="$(now_ms)"
    for i in 1 2 3; do
        if ! wait_until 120 "peer$i GET /v1/registry" peer_up_or_gone "$i" || ! is_running "peer$i"; then
            is_running "peer$i" || warn "peer$i exited"
            tail -n 40 "$LOG_DIR/peer$i.log" >&2 || true
            die "peer$i did not come up (log: $LOG_DIR/peer$i.log)"
        fi
    done
    log "peers answer on 18081-18083 after $(( ($(now_ms) - t0) / 1000 )) s"
    wait_until 60 "a registry leader" has_leader "${PEER_REST_PORTS[0]}" || die "the registry elected no leader (logs: $LOG_DIR/peer*.log)"
    log "registry leader: $(leader_of "${PEER_REST_PORTS[0]}")"
}

DEMO_CLUSTER='{"name":"demo","groups":[{"id":"g1","master":"127.0.0.1:7001","replicas":["127.0.0.1:7002"]},{"id":"g2","master":"127.0.0.1:7011","replicas":["127.0.0.1:7012"]}],"proxies":[{"id":"p1","listen":"127.0.0.1:22121"},{"id":"p2","listen":"127.0.0.1:22122"}]}'

create_demo_cluster() {
    local out status
    out="$(api GET /v1/clusters/demo)" || die "no peer answered GET /v1/clusters/demo"
    status="$(printf '%s\n' "$out" | tail -n 1)"
    if [ "$status" = 200 ]; then
        log "cluster demo already exists (deploy/stop.sh --wipe starts from scratch)"
        local i
        for i in 1 2; do   # an older demo may lack the proxies
            api POST /v1/clusters/demo/proxies "{\"id\":\"p$i\",\"listen\":\"127.0.0.1:2212$i\"}" >/dev/null || true
        done
        return 0
    fi
    for _ in 1 2 3 4 5; do
        out="$(api POST /v1/clusters "$DEMO_CLUSTER")" || die "no peer answered POST /v1/clusters"
        status="$(printf '%s\n' "$out" | tail -n 1)"
        case "$status" in
            2??) log "created cluster demo (HTTP $status)"; return 0 ;;
            409) log "cluster demo already exists (HTTP 409)"; return 0 ;;
            503 | 000) log "registry busy (HTTP $status), retrying"; sleep 2 ;;
            *) die "POST /v1/clusters answered HTTP $status: $(printf '%s\n' "$out" | sed '$d')" ;;
        esac
    done
    die "could not create cluster demo: last answer HTTP $status"
}

proxy_ping() { redis-cli -h 127.0.0.1 -p "$1" ping 2>/dev/null | grep -q PONG; }

start_agents() {
    local i
    for i in 1 2; do
        local name="agent-p$i"
        if is_running "$name"; then
            log "$name already running (pid $(pid_of "$name")), nutcracker on 127.0.0.1:2212$i"
            continue
        fi
        (cd "$REPO_ROOT" && CFGSERVER_RUN="$RUN_DIR" CFGSERVER_TOKEN="$CFGSERVER_TOKEN" \
            start_bg "$name" "agent-p$i.yml" java -Xmx256m -jar "$RUN_JAR" agent "$DEPLOY_DIR/local/agent-p$i.yml")
        log "started $name (pid $(pid_of "$name")), log $LOG_DIR/$name.log"
    done
    for i in 1 2; do
        wait_until 60 "nutcracker of p$i answers on 127.0.0.1:2212$i" proxy_ping "2212$i" \
            || die "proxy p$i did not come up (log: $LOG_DIR/agent-p$i.log)"
    done
}

print_summary() {
    local name
    echo
    echo "Running (pidfiles in $PID_DIR, logs in $LOG_DIR):"
    while read -r name; do
        [ -n "$name" ] || continue
        if is_running "$name"; then
            printf '  %-12s pid %-8s log %s\n' "$name" "$(pid_of "$name")" "$LOG_DIR/$name.log"
        else
            printf '  %-12s NOT RUNNING (see %s)\n' "$name" "$LOG_DIR/$name.log"
        fi
    done < <(tracked_names)
    cat <<INFO

Temporal UI:      http://127.0.0.1:$TEMPORAL_UI_PORT   (gRPC 127.0.0.1:$TEMPORAL_PORT, namespace default)
Redis fleet:      g1 127.0.0.1:7001 -> 7002, g2 127.0.0.1:7011 -> 7012, spare 127.0.0.1:$SPARE_PORT,
                  spares 127.0.0.1:7021, 7022 (for a scale-out)
                  redis-cli -p 7002 info replication
INFO
    if [ "$WITH_SERVICE" -eq 1 ]; then
        cat <<INFO
Registry peers:   http://127.0.0.1:18081  http://127.0.0.1:18082  http://127.0.0.1:18083
                  (admin /healthcheck and /prometheus on 18091-18093)
Console:          http://127.0.0.1:18081/console/   (paste a token top right: local-viewer-token
                  to look, local-operator-token for the switchover and job buttons)
Tokens (roles):   local-viewer-token (viewer), local-operator-token (operator),
                  local-dev-token (admin; the CLI's default), local-proxy-p1-token and
                  local-proxy-p2-token (one per agent, for its own proxy only)
                  bin/cfgserver audit                   # who changed what, and who was refused

The CLI (bin/cfgserver; --help on any command; --json for scripts; it talks to these peers):
  bin/cfgserver cluster show demo
  bin/cfgserver registry status
  bin/cfgserver events demo --follow            # Ctrl-C to stop
  curl -s http://127.0.0.1:18091/prometheus | grep ^cfgserver_instance_up

Add the spare redis as a second replica of g1 (a Temporal workflow; watch it in the UI too):
  bin/cfgserver job start demo add-replica group=g1 address=127.0.0.1:$SPARE_PORT --watch

Grow the cluster to 3 groups: first the plan (a dry run: moves, sampled keys, ETA), then the job
(g3 takes slots from both groups: two key-by-key moves; a new group that takes all its slots from
one group, as when a cluster doubles, goes by replication instead: the split fast path):
  P='{"groups":[{"id":"g3","master":"127.0.0.1:7021","replicas":["127.0.0.1:7022"]}]}'
  bin/cfgserver plan demo scale-out --params "\$P"
  bin/cfgserver job start demo scale-out --params "\$P" --watch
  bin/cfgserver slots show demo
Even it out later, or every night at 3 (a Temporal Schedule; see Schedules in the UI):
  bin/cfgserver plan demo rebalance
  curl -s -X POST -H 'Authorization: Bearer $CFGSERVER_TOKEN' -H 'Content-Type: application/json' \\
       -d '{"cron":"0 3 * * *","window":"2h","tolerance":0.05}' http://127.0.0.1:18081/v1/clusters/demo/schedules

Set the fleet's config (checked on a replica first), roll it out with g1 as canary, resume, see drift:
  bin/cfgserver config set demo redis.maxmemory-policy=allkeys-lru redis.maxmemory=256mb nutcracker.timeout=400
  bin/cfgserver config rollout demo --canary g1
  bin/cfgserver job resume <id>; bin/cfgserver job watch <id>
  redis-cli -p 7011 config set maxmemory 0; sleep 35; bin/cfgserver config drift demo

Through the proxies (twemproxy, routed by the registry's slot map; 2 agents keep them current):
  redis-cli -p 22121 set hello world ; redis-cli -p 22122 get hello
  bin/cfgserver proxy list demo                          # served version, lease, standing
  curl -s -H 'Authorization: Bearer local-viewer-token' http://127.0.0.1:18081/v1/clusters/demo/proxies/p1/nutcracker.yml

Fail over g1 the hard way (writes through the proxies resume in about a second and a half):
  kill -9 \$(head -n 1 $PID_DIR/redis-7001.pid)
  bin/cfgserver events demo --limit 15
Kill every cfgserver peer: the proxies keep serving on their last map (static stability):
  for i in 1 2 3; do kill -9 \$(head -n 1 $PID_DIR/peer\$i.pid); done
  redis-cli -p 22121 set still serving ; cat $RUN_DIR/agents/p1/status.json
  deploy/quickstart.sh                                  # starts the peers again; the agents renew
A planned switchover, losing nothing:
  bin/cfgserver group switchover demo g2
INFO
    fi
    cat <<INFO

Stop everything:  deploy/stop.sh        (deploy/stop.sh --wipe also deletes $RUN_DIR)
INFO
}

on_exit() {
    local rc=$?
    if [ "$rc" -ne 0 ]; then
        echo >&2
        echo "quickstart failed (exit $rc). What it started so far keeps running: deploy/stop.sh stops it." >&2
    fi
}

# bin/cfgserver: the CLI, talking to the demo's peers with the demo's token unless told otherwise.
install_cli() {
    mkdir -p "$REPO_ROOT/bin"
    cat >"$REPO_ROOT/bin/cfgserver" <<LAUNCHER
#!/usr/bin/env bash
# Installed by deploy/quickstart.sh: the cfgserver CLI for the local demo (see deploy/cfgserver).
export CFGSERVER_TOKEN="\${CFGSERVER_TOKEN:-$CFGSERVER_TOKEN}"
exec "$REPO_ROOT/deploy/cfgserver" "\$@"
LAUNCHER
    chmod +x "$REPO_ROOT/bin/cfgserver"
    log "CLI installed: bin/cfgserver (try bin/cfgserver cluster show demo)"
}

TIMES=()

# timed NAME CMD...: runs CMD and notes how long it took, for the summary at the end.
timed() {
    local name="$1" t0
    shift
    t0="$(now_ms)"
    "$@"
    TIMES+=("$name $(( ($(now_ms) - t0) / 100 ))")
}

main() {
    trap on_exit EXIT
    local t0
    t0="$(now_ms)"
    if [ "$PREREQS" -eq 1 ]; then
        timed prerequisites "$DEPLOY_DIR/install-prereqs.sh"
    fi
    add_go_paths
    mkdir -p "$RUN_DIR" "$PID_DIR" "$LOG_DIR"
    timed temporal start_temporal
    timed fleet start_fleet
    if [ "$WITH_SERVICE" -eq 1 ]; then
        timed build build_jar
        timed peers start_peers
        timed cluster create_demo_cluster
        timed agents start_agents
        install_cli
    fi
    local where="" e
    for e in "${TIMES[@]}"; do
        set -- $e
        where="$where, $1 $(( $2 / 10 )).$(( $2 % 10 )) s"
    done
    log "quickstart done in $(( ($(now_ms) - t0) / 1000 )) s; where the time went: ${where#, }"
    print_summary
}

main
