#!/usr/bin/env bash
# Reproduce dezura's load figures on this machine: build dezura and
# dezura-sim, start a demo service on 127.0.0.1 with a fresh SQLite store,
# run the load scenarios against it (generator on the same machine), check
# the service's call records against what was keyed, and print each report.
#
#   simulator/bench.sh                      # defaults below
#   CONCURRENCY=1500 CPS=50 DURATION=60s simulator/bench.sh
#   JSON=1 simulator/bench.sh               # machine-readable reports
#
# Exits non-zero if any scenario had a failed call or a record mismatch.
set -euo pipefail
cd "$(dirname "$0")/.."

CONCURRENCY=${CONCURRENCY:-200}     # calls at once in the check-in flow
CPS=${CPS:-20}                      # new check-in calls a second
DURATION=${DURATION:-20s}           # how long to keep starting calls
SHORT_CPS=${SHORT_CPS:-100}         # new short calls a second
SHORT_DURATION=${SHORT_DURATION:-10s}
INBAND_CONCURRENCY=${INBAND_CONCURRENCY:-100}
SIP_PORT=${SIP_PORT:-25070}
RTP_PORTS=${RTP_PORTS:-20000-40000}
DB_URL=${DB_URL:-}                  # default: a fresh SQLite file

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

go build -o "$tmp/dezura" ./cmd/dezura
go build -o "$tmp/dezura-sim" ./cmd/dezura-sim
db=${DB_URL:-sqlite:$tmp/bench.db}

"$tmp/dezura" serve --demo --db "$db" --sip "127.0.0.1:$SIP_PORT" --rtp-ports "$RTP_PORTS" --log-level warn >"$tmp/serve.log" 2>&1 &
pid=$!
for _ in $(seq 100); do
	grep -q "listening" "$tmp/serve.log" 2>/dev/null && break
	kill -0 "$pid" 2>/dev/null || { cat "$tmp/serve.log"; exit 1; }
	sleep 0.1
done

echo "machine: $(nproc) CPUs, $(uname -srm), $(date -u +%Y-%m-%dT%H:%MZ)"
to="sip:ivr@127.0.0.1:$SIP_PORT"
json=()
[[ -n ${JSON:-} ]] && json=(--json)
status=0
run() {
	echo
	echo "== $1"
	shift
	"$tmp/dezura-sim" load --to "$to" "${json[@]}" "$@" || status=1
}
run "check-in flow, RFC 4733, $CONCURRENCY at once, $CPS calls/s for $DURATION" \
	--scenario checkin --dtmf rfc4733 --concurrency "$CONCURRENCY" --cps "$CPS" --duration "$DURATION" --db "$db"
run "check-in flow, in-band DTMF, $INBAND_CONCURRENCY at once" \
	--scenario checkin --dtmf inband --concurrency "$INBAND_CONCURRENCY" --cps "$CPS" --duration "$DURATION" --db "$db"
run "short calls (answer, 1 s, hang up), $SHORT_CPS calls/s for $SHORT_DURATION" \
	--scenario one-call --hold 1s --concurrency $((SHORT_CPS * 3)) --cps "$SHORT_CPS" --duration "$SHORT_DURATION"
exit $status
