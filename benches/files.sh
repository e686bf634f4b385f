#!/usr/bin/env bash
# Issue #14's benchmark, in one run, ROUNDS times (default 3), the medians at the end:
#  - a file of SIZE_MB (default 1024 MiB) copied by a plain nc to nc, once to /dev/null and once
#    into a file on this disk (what the host does: it keeps the file);
#  - the same size through a Coucou host on loopback: offered, uploaded once (received, hashed,
#    written to its files folder), downloaded once, each on its own connection;
#  - P1's chat latency alone, then while plain nc copies of 256 MiB loop beside the host (what
#    moving bytes at loopback speed costs this machine, whoever moves them), then while 256 MiB
#    files move through the same host one after another, in turns. The movers run at nice 19
#    (MOVER_PREFIX to change it): on a LAN they are other machines.
# Installs netcat-openbsd when missing (Debian). Needs about 3 × SIZE_MB of free disk.
#
#   benches/files.sh [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
. benches/lib.sh

out=${1:-target/bench-files}
size_mb=${SIZE_MB:-1024}
rounds=${ROUNDS:-3}
rm -rf "$out" && mkdir -p "$out"

need_command nc netcat-openbsd

cargo build --release --quiet --bin coucou --bin coucou-bench
COUCOU=target/release/coucou
BENCH=target/release/coucou-bench
port=21000

server_pid=""
start_server() {
    "$COUCOU" server --bind 127.0.0.1 --port "$port" --identity "$out/identity" --data-dir "$out/data" \
        --no-store --no-flood-limit --max-people 200 --max-pending-per-address 20000 --max-file-mb 4000 --files-quota-mb 8000 --lang en \
        >/dev/null 2>"$out/coucou.log" &
    server_pid=$!
    wait_listening "$port" coucou || exit 1
}
stop_server() {
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
        server_pid=""
    fi
    rm -rf "$out/data"
}
trap stop_server EXIT

# Seconds a plain nc-to-nc copy of SIZE_MB takes into $1 (/dev/null or a file).
nc_copy() {
    local into=$1 nc_port=$((port + 100))
    nc -l 127.0.0.1 "$nc_port" >"$into" &
    local nc_pid=$!
    sleep 0.2
    local start_ns end_ns
    start_ns=$(date +%s%N)
    head -c $((size_mb * 1024 * 1024)) /dev/zero | nc -N 127.0.0.1 "$nc_port"
    wait "$nc_pid" 2>/dev/null || true
    end_ns=$(date +%s%N)
    echo "scale=3; ($end_ns - $start_ns) / 1000000000" | bc
}

# One plain nc copy of 256 MiB, at the movers' priority.
nc_mover() {
    local nc_port=$((port + 200))
    nc -l 127.0.0.1 "$nc_port" >/dev/null &
    local listener=$!
    sleep 0.05
    head -c $((256 * 1024 * 1024)) /dev/zero | ${MOVER_PREFIX:-nice -n 19} nc -N 127.0.0.1 "$nc_port" || true
    wait "$listener" 2>/dev/null || true
}

# One file of 256 MiB offered, uploaded and downloaded through the host, at the movers' priority.
coucou_mover() {
    ${MOVER_PREFIX:-nice -n 19} "$BENCH" --port "$port" --transfer 256 >>"$out/during.json"
}

# P1 (labelled $2, its report added to $3) on a fresh host while $1 runs again and again. The
# movers run at the lowest priority: on a LAN the sender and the receiver are other machines, not
# the host's own two cores.
p1_while() {
    local mover_fn=$1 label=$2 report=$3
    start_server
    rm -f "$out/p1-done"
    (
        while [ ! -f "$out/p1-done" ]; do
            "$mover_fn" || break
        done
    ) &
    local mover=$!
    sleep 0.5
    "$BENCH" --port "$port" --label "$label" "${p1[@]}" | tee -a "$report"
    touch "$out/p1-done"
    wait "$mover" 2>/dev/null || true
    stop_server
}

p1=(--clients 100 --senders 1 --rate 200 --duration 5 --join-rate 500 --json)
for round in $(seq 1 "$rounds"); do
    echo "== round $round of $rounds: nc to nc, $size_mb MiB" >&2
    null_s=$(nc_copy /dev/null)
    file_s=$(nc_copy "$out/nc.bin")
    rm -f "$out/nc.bin"
    echo "{\"round\":$round,\"nc_null_s\":$null_s,\"nc_file_s\":$file_s}" | tee -a "$out/nc.json"

    echo "== round $round: through the Coucou host, $size_mb MiB" >&2
    start_server
    "$BENCH" --port "$port" --transfer "$size_mb" | tee -a "$out/transfer.json"
    stop_server

    echo "== round $round: P1 alone" >&2
    start_server
    "$BENCH" --port "$port" --label "P1 alone" "${p1[@]}" | tee -a "$out/p1.json"
    stop_server

    echo "== round $round: P1 while plain nc copies of 256 MiB run beside the host (the machine's share)" >&2
    p1_while nc_mover "P1 during nc copies" "$out/p1-nc.json"

    echo "== round $round: P1 while files of 256 MiB move through the host" >&2
    p1_while coucou_mover "P1 during transfers" "$out/p1-during.json"
done

# The medians, side by side.
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
field() { grep -o "\"$1\":[0-9.]*" "$2" | cut -d: -f2; }
mb=$(echo "$size_mb * 1.048576" | bc)
nc_null=$(field nc_null_s "$out/nc.json" | median)
nc_file=$(field nc_file_s "$out/nc.json" | median)
up=$(field upload_s "$out/transfer.json" | median)
down=$(field download_s "$out/transfer.json" | median)
p99_alone=$(field p99_ms "$out/p1.json" | median)
p99_during=$(field p99_ms "$out/p1-during.json" | median)
p99_nc=$(field p99_ms "$out/p1-nc.json" | median)
ratio() { echo "scale=2; $1 / $2" | bc; }
echo
echo "medians of $rounds rounds, $size_mb MiB:"
echo "  nc → /dev/null        $nc_null s ($(echo "scale=0; $mb / $nc_null" | bc) MB/s)"
echo "  nc → file             $nc_file s ($(echo "scale=0; $mb / $nc_file" | bc) MB/s)"
echo "  upload to the host    $up s ($(echo "scale=0; $mb / $up" | bc) MB/s): $(ratio "$nc_file" "$up")× nc → file, $(ratio "$nc_null" "$up")× nc → /dev/null"
echo "  download from it      $down s ($(echo "scale=0; $mb / $down" | bc) MB/s): $(ratio "$nc_file" "$down")× nc → file"
echo "  sender to recipient   $(echo "$up + $down" | bc) s (one after the other): $(ratio "$nc_file" "$(echo "$up + $down" | bc)")× nc → file"
echo "  P1 p99 alone          $p99_alone ms"
echo "  P1 p99 during nc      $p99_nc ms ($(ratio "$p99_nc" "$p99_alone")×): the machine's share"
echo "  P1 p99 during files   $p99_during ms ($(ratio "$p99_during" "$p99_alone")×; $(ratio "$p99_during" "$p99_nc")× during nc)"
echo "  transfers during P1:  $(wc -l <"$out/during.json")"
