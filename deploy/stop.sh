#!/usr/bin/env bash
# Stops what deploy/quickstart.sh started (peers first, then Redis, then Temporal), by the
# pidfiles in run/pids; a pid that no longer runs our command is never signalled.
#   --wipe   also delete run/ (Raft data, Redis data, the Temporal database, logs)
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

WIPE=0
for arg in "$@"; do
    case "$arg" in
        --wipe) WIPE=1 ;;
        -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown option $arg (try --help)" ;;
    esac
done

stopped=0
while read -r name; do
    [ -n "$name" ] || continue
    if is_running "$name"; then
        stop_bg "$name" 30
        stopped=$((stopped + 1))
    else
        rm -f "$(pidfile "$name")"
    fi
done < <(tracked_names)
[ "$stopped" -gt 0 ] || log "nothing was running"

if [ "$WIPE" -eq 1 ] && [ -d "$RUN_DIR" ]; then
    rm -rf "$RUN_DIR"
    log "deleted $RUN_DIR"
fi
