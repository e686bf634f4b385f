#!/usr/bin/env bash
# M1: the app's memory and first paint, on Mesa's software renderer under Xvfb.
#
#   benches/app_memory.sh [BINARY] [ROUNDS]     (default: target/release/coucou, 3 rounds; as root)
#
# Everything runs inside a network namespace made here (unshare -n): the app browses for rooms with
# mDNS at start, and nothing of that may leave this machine. Per round:
#   - first paint: from starting the app to its window being mapped (polled every 5 ms);
#   - RSS at start: once the empty window has settled (the same RSS for 2 s);
#   - RSS after 20,000 messages: the app joins a local `coucou server` (its name typed with
#     xdotool, Enter to connect), a plain client sends 20,000 messages of 40 to 120 characters, and
#     the RSS is read once the app has settled again.
# Needs Debian's xvfb, xdotool, x11-utils and libgl1-mesa-dri (installed when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(realpath "${1:-target/release/coucou}")
rounds=${2:-3}
messages=${MESSAGES:-20000}

if [ "$(id -u)" -ne 0 ]; then
    echo "run as root: the app must browse for rooms inside a network namespace of its own" >&2
    exit 1
fi
need=()
for pkg in xvfb x11-utils xdotool libgl1-mesa-dri python3; do
    dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cat >"$work/send.py" <<'EOF'
# A plain client: joins, sends N messages as fast as the room takes them, waits for its last echo.
import random, socket, sys
n = int(sys.argv[1])
s = socket.create_connection(("127.0.0.1", 4444))
f = s.makefile("rwb", buffering=0)
f.write(b"feeder\n")
words = "coucou bonjour salut le la une pour dans avec message salle classe bureau".split()
rng = random.Random(7)
for i in range(n):
    text = " ".join(rng.choice(words) for _ in range(rng.randint(6, 18)))[:120]
    f.write(f"{i} {text}\n".encode())
last = f"{n - 1} ".encode()
for line in f:
    if line.startswith(b"feeder: " + last):
        break
EOF

cat >"$work/round.sh" <<'EOF'
set -euo pipefail
bin=$1 work=$2 messages=$3
ip link set lo up
home=$(mktemp -d -p "$work")
export HOME=$home XDG_RUNTIME_DIR=$home LIBGL_ALWAYS_SOFTWARE=1 RUST_LOG=warn LC_ALL=C.UTF-8
Xvfb :88 -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
export DISPLAY=:88
until xdpyinfo >/dev/null 2>&1; do sleep 0.05; done
"$bin" server --bind 127.0.0.1 --port 4444 --no-flood-limit --no-store --history 100 >/dev/null 2>&1 &
server=$!

rss() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
# Waits until the RSS of $1 has stayed the same for 2 s (read every 0.25 s), then prints it (KiB).
settled() {
    local last=0 same=0 now
    while [ $same -lt 8 ]; do
        sleep 0.25
        now=$(rss "$1")
        if [ "$now" = "$last" ]; then same=$((same + 1)); else same=0; last=$now; fi
    done
    echo "$last"
}

start=$(date +%s%N)
"$bin" >"$home/app.log" 2>&1 &
app=$!
until xwininfo -name Coucou >/dev/null 2>&1; do sleep 0.005; done
mapped=$(date +%s%N)
start_rss=$(settled "$app")

window=$(xdotool search --name '^Coucou' | head -n 1)
xdotool windowfocus --sync "$window" 2>/dev/null || true
xdotool type --delay 20 memo
xdotool key Return
# First contact: "Trust this room?" (its button where the dialog puts it in a 900×640 window).
sleep 1
xdotool mousemove --window "$window" 213 371 click 1
until xwininfo -name 'Coucou — Coucou' >/dev/null 2>&1; do sleep 0.05; done
python3 "$work/send.py" "$messages"
after_rss=$(settled "$app")
# SHOT=file.png keeps a picture of the screen at the end, to see what was measured.
if [ -n "${SHOT:-}" ]; then xwd -root -silent | convert xwd:- "$SHOT"; fi
echo "first_paint_ms=$(((mapped - start) / 1000000)) start_kib=$start_rss after_kib=$after_rss"
kill "$app" "$server" "$xvfb" 2>/dev/null || true
wait 2>/dev/null || true
EOF

echo "M1 on $bin ($(stat -c %s "$bin") bytes), $rounds rounds, $messages messages"
for round in $(seq "$rounds"); do
    echo -n "round $round: "
    unshare -n bash "$work/round.sh" "$bin" "$work" "$messages"
done
