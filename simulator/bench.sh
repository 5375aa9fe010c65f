#!/usr/bin/env bash
# Reproduce dezura's load figures on this machine: build dezura and
# dezura-sim, and for each figure start a fresh demo service on 127.0.0.1
# (SQLite in a temp dir, or DB_URL), run `dezura-sim load` against it with
# the generator on the same machine, check the service's call records
# against what was keyed (--db), and print the generator's report, the
# service's CPU per call-minute (from /proc/PID/stat; call-minutes from the
# RTP packets received, 20 ms each) and its media counters from /metrics.
#
#   simulator/bench.sh                  # the quick set: checkin short inband
#   simulator/bench.sh calls1500        # one figure (see FIGURES below)
#   simulator/bench.sh calls1500 inband1000 short1000 sustained50
#   JSON=1 simulator/bench.sh short     # the generator's JSON reports
#
# The generator runs at nice $SIM_NICE (default 10): it is the test
# harness, and on a 2-core machine it otherwise takes the cores the
# service's media clock needs (see the README's figures).
# Exits non-zero if any call failed or a record did not match.
set -euo pipefail
cd "$(dirname "$0")/.."

SIP_PORT=${SIP_PORT:-25070}
HTTP_PORT=${HTTP_PORT:-25080}
RTP_PORTS=${RTP_PORTS:-20000-40000}
DB_URL=${DB_URL:-}      # default: a fresh SQLite file per figure
SIM_NICE=${SIM_NICE:-10}
SERVE_FLAGS=${SERVE_FLAGS:-} # e.g. "--rtp-sendto" or "--procs 2" to compare
CALLERS=${CALLERS:-2000}     # check-in calls come from this many registered phones

# The check-in figures call from CALLERS numbers (090-0000-0000 on),
# registered to as many technicians by CSV import before the service
# starts: one technician checking in tens of thousands of times a day is
# not a load anyone will see.
many="--from 09000000000 --callers $CALLERS"

# name: description | dezura-sim load flags
declare -A FIGURES=(
	[checkin]="check-in flow, RFC 4733, 200 at once, 20 new a second for 20 s|--scenario checkin --dtmf rfc4733 --concurrency 200 --cps 20 --duration 20s $many"
	[short]="short calls (answer, 1 s, hang up), 100 new a second for 10 s|--scenario one-call --hold 1s --concurrency 300 --cps 100 --duration 10s"
	[inband]="check-in flow, in-band DTMF, 100 at once|--scenario checkin --dtmf inband --concurrency 100 --cps 20 --duration 20s $many"
	[calls1500]="1,500 at once in the check-in flow, RFC 4733, 100 new a second for 40 s|--scenario checkin --dtmf rfc4733 --concurrency 1500 --cps 100 --duration 40s $many"
	[inband1000]="1,000 at once in the check-in flow, in-band DTMF (the detector on every call), 70 new a second for 40 s|--scenario checkin --dtmf inband --concurrency 1000 --cps 70 --duration 40s $many"
	[short1000]="short calls, 1,000 new a second asked for 60 s (the rate reached is in the report)|--scenario one-call --hold 1s --concurrency 3000 --cps 1000 --duration 60s"
	[short700]="short calls, 700 new a second for 30 s|--scenario one-call --hold 1s --concurrency 3000 --cps 700 --duration 30s"
	[sustained50]="check-in flow, 50 new a second for 10 minutes|--scenario checkin --dtmf rfc4733 --concurrency 1500 --cps 50 --duration 600s $many"
	[foreman]="foreman entering a crew of three, 20 at once|--scenario foreman --dtmf rfc4733 --concurrency 20 --cps 5 --duration 20s"
)

names=("$@")
[[ ${#names[@]} -eq 0 ]] && names=(checkin short inband)
for n in "${names[@]}"; do
	[[ -n ${FIGURES[$n]:-} ]] || { echo "unknown figure $n; use one of: ${!FIGURES[*]}" >&2; exit 2; }
done

tmp=$(mktemp -d)
pid=""
stop_service() {
	if [[ -n $pid ]]; then
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		pid=""
	fi
}
cleanup() {
	stop_service
	rm -rf "$tmp"
}
trap cleanup EXIT

go build -o "$tmp/dezura" ./cmd/dezura
go build -o "$tmp/dezura-sim" ./cmd/dezura-sim
echo "machine: $(nproc) CPUs, $(uname -srm), $(date -u +%Y-%m-%dT%H:%MZ), generator at nice $SIM_NICE"

json=()
[[ -n ${JSON:-} ]] && json=(--json)
status=0
for n in "${names[@]}"; do
	desc=${FIGURES[$n]%%|*}
	read -r -a flags <<<"${FIGURES[$n]#*|}"
	db=${DB_URL:-sqlite:$tmp/$n.db}
	if [[ ${FIGURES[$n]} == *--callers* ]]; then
		python3 -c "
import sys
print('technician_id,name,phone')
for i in range(int(sys.argv[1])):
    print(f'{90000000000000 + i},負荷 試験{i},{9000000000 + i:011d}')
" "$CALLERS" >"$tmp/technicians.csv"
		"$tmp/dezura" --db "$db" migrate >/dev/null
		"$tmp/dezura" --db "$db" technician import "$tmp/technicians.csv" >/dev/null
	fi
	# shellcheck disable=SC2086 # SERVE_FLAGS is a list of flags
	"$tmp/dezura" serve --demo --web off --db "$db" --sip "127.0.0.1:$SIP_PORT" --rtp-ports "$RTP_PORTS" \
		--http "127.0.0.1:$HTTP_PORT" --log-level warn $SERVE_FLAGS >"$tmp/serve-$n.log" 2>&1 &
	pid=$!
	for _ in $(seq 100); do
		grep -q "listening" "$tmp/serve-$n.log" 2>/dev/null && break
		kill -0 "$pid" 2>/dev/null || { cat "$tmp/serve-$n.log"; exit 1; }
		sleep 0.1
	done
	echo
	echo "== $n: $desc"
	before=$(awk '{print $14 + $15}' "/proc/$pid/stat")
	check=()
	[[ $n != short* ]] && check=(--db "$db")
	"$tmp/dezura-sim" load --to "sip:ivr@127.0.0.1:$SIP_PORT" --timeout 90s "${flags[@]}" "${check[@]}" --json \
		>"$tmp/$n.json" 2>"$tmp/$n.err" &
	sim=$!
	renice -n "$SIM_NICE" -p "$sim" >/dev/null
	wait "$sim" || status=1
	after=$(awk '{print $14 + $15}' "/proc/$pid/stat")
	metrics=$(curl -s "http://127.0.0.1:$HTTP_PORT/metrics" | grep -E '^dezura_media_(ticks_total|ticks_late_total|frames_skipped_total|ring_shards)|^dezura_media_shards|^dezura_sip_call_setup_seconds_bucket|^go_gc_duration_seconds_(count|sum)|^go_memstats_alloc_bytes_total' || true)
	metrics+=$'\n'"peak_rss_kib $(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status")"
	stop_service
	if [[ ${#json[@]} -gt 0 ]]; then
		cat "$tmp/$n.json"
	fi
	python3 - "$tmp/$n.json" "$before" "$after" "$(getconf CLK_TCK)" "$metrics" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
cpu = (int(sys.argv[3]) - int(sys.argv[2])) / int(sys.argv[4])
minutes = r["rtp_packets"] * 0.020 / 60
q = lambda k: r[k]
print(f"calls:      attempted {r['attempted']}, completed {r['completed']}, failed {r['failed']} {r['failed_by'] or ''}"
      f"(at most {r['max_active']} at once, {r['started_per_s']:.0f} started a second, {r['elapsed_ms'] / 1000:.1f} s in all)")
print(f"setup:      p50 {q('setup_ms')['p50']:.2f} ms, p99 {q('setup_ms')['p99']:.2f} ms, max {q('setup_ms')['max']:.2f} ms (INVITE sent to 200 OK at the caller's socket, kernel stamp)")
print(f"  seen:     p50 {q('setup_seen_ms')['p50']:.2f} ms, p99 {q('setup_seen_ms')['p99']:.2f} ms, max {q('setup_seen_ms')['max']:.2f} ms (until the generator had it in hand)")
print(f"jitter:     p50 {q('jitter_ms')['p50']:.2f} ms, p99 {q('jitter_ms')['p99']:.2f} ms, max {q('jitter_ms')['max']:.2f} ms; loss {r['rtp_lost']} of {r['rtp_packets'] + r['rtp_lost']}")
print(f"service:    {cpu:.1f} CPU-s, {cpu / minutes if minutes else float('nan'):.4f} per call-minute ({minutes:.0f} call-minutes)")
print(f"generator:  {r['generator_cpu_s']:.1f} CPU-s, {r['generator_cpu_s_per_call_minute']:.4f} per call-minute")
rec = r.get("records")
if rec:
    print(f"records:    {json.dumps(rec, ensure_ascii=False)}")
lines = sys.argv[5].splitlines()
# The service's own set-up time (INVITE in to 200 OK out), from its
# histogram: the generator's figure above adds its own waiting for a core.
buckets = []
for l in lines:
    if l.startswith("dezura_sip_call_setup_seconds_bucket"):
        le = l.split('le="')[1].split('"')[0]
        buckets.append((float("inf") if le == "+Inf" else float(le), int(float(l.split()[-1]))))
if buckets and buckets[-1][1]:
    total = buckets[-1][1]
    within = lambda q: next(le for le, n in buckets if n >= q * total)
    print(f"service setup (its histogram): p50 <= {within(0.5) * 1000:g} ms, p99 <= {within(0.99) * 1000:g} ms, all <= {within(1.0) * 1000:g} ms")
print("media:      " + ", ".join(l.replace("dezura_media_", "") for l in lines if l.startswith("dezura_media_")))
rt = {l.split()[0]: float(l.split()[-1]) for l in lines if l.startswith(("go_", "peak_rss")) and len(l.split()) == 2}
if rt:
    print(f"runtime:    {rt.get('go_gc_duration_seconds_count', 0):.0f} GC cycles since start, "
          f"{rt.get('go_memstats_alloc_bytes_total', 0) / 2**20:.0f} MiB allocated, peak RSS {rt.get('peak_rss_kib', 0) / 1024:.0f} MiB")
PY
done
exit $status
