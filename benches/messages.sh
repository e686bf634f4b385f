#!/usr/bin/env bash
# Issue #28's load benchmark, on 127.0.0.1 only: what reactions cost a Coucou host. The same
# server (keeping its history) side by side in one run: P3 over JSON with messages only, then
# with 10 % of the senders' lines reactions on the newest message (each one told to everyone as
# `reacted`, counted as a delivered line).
#   R1: P3 (500 clients, 50 senders x 2/s in bursts): server CPU per delivered line.
# Usage: benches/messages.sh [OUT_DIR] [ROUNDS]; about 1 minute a round on 2 cores once built.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
. benches/lib.sh

out=${1:-target/bench-messages}
rounds=${2:-2}
mkdir -p "$out"
out=$(cd "$out" && pwd)
results="$out/results.jsonl"
: > "$results"

cargo build --release --quiet --bin coucou --bin coucou-bench
COUCOU=target/release/coucou
BENCH=target/release/coucou-bench
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

port=22000
server_pid=""

start_server() { # PORT
    rm -rf "$out/store-$1"
    "$COUCOU" server --bind 127.0.0.1 --port "$1" --identity "$out/identity" --data-dir "$out/store-$1" \
        --no-flood-limit --max-people 20000 --max-pending 20000 --max-pending-per-address 20000 \
        --handshake-timeout 600 >/dev/null 2>"$out/coucou.log" &
    server_pid=$!
    wait_listening "$1" coucou
}

run() { # LABEL BENCH-ARGS…
    local label=$1
    shift
    port=$((port + 1))
    start_server "$port"
    echo "  $label" >&2
    if ! "$BENCH" --port "$port" --dialect json --server-pid "$server_pid" \
        --label "$label" --json "$@" >>"$results"; then
        echo "    (run failed)" >&2
    fi
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
}

p3=(--clients 500 --senders 50 --rate 2 --burst --duration 5 --join-rate 500 --enter-together)
# Side by side, alternating, each round both.
for round in $(seq 1 "$rounds"); do
    run "coucou-messages/R1 P3 JSON round $round" "${p3[@]}"
    run "coucou-reactions/R1 P3 JSON round $round" "${p3[@]}" --reactions 10
done

"$BENCH" --table "$results" --baseline coucou-messages
