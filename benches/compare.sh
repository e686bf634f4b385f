#!/usr/bin/env bash
# Runs the same scenarios against Coucou, InspIRCd, ngircd and the seed's C design, on 127.0.0.1 only,
# and prints one table with ratios to InspIRCd. Installs InspIRCd and ngircd (Debian) and builds the
# seed design with gcc if needed. Takes about 10 minutes on 2 cores. Usage: benches/compare.sh [OUT_DIR]
# ONLY=P3 runs only the scenarios whose name starts with it (ONLY="P3|R1" for several).
# SERVERS="inspircd coucou-stored" runs only those servers (default: all of them).
# COUCOU_EXE=path/to/a/coucou runs that build as "coucou" and "coucou-stored" (default: this one's).
# BEFORE=path/to/an/older/coucou adds it as "before" (P1, P3) and "before-stored" (P1, P2, P3), beside
# today's "coucou" and "coucou-stored" (a store: each sender's echo waits for the commit).
# P3R spreads P3 over 10 rooms of 50 (Coucou's default room and bench-1…9; IRC's #bench0…9), and
# J1 times one person joining 50 rooms of 100 messages at once (Coucou only; issue #26).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
. benches/lib.sh

out=${1:-target/bench}
mkdir -p "$out"
# Absolute: InspIRCd reads a relative pid file's path from its own run folder and exits.
out=$(cd "$out" && pwd)
results="$out/results.jsonl"
: > "$results"

# --- what the run needs -------------------------------------------------------------------------
if { ! command -v ngircd >/dev/null 2>&1 && [ ! -x /usr/sbin/ngircd ]; } || [ ! -x /usr/sbin/inspircd ]; then
    echo "Installing ngircd and InspIRCd (Debian packages)…"
    if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get update -qq
    # policy-rc.d keeps the packages from starting a system-wide daemon on port 6667.
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
    $SUDO chmod +x /usr/sbin/policy-rc.d
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq ngircd inspircd gcc >/dev/null
    $SUDO rm -f /usr/sbin/policy-rc.d
fi
NGIRCD=$(command -v ngircd || echo /usr/sbin/ngircd)
INSPIRCD=/usr/sbin/inspircd
command -v gcc >/dev/null || { echo "gcc is needed to build the seed design" >&2; exit 1; }

cargo build --release --quiet --bin coucou --bin coucou-bench
gcc -O2 -pthread -o "$out/seed_design" benches/seed_design.c
COUCOU=${COUCOU_EXE:-target/release/coucou}
BENCH=target/release/coucou-bench

# 10,000 idle connections need file descriptors on both sides.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

# --- servers -------------------------------------------------------------------------------------
port=20000
server_pid=""
# Options every Coucou server of a scenario gets besides its own (the rooms of P3R).
server_extra=()

start_server() { # NAME PORT
    case "$1" in
        coucou)
            "$COUCOU" server --bind 127.0.0.1 --port "$2" --identity "$out/identity" --no-store --no-flood-limit --max-people 20000 \
                --max-pending 20000 --max-pending-per-address 20000 --handshake-timeout 600 ${server_extra[@]+"${server_extra[@]}"} \
                >/dev/null 2>"$out/coucou.log" &
            ;;
        coucou-stored | before-stored)
            # The same server keeping its history in a fresh SQLite store (issue #12's H1).
            rm -rf "$out/store-$2"
            exe=$COUCOU
            [ "$1" = before-stored ] && exe=$BEFORE
            "$exe" server --bind 127.0.0.1 --port "$2" --identity "$out/identity" --data-dir "$out/store-$2" --no-flood-limit --max-people 20000 \
                --max-pending 20000 --max-pending-per-address 20000 --handshake-timeout 600 ${server_extra[@]+"${server_extra[@]}"} \
                >/dev/null 2>"$out/coucou.log" &
            ;;
        before)
            "$BEFORE" server --bind 127.0.0.1 --port "$2" --identity "$out/identity" --no-store --no-flood-limit --max-people 20000 \
                --max-pending 20000 --max-pending-per-address 20000 --handshake-timeout 600 >/dev/null 2>"$out/coucou.log" &
            ;;
        ngircd)
            cat > "$out/ngircd.conf" <<EOF
[Global]
Name = bench.local
Info = Coucou benchmark
Listen = 127.0.0.1
Ports = $2
MotdPhrase = bench
PidFile = $out/ngircd.pid
[Limits]
MaxConnections = 0
MaxConnectionsIP = 0
MaxJoins = 0
MaxNickLength = 30
MaxPenaltyTime = 0
PingTimeout = 600
PongTimeout = 600
[Options]
DNS = no
Ident = no
PAM = no
EOF
            "$NGIRCD" -n -f "$out/ngircd.conf" >"$out/ngircd.log" 2>&1 &
            ;;
        inspircd)
            # Loopback only; no flood penalties (fakelag), no DNS or ident lookups, no clone limits,
            # a send queue of 1 MiB (as Coucou's), timeouts longer than the run.
            cat > "$out/inspircd.conf" <<EOF
<config format="xml">
<server name="bench.local" description="Coucou benchmark" network="bench">
<admin name="bench" nick="bench" email="bench@bench.local">
<bind address="127.0.0.1" port="$2" type="clients">
<connect name="bench" allow="*" timeout="600" pingfreq="600" hardsendq="1048576" softsendq="8192"
         recvq="8192" threshold="1000000" commandrate="1000000000" fakelag="no" localmax="30000" globalmax="30000"
         limit="30000" useident="no" resolvehostnames="no" maxchans="20">
<channels users="20" opers="60">
<pid file="$out/inspircd.pid">
<options syntaxhints="no" announcets="yes">
<security hideserver="" flatlinks="no" maxtargets="20">
<performance nouserdns="yes" softlimit="30000" somaxconn="1024" clonesonconnect="no" quietbursts="yes">
<whowas groupsize="0" maxgroups="0" maxkeep="0">
<log method="file" type="* -USERINPUT -USEROUTPUT" level="default" target="$out/inspircd.log">
EOF
            # --runasroot: CI runs the benchmarks as root, which InspIRCd otherwise refuses.
            "$INSPIRCD" --config "$out/inspircd.conf" --nofork --runasroot >"$out/inspircd.out" 2>&1 &
            ;;
        seed)
            "$out/seed_design" "$2" 20000 >"$out/seed.log" 2>&1 &
            ;;
    esac
    server_pid=$!
    wait_listening "$2" "$1"
}

stop_server() {
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
}

run() { # SERVER SCENARIO BENCH-ARGS…
    local server=$1 scenario=$2
    shift 2
    if [ -n "${ONLY:-}" ] && ! [[ "$scenario" =~ ^(${ONLY}) ]]; then
        return 0
    fi
    port=$((port + 1))
    start_server "$server" "$port"
    local dialect=${DIALECT:-plain}
    case "$server" in ngircd | inspircd) dialect=irc ;; esac
    echo "  $server / $scenario" >&2
    if ! "$BENCH" --port "$port" --dialect "$dialect" --enter-together --server-pid "$server_pid" \
        --label "$server/$scenario" --json "$@" >>"$results"; then
        echo "    (run failed)" >&2
    fi
    stop_server
}

# InspIRCd finishes a registration on its one-second tick and drops a JOIN sent before it, so every
# client connects (and on IRC registers) first, then all enter the room together (--enter-together):
# every server meets that same join pattern, and the join storm is timed from it.
servers="inspircd ngircd coucou coucou-stored"
[ -n "${BEFORE:-}" ] && servers="$servers before before-stored"
servers=${SERVERS:-$servers seed}
for server in $servers; do
    echo "== $server" >&2
    # The stored servers run P1, P2 and P3; the older one without a store P1 and P3.
    all=true stored=false
    case "$server" in coucou-stored | before*) all=false ;; esac
    case "$server" in *-stored) stored=true ;; esac
    run "$server" "P1 100 clients, 1 sender at 200/s" --clients 100 --senders 1 --rate 200 --duration 5 --join-rate 500
    { $all || $stored; } && run "$server" "P2 1000 clients, 10 msg/s" --clients 1000 --senders 10 --rate 1 --duration 5 --join-rate 500
    run "$server" "P3 500 clients, 50 senders x 2/s in bursts" --clients 500 --senders 50 --rate 2 --burst --duration 5 --join-rate 500
    $all || continue
    if [ "$server" = coucou ]; then
        run "$server" "T1 P3 with every client on TLS" --clients 500 --senders 50 --rate 2 --burst --duration 5 --join-rate 500 --tls
        run coucou-stored "H1 P3 with the history stored" --clients 500 --senders 50 --rate 2 --burst --duration 5 --join-rate 500
        # Y0: the 50 typists' connections alone (JSON clients that join and read, silent), so that
        # Y1 shows what typing itself costs.
        run "$server" "Y0 P3 with 50 silent JSON clients" --clients 500 --senders 50 --rate 2 --burst --duration 5 --join-rate 500 --typists 50 --typing-rate 0.001
        # Y2: the same typists at the app's own pace (one "typing" every 3 s while the line has text).
        run "$server" "Y2 P3 with 50 typists at the app's pace (1 per 3 s)" --clients 500 --senders 50 --rate 2 --burst --duration 5 --join-rate 500 --typists 50 --typing-rate 0.333
        run "$server" "Y1 P3 with 50 typists at 10 typing events/s" --clients 500 --senders 50 --rate 2 --burst --duration 5 --join-rate 500 --typists 50 --typing-rate 10
        # W0/W1: P3 in JSON, then with 100 of its 500 clients on the web page's WebSocket (issue #29).
        DIALECT=json run "$server" "W0 P3 with JSON clients" --clients 500 --senders 50 --rate 2 --burst --duration 5 --join-rate 500
        DIALECT=json run "$server" "W1 P3 with 100 of its JSON clients on WebSocket" --clients 500 --senders 50 --rate 2 --burst --duration 5 --join-rate 500 --web 100
    fi
    run "$server" "P4 1000 joining at once" --clients 1000 --senders 1 --rate 1 --duration 1 --settle 0.5 --join-timeout 20
    run "$server" "P5 10000 idle + 100 active" --idle 10000 --idle-timeout 45 --clients 100 --senders 10 --rate 1 --duration 5 --join-rate 500
    run "$server" "R1 P1 + 1 client that never reads" --clients 100 --senders 1 --rate 200 --duration 5 --join-rate 500 --slow
    run "$server" "R2 R1 at 1000/s of 440 B, 10 s" --clients 100 --senders 1 --rate 1000 --pad 400 --duration 10 --join-rate 500 --slow
done

echo "== rooms" >&2
server_extra=(--rooms "$(seq -s, -f 'bench-%g' 1 9)")
for server in ${SERVERS:-inspircd ngircd coucou coucou-stored}; do
    case "$server" in seed | before*) continue ;; esac
    run "$server" "P3R P3 over 10 rooms of 50" --clients 500 --senders 50 --rate 2 --burst --duration 5 --join-rate 500 --rooms 10
done
if [ -z "${ONLY:-}" ] || [[ "J1 rooms" =~ ^(${ONLY}) ]]; then
    echo "== J1: one person joins 50 rooms at once" >&2
    server_extra=(--rooms "$(seq -s, -f 'bench-%g' 1 50)" --max-joined-rooms 51)
    port=$((port + 1))
    start_server coucou-stored "$port"
    "$BENCH" --port "$port" --join-rooms 50 | tee "$out/j1-rooms.txt" >&2
    stop_server
fi
server_extra=()

if [ -z "${ONLY:-}" ] || [[ "H1 search" =~ ^(${ONLY}) ]]; then
    echo "== H1: searches and pages over 1,000,000 stored messages" >&2
    rm -rf "$out/h1-store"
    "$BENCH" --history 1000000 --store-dir "$out/h1-store" | tee "$out/h1-search.txt" >&2
    rm -rf "$out/h1-store"
fi

echo
echo "Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"
echo "Date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo
"$BENCH" --table "$results" --baseline inspircd
