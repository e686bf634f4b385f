#!/usr/bin/env bash
# Issue #14's benchmark, in one run: a file of SIZE_MB (default 1024 MiB) through a Coucou host on
# loopback (uploaded once, downloaded once, each on its own connection) against a plain nc-to-nc
# copy of as many bytes; then P1's chat latency alone, and again while files move through the
# same host. Installs netcat-openbsd when missing (Debian). Needs about 2.5 × SIZE_MB of free disk.
#
#   benches/files.sh [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"

out=${1:-target/bench-files}
size_mb=${SIZE_MB:-1024}
rm -rf "$out" && mkdir -p "$out"

if ! command -v nc >/dev/null 2>&1; then
    echo "Installing netcat-openbsd (Debian package)…"
    if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get install -y -qq netcat-openbsd >/dev/null || {
        $SUDO apt-get update -qq && $SUDO apt-get install -y -qq netcat-openbsd >/dev/null
    }
fi

cargo build --release --quiet --bin coucou --bin coucou-bench
COUCOU=target/release/coucou
BENCH=target/release/coucou-bench
port=21000

server_pid=""
start_server() {
    "$COUCOU" server --bind 127.0.0.1 --port "$port" --identity "$out/identity" --data-dir "$out/data" \
        --no-store --no-flood-limit --max-file-mb 4000 --files-quota-mb 8000 --lang en \
        >/dev/null 2>"$out/coucou.log" &
    server_pid=$!
    for _ in $(seq 1 100); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
        sleep 0.05
    done
    echo "coucou did not start" >&2
    exit 1
}
stop_server() {
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    rm -rf "$out/data"
}
trap stop_server EXIT

echo "== nc to nc, $size_mb MiB" >&2
nc_port=$((port + 100))
nc -l 127.0.0.1 "$nc_port" >/dev/null &
nc_pid=$!
sleep 0.2
start_ns=$(date +%s%N)
head -c $((size_mb * 1024 * 1024)) /dev/zero | nc -N 127.0.0.1 "$nc_port"
end_ns=$(date +%s%N)
wait "$nc_pid" 2>/dev/null || true
nc_s=$(echo "scale=3; ($end_ns - $start_ns) / 1000000000" | bc)
echo "{\"nc_s\":$nc_s,\"nc_mb_s\":$(echo "scale=1; $size_mb * 1.048576 / $nc_s" | bc)}" | tee "$out/nc.json"

echo "== through the Coucou host, $size_mb MiB" >&2
start_server
"$BENCH" --port "$port" --transfer "$size_mb" | tee "$out/transfer.json"
stop_server

p1=(--clients 100 --senders 1 --rate 200 --duration 5 --join-rate 500 --json)
echo "== P1 alone" >&2
start_server
"$BENCH" --port "$port" --label "P1 alone" "${p1[@]}" | tee "$out/p1.json"
stop_server

echo "== P1 while files of 256 MiB move through the host, one after another" >&2
start_server
(
    while [ ! -f "$out/p1-done" ]; do
        # At the lowest priority: on a LAN the sender and the receiver are other machines, not
        # the host's own two cores.
        nice -n 19 "$BENCH" --port "$port" --transfer 256 >>"$out/during.json" || break
    done
) &
mover=$!
sleep 0.5
"$BENCH" --port "$port" --label "P1 during transfers" "${p1[@]}" | tee "$out/p1-during.json"
touch "$out/p1-done"
wait "$mover" 2>/dev/null || true
stop_server
echo "transfers during P1: $(wc -l <"$out/during.json")" >&2
