#!/usr/bin/env bash
# Load test of the scan page on loopback, bounded in time and size:
#
#   1. builds the release binary (cargo is a no-op when it is up to date);
#   2. in a temporary data dir (SQLite), loads the demo data and issues
#      1,000,000 stamps (ten runs of 100,000), saving their codes;
#   3. starts `ocop serve` on 127.0.0.1 with OCOP_WORKERS=2;
#   4. measures GET /healthz (the reference), then GET /s/{random code}
#      (benches/scan.lua), each with wrk for $DURATION, 2 threads and 64
#      connections, and prints req/s, p99 and the ratio scan / healthz;
#   5. stops the server with SIGTERM, waits for it, and compares the scans
#      stored (python3's sqlite3) with the requests wrk completed.
#
# Speed claims are ratios against the reference run of the same sitting:
# absolute figures depend on the machine.
#
# Usage: benches/load_scan.sh            (from anywhere in the repository)
# Environment: DURATION (30s), THREADS (2), CONNECTIONS (64), RUNS (10),
# KEEP=1 keeps the temporary data dir.
set -euo pipefail

DURATION=${DURATION:-30s}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-64}
RUNS=${RUNS:-10}
PER_RUN=100000

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

if ! command -v wrk >/dev/null 2>&1; then
  echo "== installing wrk (Debian package)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi
command -v python3 >/dev/null || { echo "python3 is needed" >&2; exit 1; }

echo "== cargo build --release"
cargo build --release --quiet
OCOP="$ROOT/target/release/ocop"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/ocop-load.XXXXXX")
SERVER_PID=""
cleanup() {
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
unset OCOP_DATABASE_URL OCOP_PUBLIC_BASE_URL
export OCOP_DATA_DIR="$WORK/data" OCOP_LOG=warn OCOP_ENV=development
DB="$OCOP_DATA_DIR/ocop.db"
CODES="$WORK/codes.txt"

echo "== ocop demo"
"$OCOP" demo >/dev/null

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
echo "== ocop serve on 127.0.0.1:$PORT (OCOP_WORKERS=2)"
OCOP_BIND="127.0.0.1:$PORT" OCOP_WORKERS=2 "$OCOP" serve 2>"$WORK/serve.log" &
SERVER_PID=$!
for _ in $(seq 200); do
  curl -fsS -o /dev/null "http://127.0.0.1:$PORT/healthz" 2>/dev/null && break
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

# Runs wrk and prints "req/s p99_ms completed non2xx errors".
measure() {
  local label=$1 url=$2 out
  shift 2
  out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$@" "$url")
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

echo "== reference: wrk GET /healthz ($THREADS threads, $CONNECTIONS connections, $DURATION)"
measure healthz "http://127.0.0.1:$PORT/healthz" >"$WORK/healthz.res"
server_alive
read -r ref_rps ref_p99 ref_done ref_bad ref_err <"$WORK/healthz.res"
echo "   $ref_rps req/s, p99 $ref_p99 ms ($ref_done requests, $ref_bad non-2xx, $ref_err socket errors)"

echo "== scan page: wrk GET /s/{random of $issued codes}"
CODES="$CODES" measure scan "http://127.0.0.1:$PORT" -s "$ROOT/benches/scan.lua" >"$WORK/scan.res"
server_alive
read -r scan_rps scan_p99 scan_done scan_bad scan_err <"$WORK/scan.res"
echo "   $scan_rps req/s, p99 $scan_p99 ms ($scan_done requests, $scan_bad non-2xx, $scan_err socket errors)"
grep WRK_TOTALS "$WORK/wrk-scan.txt" | sed 's/^/   /'

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

read -r stored counted < <(python3 - "$DB" <<'EOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
scans = db.execute("SELECT count(*) FROM scans").fetchone()[0]
counted = db.execute("SELECT coalesce(sum(scan_count), 0) FROM stamps").fetchone()[0]
print(scans, counted)
EOF
)

python3 - "$ref_rps" "$ref_p99" "$scan_rps" "$scan_p99" "$scan_done" "$stored" "$counted" \
  "$CONNECTIONS" "$scan_err" "$t0" "$t1" <<'EOF'
import sys
ref_rps, ref_p99, rps, p99 = map(float, sys.argv[1:5])
served, stored, counted, conns, errors = map(int, sys.argv[5:10])
t0, t1 = float(sys.argv[10]), float(sys.argv[11])
print("== summary")
print(f"   /healthz  {ref_rps:>9,.0f} req/s   p99 {ref_p99:7.2f} ms   (reference)")
print(f"   /s/{{code}} {rps:>9,.0f} req/s   p99 {p99:7.2f} ms   ratio {rps / ref_rps:.2f} of /healthz")
print(f"   served (wrk completed) {served}, stored scans {stored}, sum of scan_count {counted}; "
      f"shutdown took {t1 - t0:.2f} s")
# wrk stops with up to one request in flight per connection (and drops
# timed-out ones): the server may have answered, and stored, those too.
extra = stored - served
ok = stored == counted and 0 <= extra <= conns + errors
print(f"   stored - served = {extra} (allowed 0..{conns + errors}: requests in flight when wrk stopped)")
sys.exit(0 if ok else 1)
EOF
