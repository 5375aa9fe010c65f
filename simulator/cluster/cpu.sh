#!/usr/bin/env bash
# Measure the CPU the dezura service spends per call-minute: build dezura
# (the working tree, or REV=<commit> from git), start a demo service on
# 127.0.0.1 with a fresh SQLite store, run `dezura-sim load` against it,
# and read the service's user+system CPU time from /proc/PID/stat before
# and after the load. Call-minutes are counted from the RTP packets the
# generator received (one packet = 20 ms of a call).
#
#   simulator/cluster/cpu.sh                               # working tree
#   REV=3b51280 simulator/cluster/cpu.sh                   # an older commit
#   CONCURRENCY=500 HOLD=30s DTMF_MODE=rfc4733 simulator/cluster/cpu.sh
#
# Prints one line: rev, calls, call-minutes, service CPU s, CPU s per
# call-minute, generator CPU s, p99 jitter at the generator.
set -euo pipefail
cd "$(dirname "$0")/../.."

CONCURRENCY=${CONCURRENCY:-300}   # calls at once
CPS=${CPS:-50}                    # new calls a second while ramping
HOLD=${HOLD:-20s}                 # each call: answer, listen (and send audio) this long, hang up
DURATION=${DURATION:-30s}         # keep starting calls this long
DTMF_MODE=${DTMF_MODE:-auto}      # the service's --dtmf (auto runs the in-band detector on every call)
SIP_PORT=${SIP_PORT:-25170}
RTP_PORTS=${RTP_PORTS:-40000-50000}
REV=${REV:-}

tmp=$(mktemp -d)
pid=""
cleanup() {
	if [[ -n $pid ]]; then
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

if [[ -n $REV ]]; then
	mkdir "$tmp/src"
	git archive "$REV" | tar -x -C "$tmp/src"
	(cd "$tmp/src" && go build -o "$tmp/dezura" ./cmd/dezura)
else
	go build -o "$tmp/dezura" ./cmd/dezura
fi
go build -o "$tmp/dezura-sim" ./cmd/dezura-sim

"$tmp/dezura" serve --demo --web off --db "sqlite:$tmp/cpu.db" --sip "127.0.0.1:$SIP_PORT" --rtp-ports "$RTP_PORTS" \
	--dtmf "$DTMF_MODE" --first-digit-timeout 60s --log-level warn >"$tmp/serve.log" 2>&1 &
pid=$!
for _ in $(seq 100); do
	grep -q "listening" "$tmp/serve.log" 2>/dev/null && break
	kill -0 "$pid" 2>/dev/null || { cat "$tmp/serve.log"; exit 1; }
	sleep 0.1
done

# utime + stime of the service, in clock ticks (proc(5): fields 14 and 15).
cputicks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
hz=$(getconf CLK_TCK)

before=$(cputicks)
"$tmp/dezura-sim" load --to "sip:ivr@127.0.0.1:$SIP_PORT" --scenario one-call --hold "$HOLD" \
	--concurrency "$CONCURRENCY" --cps "$CPS" --duration "$DURATION" --json >"$tmp/load.json" || true
after=$(cputicks)

python3 - "$tmp/load.json" "$before" "$after" "$hz" "${REV:-worktree}" "$DTMF_MODE" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
before, after, hz = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
cpu = (after - before) / hz
minutes = r["rtp_packets"] * 0.020 / 60
print(f"rev={sys.argv[5]} dtmf={sys.argv[6]} calls={r['completed']}/{r['attempted']} failed={r['failed']} "
      f"max_active={r['max_active']} call_minutes={minutes:.1f} service_cpu_s={cpu:.2f} "
      f"service_cpu_s_per_call_minute={cpu / minutes if minutes else float('nan'):.4f} "
      f"generator_cpu_s={r['generator_cpu_s']:.2f} jitter_p99_ms={r['jitter_ms']['p99']:.2f} loss={r['rtp_loss_ratio']:.4f}")
PY
