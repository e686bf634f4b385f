#!/usr/bin/env bash
# Issue #27's benchmarks, on 127.0.0.1 only: what a long ban list costs a Coucou host. Two servers
# keeping their history, with a moderators' password, side by side in one run: "coucou-stored" with
# no bans, "coucou-bans" with BANS (default 10,000) bans read back from its store at start (half by
# name, half by address; none falls on a benchmark client).
#   M1: P3 (500 clients, 50 senders x 2/s in bursts): server CPU per delivered line.
#   M2: 1,000 clients joining at 200/s, one after another: each one's wait for its welcome (p99).
# Usage: benches/moderation.sh [OUT_DIR]; about 2 minutes on 2 cores once built.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
. benches/lib.sh

out=${1:-target/bench-moderation}
mkdir -p "$out"
out=$(cd "$out" && pwd)
results="$out/results.jsonl"
: > "$results"
bans=${BANS:-10000}

cargo build --release --quiet --bin coucou --bin coucou-bench
COUCOU=target/release/coucou
BENCH=target/release/coucou-bench
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
printf 'craie-verte\n' > "$out/moderators"

port=21000
server_pid=""

start_server() { # NAME PORT
    rm -rf "$out/store-$2"
    if [ "$1" = coucou-bans ]; then
        "$BENCH" --ban-list "$bans" --store-dir "$out/store-$2"
    fi
    "$COUCOU" server --bind 127.0.0.1 --port "$2" --identity "$out/identity" --data-dir "$out/store-$2" \
        --moderator-password-file "$out/moderators" --no-flood-limit --max-people 20000 \
        --max-pending 20000 --max-pending-per-address 20000 --handshake-timeout 600 \
        >/dev/null 2>"$out/coucou.log" &
    server_pid=$!
    wait_listening "$2" "$1"
}

run() { # SERVER SCENARIO BENCH-ARGS…
    local server=$1 scenario=$2
    shift 2
    port=$((port + 1))
    start_server "$server" "$port"
    echo "  $server / $scenario" >&2
    if ! "$BENCH" --port "$port" --dialect plain --server-pid "$server_pid" \
        --label "$server/$scenario" --json "$@" >>"$results"; then
        echo "    (run failed)" >&2
    fi
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
}

# Side by side, each scenario on both servers before the next.
for server in coucou-stored coucou-bans; do
    run "$server" "M1 P3 500 clients, 50 senders x 2/s in bursts" --clients 500 --senders 50 --rate 2 --burst \
        --duration 5 --join-rate 500 --enter-together
done
for server in coucou-stored coucou-bans; do
    run "$server" "M2 1000 clients joining at 200/s" --clients 1000 --senders 1 --rate 1 --duration 1 \
        --settle 0.5 --join-rate 200 --join-timeout 30
done

"$BENCH" --table "$results" --baseline coucou-stored
