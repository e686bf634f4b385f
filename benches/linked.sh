#!/usr/bin/env bash
# Issue #15's benchmark F1-link, in one run, ROUNDS times (default 3), the medians at the end:
# P1 (100 clients, 1 sender at 200 messages/s for 5 s) on one Coucou server, then the same spread
# over 3 Coucou servers linked through one local nats-server (clients in turn on each server; the
# sender on the first). For each: delivery latency p50/p99 (and, linked, across servers alone) and
# CPU per delivered line — the servers' together, and the broker's apart.
# Installs nats-server when missing (Debian's package, 2.9).
#
#   benches/linked.sh [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
. benches/lib.sh

out=${1:-target/bench-linked}
rounds=${ROUNDS:-3}
rm -rf "$out" && mkdir -p "$out"

need_command nats-server nats-server

cargo build --release --quiet --bin coucou --bin coucou-bench
COUCOU=target/release/coucou
BENCH=target/release/coucou-bench
broker_port=21422
ports=(21011 21012 21013)
pids=()

nats-server -a 127.0.0.1 -p "$broker_port" -js -sd "$out/nats" >/dev/null 2>"$out/nats.log" &
broker_pid=$!
wait_listening "$broker_port" nats-server || exit 1

stop_servers() {
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    pids=()
}
cleanup() {
    stop_servers
    kill "$broker_pid" 2>/dev/null || true
    wait "$broker_pid" 2>/dev/null || true
}
trap cleanup EXIT

# Starts a Coucou server on port $1 with the options that follow.
start_server() { # PORT [OPTIONS…]
    local port=$1
    shift
    "$COUCOU" server --bind 127.0.0.1 --port "$port" --identity "$out/identity" --no-store --no-files \
        --no-flood-limit --max-people 200 --max-pending-per-address 20000 --lang en "$@" \
        >/dev/null 2>>"$out/coucou.log" &
    pids+=($!)
    wait_listening "$port" coucou || exit 1
}

# The broker's CPU time so far, in seconds.
broker_cpu() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.3f", ($14 + $15) / hz }' "/proc/$broker_pid/stat"; }

p1=(--clients 100 --senders 1 --rate 200 --duration 5 --join-rate 500 --json)
for round in $(seq 1 "$rounds"); do
    echo "== round $round: P1 on one server" >&2
    start_server "${ports[0]}"
    "$BENCH" --port "${ports[0]}" --server-pid "${pids[0]}" --label "P1 one server" "${p1[@]}" >>"$out/single.json"
    stop_servers

    echo "== round $round: P1 over 3 linked servers" >&2
    for n in 0 1 2; do
        start_server "${ports[$n]}" --link "nats://127.0.0.1:$broker_port" --link-room "bench-$round" \
            --link-origin "site$n"
    done
    before=$(broker_cpu)
    "$BENCH" --port "${ports[0]}" --also-port "${ports[1]}" --also-port "${ports[2]}" \
        --server-pid "${pids[0]}" --server-pid "${pids[1]}" --server-pid "${pids[2]}" \
        --label "P1 three linked servers" "${p1[@]}" >"$out/linked-$round.json"
    after=$(broker_cpu)
    # The report, with the broker's CPU over the same run added.
    sed "s/}\$/,\"broker_cpu_s\":$(echo "$after - $before" | bc)}/" "$out/linked-$round.json" >>"$out/linked.json"
    stop_servers
done

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
field() { grep -o "\"$1\":[0-9.]*" "$2" | cut -d: -f2; }
per_line() { paste -d' ' <(field "$1" "$2") <(field delivered "$2") | awk '{ printf "%.3f\n", $1 * 1e6 / $2 }' | median; }

one_p50=$(field p50_ms "$out/single.json" | median)
one_p99=$(field p99_ms "$out/single.json" | median)
one_pct=$(field delivered_pct "$out/single.json" | median)
one_cpu=$(per_line server_cpu_s "$out/single.json")
linked_p50=$(field p50_ms "$out/linked.json" | median)
linked_p99=$(field p99_ms "$out/linked.json" | median)
cross_p50=$(field cross_p50_ms "$out/linked.json" | median)
cross_p99=$(field cross_p99_ms "$out/linked.json" | median)
linked_pct=$(field delivered_pct "$out/linked.json" | median)
servers_cpu=$(per_line server_cpu_s "$out/linked.json")
broker_cpu_per=$(per_line broker_cpu_s "$out/linked.json")

echo "medians of $rounds rounds (P1: 100 clients, 1 sender at 200/s for 5 s):"
printf '%-34s %10s %10s %12s %16s %16s\n' "" "p50 ms" "p99 ms" "delivered %" "servers µs/line" "broker µs/line"
printf '%-34s %10s %10s %12s %16s %16s\n' "one server" "$one_p50" "$one_p99" "$one_pct" "$one_cpu" "-"
printf '%-34s %10s %10s %12s %16s %16s\n' "3 linked servers, all deliveries" "$linked_p50" "$linked_p99" "$linked_pct" "$servers_cpu" "$broker_cpu_per"
printf '%-34s %10s %10s\n' "3 linked servers, across servers" "$cross_p50" "$cross_p99"
echo "p99 across servers / one server: $(echo "scale=2; $cross_p99 / $one_p99" | bc)"
