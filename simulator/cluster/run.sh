#!/usr/bin/env bash
# Two dezura nodes on one PostgreSQL behind Kamailio's dispatcher, on this
# machine's loopback addresses, and one of them SIGKILLed under load:
#
#   node A  127.0.0.2:$NODE_PORT   (dezura serve --demo), /metrics on 127.0.0.2:$HTTP_PORT
#   node B  127.0.0.3:$NODE_PORT   (dezura serve),        /metrics on 127.0.0.3:$HTTP_PORT
#   Kamailio 127.0.0.1:$KAM_PORT   dispatcher set 1 = A, B; OPTIONS probe every 1 s
#   PostgreSQL 127.0.0.1:5432      a fresh database per run, dropped at the end
#
# Phase 0 is a rolling restart: node A gets SIGTERM under load; it answers
# OPTIONS and INVITEs with 503, so Kamailio sends new calls to B, and A's
# calls finish before it exits: no call may fail. A is started again.
# Phase 1 runs check-in calls through Kamailio and SIGKILLs, in the middle,
# the node that is the billing leader at that moment. Phase 2 starts after
# one probe interval and must have no failed call: every new call reaches
# the survivor. Then the ledger is checked: no work-history entry doubled
# (one per technician, site and work date), and every entry a call
# confirmed ("registered") is there.
#
# Both nodes run billing (a daily run at 03:00 that does not fire during the
# test, plus the run each new leader makes at once); the demo contractor is
# subscribed a year and a day ago, so the first year and one renewal are
# due. Checked: before the kill exactly one node reports
# dezura_billing_leader 1; within a few seconds of the kill the survivor
# does and logs "billing leadership acquired"; and billing issued exactly
# those two invoices, none twice (billing_invoices in the cluster database).
#
#   simulator/cluster/run.sh        # exit 0 when every check passes
#
# Needs kamailio (Debian: apt-get install -y kamailio), psql and a
# PostgreSQL at 127.0.0.1:5432 that lets user postgres in (trust auth).
set -euo pipefail
cd "$(dirname "$0")/../.."

KAM_PORT=${KAM_PORT:-5090}
NODE_PORT=${NODE_PORT:-5062}
HTTP_PORT=${HTTP_PORT:-9190}     # /metrics of each node, on its own address
TAKEOVER=${TAKEOVER:-10}         # seconds the survivor may take to lead billing
CONCURRENCY=${CONCURRENCY:-20}
CPS=${CPS:-4}
CALLERS=${CALLERS:-30}          # technicians calling (imported); fewer than the calls, so
                                # the same technician checks in again, at times through both nodes at once
PHASE1=${PHASE1:-16s}
KILL_AFTER=${KILL_AFTER:-7}      # seconds into phase 1
PHASE2=${PHASE2:-8s}
PHASE0=${PHASE0:-8s}
TERM_AFTER=${TERM_AFTER:-3}      # seconds into phase 0
PGHOST=${PGHOST:-127.0.0.1}
MODULES=${MODULES:-$(dirname "$(find /usr/lib -name dispatcher.so -path '*kamailio*' | head -1)")}

command -v kamailio >/dev/null || { echo "kamailio is not installed (apt-get install -y kamailio)" >&2; exit 1; }

tmp=$(mktemp -d)
db="dz_cluster_$$_$RANDOM"
url="postgres://postgres@$PGHOST:5432/$db?sslmode=disable"
pids=()
cleanup() {
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	for p in "${pids[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	psql -q -h "$PGHOST" -U postgres -d test -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
	if [[ -n ${KEEP:-} ]]; then echo "logs kept in $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT

go build -o "$tmp/dezura" ./cmd/dezura
go build -o "$tmp/dezura-sim" ./cmd/dezura-sim
psql -q -h "$PGHOST" -U postgres -d test -c "CREATE DATABASE $db" >/dev/null
"$tmp/dezura" --db "$url" migrate >/dev/null
python3 -c "
import sys
print('technician_id,name,phone')
for i in range(int(sys.argv[1])):
    print(f'{90000000000000 + i},クラスタ 試験{i},{9000000000 + i:011d}')
" "$CALLERS" >"$tmp/technicians.csv"
"$tmp/dezura" --db "$url" technician import "$tmp/technicians.csv" >/dev/null
"$tmp/dezura" --db "$url" contractor add --id demo --name デモ工務店 --ccus-business-id 000000000001 >/dev/null
"$tmp/dezura" --db "$url" billing subscribe --contractor demo \
	--start "$(TZ=Asia/Tokyo date -d '1 year ago 1 day ago' +%F)" >/dev/null

start_node() { # name ip rtp-ports extra-flags...
	local name=$1 ip=$2 ports=$3
	shift 3
	"$tmp/dezura" --db "$url" serve --sip "$ip:$NODE_PORT" --rtp-ports "$ports" --http "$ip:$HTTP_PORT" \
		--billing-at "0 3 * * *" --billing-leader-interval 1s \
		--issuer-name 'テスト建設' --issuer-registration T7000012050002 \
		--drain-timeout 10s --log-level info "$@" >"$tmp/$name.log" 2>&1 &
	local pid=$!
	pids+=("$pid")
	for _ in $(seq 100); do
		grep -q "listening" "$tmp/$name.log" 2>/dev/null && break
		kill -0 "$pid" 2>/dev/null || { cat "$tmp/$name.log"; exit 1; }
		sleep 0.1
	done
	echo "$pid"
}
pidA=$(start_node nodeA 127.0.0.2 30000-34999 --demo --web off)
pidB=$(start_node nodeB 127.0.0.3 35000-39999)
# start_node ran in a subshell: record the pids here too.
pids+=("$pidA" "$pidB")
logA=nodeA logB=nodeB

# leader_gauge IP: the node's dezura_billing_leader (- when it does not answer).
leader_gauge() {
	{ curl -s --max-time 2 "http://$1:$HTTP_PORT/metrics" || true; } | awk '$1 == "dezura_billing_leader" {print $2; found=1} END {if (!found) print "-"}'
}

printf '1 sip:127.0.0.2:%s\n1 sip:127.0.0.3:%s\n' "$NODE_PORT" "$NODE_PORT" >"$tmp/dispatcher.list"
sed -e "s|LISTEN|udp:127.0.0.1:$KAM_PORT|" -e "s|DISPATCHER_LIST|$tmp/dispatcher.list|" -e "s|MODULES|$MODULES|" \
	simulator/cluster/kamailio.cfg >"$tmp/kamailio.cfg"
kamailio -f "$tmp/kamailio.cfg" -DD -E -Y "$tmp" >"$tmp/kamailio.log" 2>&1 &
pids+=("$!")
sleep 3 # first probes

to="sip:ivr@127.0.0.1:$KAM_PORT"
load_phase() { # name duration: check-in calls through Kamailio, report in $tmp/name.json
	"$tmp/dezura-sim" load --to "$to" --scenario checkin --dtmf rfc4733 --concurrency "$CONCURRENCY" --cps "$CPS" \
		--from 09000000000 --callers "$CALLERS" --duration "$2" --timeout 30s --json >"$tmp/$1.json"
}
echo "machine: $(nproc) CPUs, $(uname -srm), $(date -u +%Y-%m-%dT%H:%MZ)"
echo "== phase 0: rolling restart, node A gets SIGTERM after ${TERM_AFTER}s"
load_phase phase0 "$PHASE0" &
load=$!
sleep "$TERM_AFTER"
kill -TERM "$pidA"
term_marker=$(wc -l <"$tmp/kamailio.log")
echo "node A (pid $pidA) got SIGTERM at $(date -u +%T)"
wait "$load" || true
for _ in $(seq 300); do kill -0 "$pidA" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$pidA" 2>/dev/null; then echo "node A did not exit after its drain" >&2; exit 1; fi
tail -n +"$((term_marker + 1))" "$tmp/kamailio.log" | grep -o 'INVITE [^ ]* to sip:[0-9.:]*' | awk '{print $4}' | sort | uniq -c >"$tmp/phase0-targets.txt" || true
tail -n +"$((term_marker + 1))" "$tmp/kamailio.log" | grep -c 'failed over to' >"$tmp/phase0-failovers.txt" || true
pidA=$(start_node nodeA2 127.0.0.2 30000-34999)
pids+=("$pidA")
logA=nodeA2
sleep 3 # a probe or two: A is back in the set
echo "== phase 1: check-in calls through Kamailio, the billing leader SIGKILLed after ${KILL_AFTER}s"
load_phase phase1 "$PHASE1" &
load=$!
sleep "$KILL_AFTER"
gaugeA=$(leader_gauge 127.0.0.2)
gaugeB=$(leader_gauge 127.0.0.3)
# Kill the leader; if the gauges do not name exactly one (a failed check
# below), kill B as before so that the rest still runs.
if [[ $gaugeA == 1 && $gaugeB != 1 ]]; then
	dead=A deadIP=127.0.0.2 deadPid=$pidA survivor=B survivorIP=127.0.0.3 survivorLog=$logB
else
	dead=B deadIP=127.0.0.3 deadPid=$pidB survivor=A survivorIP=127.0.0.2 survivorLog=$logA
fi
acquired_before=$(grep -c "billing leadership acquired" "$tmp/$survivorLog.log" || true)
kill -KILL "$deadPid"
killed_at=$(date +%s.%N)
echo "billing leader before the kill: A=$gaugeA B=$gaugeB"
echo "node $dead (pid $deadPid) killed at $(date -u +%T)"
takeover=-1
for _ in $(seq $((TAKEOVER * 10))); do
	if [[ $(leader_gauge "$survivorIP") == 1 ]]; then
		takeover=$(printf '%.1f' "$(echo "$(date +%s.%N) - $killed_at" | bc)")
		break
	fi
	sleep 0.1
done
acquired_after=$(grep -c "billing leadership acquired" "$tmp/$survivorLog.log" || true)
echo "node $survivor leads billing ${takeover}s after the kill (-1: not within ${TAKEOVER}s)"
wait "$load" || true
sleep 2 # at least one probe interval after the kill
marker=$(wc -l <"$tmp/kamailio.log")
echo "== phase 2: new calls after the kill"
phase2_ok=1
load_phase phase2 "$PHASE2" || phase2_ok=0

"$tmp/dezura" --db "$url" entries list --json >"$tmp/entries.json"
psql -At -h "$PGHOST" -U postgres -d "$db" -c "SELECT count(*) FROM billing_invoices" >"$tmp/invoices.txt"
psql -At -h "$PGHOST" -U postgres -d "$db" -c "SELECT count(*) FROM (SELECT subscription_id, kind, period_start, credit_of
	FROM billing_invoices GROUP BY 1, 2, 3, 4 HAVING count(*) > 1) AS twice" >>"$tmp/invoices.txt"
printf '%s\n' "$gaugeA" "$gaugeB" "$dead" "$deadIP" "$survivor" "$takeover" "$acquired_before" "$acquired_after" \
	"$(leader_gauge "$survivorIP")" >"$tmp/billing.txt"
"$tmp/dezura" --db "$url" calls list --json >"$tmp/calls.json"
tail -n +"$((marker + 1))" "$tmp/kamailio.log" | grep -o 'INVITE [^ ]* to sip:[0-9.:]*' | awk '{print $4}' | sort | uniq -c >"$tmp/phase2-targets.txt" || true

python3 - "$tmp" "$phase2_ok" "$TAKEOVER" <<'PY'
import json, sys, collections
tmp, phase2_ok, takeover_limit = sys.argv[1], sys.argv[2] == "1", float(sys.argv[3])
def load(name):
    text = open(f"{tmp}/{name}").read().strip()
    if not text:
        return []
    try:
        v = json.loads(text)
        return v if isinstance(v, list) else [v]
    except json.JSONDecodeError:
        return [json.loads(l) for l in text.splitlines() if l.strip()]
p0, p1, p2 = load("phase0.json")[0], load("phase1.json")[0], load("phase2.json")[0]
entries, calls = load("entries.json"), load("calls.json")
ok = True
def check(cond, msg):
    global ok
    print(("PASS " if cond else "FAIL ") + msg)
    ok = ok and cond
print(f"phase 0: attempted {p0['attempted']} answered {p0['answered']} completed {p0['completed']} failed {p0['failed']} {p0.get('failed_by')}")
print("phase 0 INVITEs by node after the SIGTERM (Kamailio log):", open(f"{tmp}/phase0-targets.txt").read().strip().replace("\n", "; "))
print(f"phase 1: attempted {p1['attempted']} answered {p1['answered']} completed {p1['completed']} failed {p1['failed']} {p1.get('failed_by')}")
print(f"phase 2: attempted {p2['attempted']} answered {p2['answered']} completed {p2['completed']} failed {p2['failed']} {p2.get('failed_by')}")
print("phase 2 INVITEs by node (Kamailio log):", open(f"{tmp}/phase2-targets.txt").read().strip().replace("\n", "; "))
check(p0["attempted"] > 0 and p0["failed"] == 0, "phase 0: no call failed while node A drained and exited")
# An INVITE that reached A before a probe saw its 503 must have failed
# over to B (A answers it 503); none may have been taken by A.
to_a = sum(int(l.split()[0]) for l in open(f"{tmp}/phase0-targets.txt") if "127.0.0.2" in l)
failovers = int(open(f"{tmp}/phase0-failovers.txt").read().strip() or 0)
check(to_a <= failovers, f"phase 0: no new call was taken by the draining node ({to_a} sent to it, {failovers} failed over)")
check(p1["completed"] > 0, "phase 1 completed calls before and after the kill")
check(p2["attempted"] > 0 and p2["failed"] == 0, "phase 2: every new call completed on the survivor")
gauge_a, gauge_b, dead, dead_ip, survivor, takeover, acq_before, acq_after, gauge_end = open(f"{tmp}/billing.txt").read().split("\n")[:9]
targets = open(f"{tmp}/phase2-targets.txt").read()
check(dead_ip not in targets, f"phase 2: no INVITE was sent to the dead node ({dead})")
check(sorted([gauge_a, gauge_b]) == ["0", "1"], f"before the kill exactly one node led billing (dezura_billing_leader A={gauge_a} B={gauge_b}); node {dead} was killed")
took = float(takeover)
check(0 <= took <= takeover_limit and gauge_end == "1", f"the survivor {survivor} led billing {took:.1f}s after the kill (limit {takeover_limit:.0f}s) and still does (gauge {gauge_end})" if took >= 0 else f"the survivor {survivor} did not lead billing within {takeover_limit:.0f}s")
check(int(acq_after or 0) > int(acq_before or 0), f"the survivor {survivor} logged \"billing leadership acquired\" after the kill ({acq_before} before, {acq_after} after)")
n_invoices, twice = (int(x) for x in open(f"{tmp}/invoices.txt").read().split())
check(twice == 0 and n_invoices == 2, f"billing issued no invoice twice: {n_invoices} invoices (want 2: first year and renewal), {twice} subscription periods invoiced more than once")
keys = collections.Counter((e["technician_id"], e["site_code"], e["work_date"]) for e in entries if e.get("status") != "cancelled")
doubled = {k: n for k, n in keys.items() if n > 1}
check(not doubled, f"no entry doubled ({len(entries)} entries)")
ids = {e["id"] for e in entries}
confirmed = [c for c in calls if c.get("outcome") in ("registered", "already_registered")]
missing = [c["call_id"] for c in confirmed for i in (c.get("entry_ids") or []) if i not in ids]
check(not missing, f"every confirmed entry is in the ledger ({len(confirmed)} confirmed calls)")
callers = {c["technician_id"] for c in confirmed if c.get("technician_id")}
with_entry = {e["technician_id"] for e in entries if e.get("status") != "cancelled"}
check(callers and callers <= with_entry, f"every technician with a confirmed call has an entry ({len(callers)} technicians, {len(with_entry)} with entries)")
check(len(confirmed) > 0, "some calls were confirmed")
sys.exit(0 if ok else 1)
PY
