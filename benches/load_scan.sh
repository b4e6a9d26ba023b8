#!/usr/bin/env bash
# Load test of the scan page on loopback, bounded in time and size, that
# checks nothing is lost:
#
#   1. builds the release binary (cargo is a no-op when it is up to date),
#      or takes the one named by OCOP_BIN;
#   2. in a temporary data dir (SQLite), loads the demo data and issues
#      RUNS x PER_RUN stamps (1,000,000 by default), saving their codes;
#   3. starts `ocop serve` on 127.0.0.1 with OCOP_WORKERS=2;
#   4. measures GET /healthz (the reference), then GET /s/{random code}
#      (benches/scan.lua) with wrk, THREADS threads and CONNECTIONS
#      connections for DURATION; while the scans run, the demo seller
#      issues runs of ISSUE_COUNT stamps one after another through the API
#      (POST /api/v1/products/1/stamp-runs), so the live server's pool and
#      the database's write lock are shared with the scan writer; the
#      issuing stops when wrk stops;
#   5. stops the server with SIGTERM, waits for it, and holds what it
#      stored (python3's sqlite3) against what wrk sent and received.
#
# It fails unless: wrk saw no socket error, no timeout and no status other
# than 2xx; every stamp run answered 201; the server logged no error; and
# the stored scans match the served ones (the rule is next to the check
# below). Speed claims are ratios against the reference run of the same
# sitting: absolute figures depend on the machine.
#
# Usage: benches/load_scan.sh            (from anywhere in the repository)
# Environment (defaults are the full sizes): RUNS (10) x PER_RUN (100000)
# stamps before the load; DURATION (30s) of the scan phase and
# REFERENCE_DURATION (same) of the /healthz phase; THREADS (2);
# CONNECTIONS (64); ISSUE_COUNT (10000) stamps per run issued during the
# load; OCOP_BIN (unset: cargo build --release) the binary to test;
# KEEP=1 keeps the temporary data dir.
set -euo pipefail

DURATION=${DURATION:-30s}
REFERENCE_DURATION=${REFERENCE_DURATION:-$DURATION}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-64}
RUNS=${RUNS:-10}
PER_RUN=${PER_RUN:-100000}
ISSUE_COUNT=${ISSUE_COUNT:-10000}

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

if ! command -v wrk >/dev/null 2>&1; then
  echo "== installing wrk (Debian package)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi
command -v python3 >/dev/null || { echo "python3 is needed" >&2; exit 1; }
command -v curl >/dev/null || { echo "curl is needed" >&2; exit 1; }

if [[ -n "${OCOP_BIN:-}" ]]; then
  OCOP=$(cd "$(dirname "$OCOP_BIN")" && pwd)/$(basename "$OCOP_BIN")
  [[ -x "$OCOP" ]] || { echo "OCOP_BIN=$OCOP_BIN is not an executable" >&2; exit 1; }
  echo "== using $OCOP"
else
  echo "== cargo build --release"
  cargo build --release --quiet
  OCOP="$ROOT/target/release/ocop"
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/ocop-load.XXXXXX")
SERVER_PID=""
ISSUER_PID=""
cleanup() {
  if [[ -n "$ISSUER_PID" ]] && kill -0 "$ISSUER_PID" 2>/dev/null; then
    touch "$WORK/stop-issuing"
    wait "$ISSUER_PID" 2>/dev/null || true
  fi
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  if [[ "${KEEP:-}" == 1 ]]; then
    echo "kept $WORK"
  else
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT

# SQLite in the temporary dir, whatever the caller's environment says.
unset OCOP_DATABASE_URL OCOP_PUBLIC_BASE_URL OCOP_DB_POOL_SIZE
export OCOP_DATA_DIR="$WORK/data" OCOP_LOG=warn OCOP_ENV=development
DB="$OCOP_DATA_DIR/ocop.db"
CODES="$WORK/codes.txt"

echo "== ocop demo"
"$OCOP" demo --json >"$WORK/demo.json"

echo "== issuing $((RUNS * PER_RUN)) stamps ($RUNS runs of $PER_RUN)"
: >"$CODES"
start=$(date +%s.%N)
for _ in $(seq "$RUNS"); do
  "$OCOP" stamps issue --product 1 --lot NX-MO-2025-10 --count "$PER_RUN" --json |
    python3 -c 'import json, sys; sys.stdout.write("\n".join(json.load(sys.stdin)["codes"]) + "\n")' \
      >>"$CODES"
done
end=$(date +%s.%N)
issued=$(wc -l <"$CODES")
python3 - "$issued" "$start" "$end" <<'EOF'
import sys
n, a, b = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
print(f"   {n} codes in {b - a:.1f} s ({n / (b - a):,.0f} stamps/s)")
EOF

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"
echo "== ocop serve on 127.0.0.1:$PORT (OCOP_WORKERS=2)"
OCOP_BIND="127.0.0.1:$PORT" OCOP_WORKERS=2 "$OCOP" serve 2>"$WORK/serve.log" &
SERVER_PID=$!
for _ in $(seq 200); do
  curl -fsS -o /dev/null "$BASE/healthz" 2>/dev/null && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/serve.log" >&2; exit 1; }
  sleep 0.1
done

# Fails loudly when the server is gone.
server_alive() {
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    local status=0
    wait "$SERVER_PID" || status=$?
    SERVER_PID=""
    echo "ocop serve died (exit status $status); its log:" >&2
    tail -50 "$WORK/serve.log" >&2
    exit 1
  fi
}

# Runs wrk for $1 and prints "req/s p99_ms completed non2xx socket_errors".
measure() {
  local label=$1 duration=$2 url=$3 out
  shift 3
  out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$duration" --latency "$@" "$url")
  printf '%s\n' "$out" >"$WORK/wrk-$label.txt"
  python3 - "$WORK/wrk-$label.txt" <<'EOF'
import re, sys
text = open(sys.argv[1]).read()
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
m = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\b", text, re.M)
p99 = float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)]
done = re.search(r"(\d+) requests in", text).group(1)
non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
err = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
errors = sum(int(x) for x in err.groups()) if err else 0
print(f"{rps:.0f} {p99:.2f} {done} {non2xx.group(1) if non2xx else 0} {errors}")
EOF
}

echo "== reference: wrk GET /healthz ($THREADS threads, $CONNECTIONS connections, $REFERENCE_DURATION)"
measure healthz "$REFERENCE_DURATION" "$BASE/healthz" >"$WORK/healthz.res"
server_alive
read -r ref_rps ref_p99 ref_done ref_bad ref_err <"$WORK/healthz.res"
echo "   $ref_rps req/s, p99 $ref_p99 ms ($ref_done requests, $ref_bad non-2xx, $ref_err socket errors)"

# The demo seller of product 1 logs in through the API.
python3 - "$WORK/demo.json" >"$WORK/login.json" <<'EOF'
import json, sys
demo = json.load(open(sys.argv[1]))
seller = next(p["seller_id"] for p in demo["products"] if p["id"] == 1)
login = next(s for s in demo["sellers"] if s["id"] == seller)
print(json.dumps({"email": login["email"], "password": login["password"]}))
EOF
TOKEN=$(curl -fsS -H 'Content-Type: application/json' --data-binary @"$WORK/login.json" \
  "$BASE/api/v1/auth/login" | python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')

# Issues runs of $ISSUE_COUNT stamps one after another until told to stop;
# writes one line per run: "http_status seconds".
issue_runs() {
  local body status
  body=$(printf '{"count": "%d", "lot_code": "NX-MO-2025-10"}' "$ISSUE_COUNT")
  while [[ ! -e "$WORK/stop-issuing" ]]; do
    status=$(curl -sS -o /dev/null --max-time 120 -w '%{http_code} %{time_total}' \
      -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
      --data-binary "$body" "$BASE/api/v1/products/1/stamp-runs") || status="000 0"
    echo "$status" >>"$WORK/issued.txt"
  done
}

echo "== scan page: wrk GET /s/{random of $issued codes} ($DURATION), issuing runs of $ISSUE_COUNT meanwhile"
: >"$WORK/issued.txt"
issue_runs &
ISSUER_PID=$!
measure_status=0
CODES="$CODES" RESULTS="$WORK/received.txt" \
  measure scan "$DURATION" "$BASE" -s "$ROOT/benches/scan.lua" >"$WORK/scan.res" || measure_status=$?
touch "$WORK/stop-issuing"
wait "$ISSUER_PID"
ISSUER_PID=""
[[ $measure_status -eq 0 ]] || { cat "$WORK/wrk-scan.txt" >&2; exit 1; }
server_alive
read -r scan_rps scan_p99 scan_done scan_bad scan_err <"$WORK/scan.res"
totals=$(grep WRK_TOTALS "$WORK/wrk-scan.txt" || true)
echo "   $scan_rps req/s, p99 $scan_p99 ms ($scan_done requests, $scan_bad non-2xx, $scan_err socket errors)"
echo "   ${totals:-no WRK_TOTALS line from benches/scan.lua}"
read -r runs_ok runs_bad issue_s < <(awk '$1 == 201 { ok++; t += $2 } $1 != 201 { bad++ }
  END { printf "%d %d %.2f\n", ok, bad, ok ? t / ok : 0 }' "$WORK/issued.txt")
echo "   stamp runs during the load: $runs_ok x $ISSUE_COUNT stamps answered 201 (mean $issue_s s each), $runs_bad failed"

echo "== SIGTERM, waiting for the scan writer to drain"
t0=$(date +%s.%N)
kill -TERM "$SERVER_PID"
for _ in $(seq 600); do
  kill -0 "$SERVER_PID" 2>/dev/null || break
  sleep 0.1
done
if kill -0 "$SERVER_PID" 2>/dev/null; then
  echo "ocop serve still running 60 s after SIGTERM; killing it" >&2
  kill -KILL "$SERVER_PID"
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
  exit 1
fi
status=0
wait "$SERVER_PID" || status=$?
SERVER_PID=""
t1=$(date +%s.%N)
[[ $status -eq 0 ]] || { echo "ocop serve exited $status" >&2; cat "$WORK/serve.log" >&2; exit 1; }

python3 - "$DB" "$WORK/received.txt" "$WORK/serve.log" "$totals" \
  "$ref_rps" "$ref_p99" "$scan_rps" "$scan_p99" "$scan_done" "$scan_bad" "$scan_err" \
  "$CONNECTIONS" "$issued" "$runs_ok" "$runs_bad" "$ISSUE_COUNT" "$t0" "$t1" <<'EOF'
import collections, re, sqlite3, sys

db_path, received_path, log_path, totals_line = sys.argv[1:5]
ref_rps, ref_p99, rps, p99 = map(float, sys.argv[5:9])
(completed, non2xx, socket_errors, conns, before, runs_ok, runs_bad,
 issue_count) = map(int, sys.argv[9:17])
t0, t1 = float(sys.argv[17]), float(sys.argv[18])
totals = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", totals_line)}

db = sqlite3.connect(db_path)
stored = collections.Counter(dict(db.execute("SELECT code, count(*) FROM scans GROUP BY code")))
counted = db.execute("SELECT coalesce(sum(scan_count), 0) FROM stamps").fetchone()[0]
stamps_now = db.execute("SELECT count(*) FROM stamps").fetchone()[0]
in_runs = db.execute("SELECT coalesce(sum(count), 0) FROM stamp_runs").fetchone()[0]
partial = db.execute(
    "SELECT count(*) FROM stamp_runs r WHERE r.count <> "
    "(SELECT count(*) FROM stamps s WHERE s.run_id = r.id)").fetchone()[0]
sent, received = collections.Counter(), collections.Counter()
for line in open(received_path):
    code, s, r = line.split()
    sent[code], received[code] = int(s), int(r)
log_errors = [l for l in open(log_path, errors="replace") if " ERROR " in l or "lost" in l]

served = sum(received.values())
stored_total = sum(stored.values())
# The rule. wrk stops each thread at the first response after the
# deadline and drops the connections with their requests in flight (one
# per connection at most, as wrk does not pipeline). The server finishes
# every request it started, so it may store a scan whose page wrk never
# read, but never one that was not sent, and never loses one whose page
# was read. Per stamp code, then:
#     received(code) <= stored(code) <= sent(code)
# and in all, served <= stored <= served + CONNECTIONS, the difference
# being the requests in flight at the stop. (sent may count one request
# more than went out: wrk calls request() once to check the script.)
short = {c: (received[c], stored[c]) for c in received if stored[c] < received[c]}
unsent = {c: (sent[c], stored[c]) for c in stored if stored[c] > sent[c]}
in_flight = stored_total - served
problems = []
if socket_errors or non2xx or totals.get("other_status", 1) or totals.get("timeout", 1):
    problems.append(f"wrk saw errors: {socket_errors} socket errors, {non2xx} non-2xx, {totals_line}")
if totals.get("unmatched", 1):
    problems.append(f"{totals.get('unmatched')} pages without a readable stamp code")
if served != completed or served != totals.get("received_2xx", -1):
    problems.append(f"lua counted {served} pages, wrk {completed} responses")
if short:
    problems.append(f"served but not stored: {sorted(short.items())[:10]} ({len(short)} codes)")
if unsent:
    problems.append(f"stored but never sent: {sorted(unsent.items())[:10]} ({len(unsent)} codes)")
if not 0 <= in_flight <= conns:
    problems.append(f"stored - served = {in_flight}, outside 0..{conns}")
if counted != stored_total:
    problems.append(f"sum of stamps.scan_count {counted} != {stored_total} scans stored")
if runs_bad or runs_ok == 0:
    problems.append(f"stamp runs during the load: {runs_ok} answered 201, {runs_bad} did not")
if stamps_now != in_runs or partial:
    problems.append(f"{stamps_now} stamps for {in_runs} in runs, {partial} partial runs")
if stamps_now - before - 60 != runs_ok * issue_count:
    # 60: the demo's own stamps.
    problems.append(f"{stamps_now - before - 60} stamps added during the load, "
                    f"{runs_ok * issue_count} answered")
if log_errors:
    problems.append("the server logged errors:\n" + "".join(log_errors[:10]))

print("== summary")
print(f"   /healthz  {ref_rps:>9,.0f} req/s   p99 {ref_p99:7.2f} ms   (reference)")
print(f"   /s/{{code}} {rps:>9,.0f} req/s   p99 {p99:7.2f} ms   ratio {rps / ref_rps:.3f} of /healthz")
print(f"   errors: {socket_errors} socket, {non2xx} non-2xx; stamps issued during the load: "
      f"{runs_ok * issue_count:,} ({runs_ok} runs)")
print(f"   scans sent {sum(sent.values())}, served (2xx pages wrk read) {served}, stored "
      f"{stored_total}: in flight at the stop {in_flight} (allowed 0..{conns}); "
      f"sum of scan_count {counted}; shutdown took {t1 - t0:.2f} s")
for p in problems:
    print(f"   FAIL: {p}")
print("   OK" if not problems else "   FAILED")
sys.exit(1 if problems else 0)
EOF
