#!/usr/bin/env bash
# Outages under scan load: no scan answered 200 is lost, a full disk answers
# 503/507 (never 500, never a 200 that is not stored), and two instances on
# one PostgreSQL database do not deadlock.
#
#   (a) a throwaway PostgreSQL of our own (initdb as the `postgres` user,
#       port 55432, data under a temp dir; the machine's cluster on 5432 is
#       never touched). Scans under load while PostgreSQL is stopped for N
#       seconds and started again; then SIGTERM: stored scans (rows plus the
#       per-day count of forged codes) = 200 answers the client counted, no
#       500 (a scan that cannot be read answers 503), no "lost=" in the
#       log. Then a stop while PostgreSQL is down: the forged-code scans
#       answered meanwhile go to pending-scans.jsonl, are stored at the next
#       start, and the file is removed.
#   (b) SQLite in a 64 MiB tmpfs data dir, filled up with a file: scans and
#       a photo upload answer 200/503/507 only (no 500), /readyz says 503
#       with disk_nearly_full; the file removed, stored = served.
#   (c) two instances on the throwaway PostgreSQL scanning the same 10
#       stamps for DEADLOCK_SECONDS: 0 "deadlock" in both logs and in
#       PostgreSQL's, stored = served.
#
# Usage: .ci/outage.sh path/to/ocop [N]     (N: seconds PostgreSQL stays
# down; 20 by default, 90 for the issue's figure). Needs root (tmpfs, su),
# PostgreSQL's server binaries, python3 and curl. Exits non-zero on any
# shortfall. Environment: DEADLOCK_SECONDS (20), KEEP=1 keeps the temp dir.
set -euo pipefail

OCOP_ARG=${1:?usage: .ci/outage.sh path/to/ocop [seconds-down]}
DOWN=${2:-20}
DEADLOCK_SECONDS=${DEADLOCK_SECONDS:-20}
PGPORT=${PGPORT:-55432}
OCOP=$(cd "$(dirname "$OCOP_ARG")" && pwd)/$(basename "$OCOP_ARG")
[[ -x "$OCOP" ]] || { echo "$OCOP_ARG is not an executable" >&2; exit 1; }
[[ $(id -u) == 0 ]] || { echo "run as root (tmpfs mount, su postgres)" >&2; exit 1; }
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[[ -x "$PGBIN/initdb" ]] || { echo "no PostgreSQL server binaries under /usr/lib/postgresql" >&2; exit 1; }
if "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$PGPORT"; then
  echo "port $PGPORT is taken; set PGPORT" >&2
  exit 1
fi

STARTED=$(date +%s)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ocop-outage.XXXXXX")
chmod 755 "$WORK"
FAIL=0
PIDS=()
MOUNTED=""
cleanup() {
  for p in "${PIDS[@]}"; do
    kill -TERM "$p" 2>/dev/null || true
  done
  for p in "${PIDS[@]}"; do
    wait "$p" 2>/dev/null || true
  done
  if [[ -f "$WORK/pg/data/postmaster.pid" ]]; then
    su postgres -s /bin/sh -c "'$PGBIN/pg_ctl' -D '$WORK/pg/data' -m immediate -w stop" >/dev/null 2>&1 || true
  fi
  [[ -n "$MOUNTED" ]] && umount "$MOUNTED" 2>/dev/null || true
  if [[ "${KEEP:-}" == 1 ]]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

check() { # check "what" condition-result(0/1)
  if [[ $2 == 0 ]]; then echo "   ok: $1"; else echo "   FAIL: $1"; FAIL=1; fi
}

# ---------------------------------------------------------------- helpers
cat >"$WORK/load.py" <<'EOF'
# Bounded scan load: THREADS threads GET /s/{code} on the given servers until
# the deadline or MAX requests; prints JSON counts of answers by status.
import http.client, json, random, sys, threading, time
bases, codes_file, forged_share, seconds, max_requests, threads = sys.argv[1:7]
bases = [b.split(":") for b in bases.split(",")]
codes = [c.strip() for c in open(codes_file) if c.strip()]
forged_share, seconds, max_requests = float(forged_share), float(seconds), int(max_requests)
deadline = time.time() + seconds
lock = threading.Lock()
counts = {"sent": 0, "ok_genuine": 0, "ok_forged": 0, "errors": 0, "status": {}}
def worker(i):
    rng = random.Random(i)
    conns = {}
    while time.time() < deadline:
        with lock:
            if counts["sent"] >= max_requests:
                return
            counts["sent"] += 1
        host, port = rng.choice(bases)
        forged = rng.random() < forged_share
        code = "ABCDEFGHJKMN%04d" % rng.randrange(10000) if forged else rng.choice(codes)
        try:
            c = conns.get((host, port)) or http.client.HTTPConnection(host, int(port), timeout=40)
            conns[(host, port)] = c
            c.request("GET", "/s/" + code, headers={"User-Agent": "outage-load/%d" % i})
            r = c.getresponse()
            r.read()
            with lock:
                counts["status"][str(r.status)] = counts["status"].get(str(r.status), 0) + 1
                if r.status == 200:
                    counts["ok_forged" if forged else "ok_genuine"] += 1
            if r.getheader("connection", "").lower() == "close":
                c.close(); conns.pop((host, port), None)
        except Exception:
            with lock:
                counts["errors"] += 1
            conns.pop((host, port), None)
            time.sleep(0.05)
ts = [threading.Thread(target=worker, args=(i,)) for i in range(int(threads))]
[t.start() for t in ts]
[t.join() for t in ts]
print(json.dumps(counts))
EOF
cat >"$WORK/png.py" <<'EOF'
# A 640x480 PNG, different each run (random noise in the first row).
import os, struct, sys, zlib
w, h = 640, 480
rows = bytearray()
noise = os.urandom(w * 3)
for y in range(h):
    rows.append(0)
    rows.extend(noise if y == 0 else bytes(((x + y) % 256, (x * 2) % 256, y % 256)[k] for x in range(w) for k in range(3)))
def chunk(t, d): return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
sys.stdout.buffer.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(bytes(rows))) + chunk(b"IEND", b""))
EOF
jget() { python3 -c "import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))" "$1"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

export OCOP_ENV=development OCOP_LOG=warn
export OCOP_SECRET_KEY="outage-test-secret-key-0123456789abcdef"
unset OCOP_PUBLIC_BASE_URL OCOP_DB_POOL_SIZE OCOP_BIND OCOP_DATABASE_URL

# serve DATA_DIR LOG -> sets SERVER_PID and SERVER_PORT
serve() {
  SERVER_PORT=$(free_port)
  OCOP_DATA_DIR="$1" OCOP_BIND="127.0.0.1:$SERVER_PORT" OCOP_WORKERS=2 "$OCOP" serve 2>>"$2" &
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
  for _ in $(seq 300); do
    curl -fsS -o /dev/null "http://127.0.0.1:$SERVER_PORT/healthz" 2>/dev/null && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || { tail -20 "$2" >&2; return 1; }
    sleep 0.1
  done
  echo "server did not start" >&2
  return 1
}
stop_server() { # PID -> waits; fails on a non-zero exit
  kill -TERM "$1"
  local rc=0
  wait "$1" || rc=$?
  check "server $1 exited 0 after SIGTERM (exit $rc)" "$rc"
}
wait_ready() { # PORT SECONDS
  for _ in $(seq $(($2 * 5))); do
    curl -fsS -o /dev/null "http://127.0.0.1:$1/readyz" 2>/dev/null && return 0
    sleep 0.2
  done
  return 1
}

pg_ctl_() { su postgres -s /bin/sh -c "'$PGBIN/pg_ctl' -D '$WORK/pg/data' $*"; }
pg_start() {
  pg_ctl_ "-l '$WORK/pg/pg.log' -w -o \"-p $PGPORT -k '$WORK/pg' -c listen_addresses=127.0.0.1 -c fsync=off -c log_lock_waits=on\" start" >/dev/null
}
pg_stop() { pg_ctl_ "-m fast -w stop" >/dev/null; }
psql_() { psql -X -q -t -A -h 127.0.0.1 -p "$PGPORT" -U postgres "$@"; }

# ---------------------------------------------------------------- (a)
echo "== (a) PostgreSQL stopped for ${DOWN} s under scan load"
mkdir "$WORK/pg"
chown postgres: "$WORK/pg"
su postgres -s /bin/sh -c "'$PGBIN/initdb' -D '$WORK/pg/data' -A trust -U postgres --no-sync" >/dev/null
pg_start
psql_ -d postgres -c "CREATE DATABASE ocop" -c "CREATE DATABASE ocop2"
export OCOP_DATABASE_URL="postgres://postgres@127.0.0.1:$PGPORT/ocop?sslmode=disable"
DATA_A="$WORK/a"
OCOP_DATA_DIR="$DATA_A" "$OCOP" demo --json >"$WORK/demo.json"
OCOP_DATA_DIR="$DATA_A" "$OCOP" stamps issue --product 1 --lot NX-MO-2025-10 --count 2000 --json |
  jget '"\n".join(d["codes"])' >"$WORK/codes.txt"
serve "$DATA_A" "$WORK/a.log"
A_PID=$SERVER_PID A_PORT=$SERVER_PORT
LOAD_SECONDS=$((DOWN + 20))
python3 "$WORK/load.py" "127.0.0.1:$A_PORT" "$WORK/codes.txt" 0.1 "$LOAD_SECONDS" 500000 8 >"$WORK/load-a.json" &
LOAD=$!
sleep 5
pg_stop
echo "   PostgreSQL stopped"
sleep 2
READY_DOWN=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "http://127.0.0.1:$A_PORT/readyz" || true)
HEALTH_DOWN=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$A_PORT/healthz" || true)
sleep $((DOWN - 2))
pg_start
echo "   PostgreSQL started again"
wait "$LOAD"
wait_ready "$A_PORT" 60 || true
stop_server "$A_PID"
read -r OK_A ERR_A < <(jget '"%d %d" % (d["ok_genuine"] + d["ok_forged"], d["errors"])' <"$WORK/load-a.json")
ROWS_A=$(psql_ -d ocop -c "SELECT count(*) FROM scans")
FORGED_A=$(psql_ -d ocop -c "SELECT coalesce(sum(scans), 0) FROM forged_scan_days")
STORED_A=$((ROWS_A + FORGED_A))
echo "   answers: $(cat "$WORK/load-a.json")"
echo "   served (200) $OK_A; stored $STORED_A ($ROWS_A rows + $FORGED_A forged); /readyz while down: $READY_DOWN, /healthz: $HEALTH_DOWN"
check "stored = served" "$([[ $STORED_A -ge $OK_A && $STORED_A -le $((OK_A + ERR_A)) ]]; echo $?)"
ERRORS_500=$(jget 'd["status"].get("500", 0)' <"$WORK/load-a.json")
check "no 500 during the outage ($ERRORS_500): 200, or 503 with Retry-After" "$([[ $ERRORS_500 == 0 ]]; echo $?)"
check "/readyz 503 and /healthz 200 while PostgreSQL is down" "$([[ $READY_DOWN == 503 && $HEALTH_DOWN == 200 ]]; echo $?)"
# The writer logs `lost=N` only if it ever dropped scans.
LOST=$(grep -c "lost=" "$WORK/a.log" || true)
PANICS=$(grep -c "panicked" "$WORK/a.log" || true)
check "no 'lost=' ($LOST) and no panic ($PANICS) in the log" "$([[ $LOST == 0 && $PANICS == 0 ]]; echo $?)"

echo "== (a2) SIGTERM while PostgreSQL is down: pending file, stored at the next start"
serve "$DATA_A" "$WORK/a2.log"
A_PID=$SERVER_PID A_PORT=$SERVER_PORT
pg_stop
python3 "$WORK/load.py" "127.0.0.1:$A_PORT" "$WORK/codes.txt" 1.0 3 300 4 >"$WORK/load-a2.json"
OK_A2=$(jget 'd["ok_forged"]' <"$WORK/load-a2.json")
stop_server "$A_PID"
PENDING_LINES=$(wc -l <"$DATA_A/pending-scans.jsonl" 2>/dev/null || echo 0)
pg_start
serve "$DATA_A" "$WORK/a3.log"
A_PID=$SERVER_PID A_PORT=$SERVER_PORT
wait_ready "$A_PORT" 30 || true
stop_server "$A_PID"
FORGED_A2=$(psql_ -d ocop -c "SELECT coalesce(sum(scans), 0) FROM forged_scan_days")
echo "   served while down $OK_A2; pending file $PENDING_LINES lines; stored after restart $((FORGED_A2 - FORGED_A))"
check "pending file held every scan served while down" "$([[ $PENDING_LINES == "$OK_A2" && $OK_A2 -gt 0 ]]; echo $?)"
check "stored at the next start = served, file removed" "$([[ $((FORGED_A2 - FORGED_A)) == "$OK_A2" && ! -e $DATA_A/pending-scans.jsonl ]]; echo $?)"

# ---------------------------------------------------------------- (c)
echo "== (c) two instances on one PostgreSQL, the same 10 stamps, ${DEADLOCK_SECONDS} s"
export OCOP_DATABASE_URL="postgres://postgres@127.0.0.1:$PGPORT/ocop2?sslmode=disable"
OCOP_DATA_DIR="$WORK/c1" "$OCOP" demo --json >/dev/null
OCOP_DATA_DIR="$WORK/c1" "$OCOP" stamps issue --product 1 --lot NX-MO-2025-10 --count 10 --json |
  jget '"\n".join(d["codes"])' >"$WORK/hot.txt"
PG_LOG_BEFORE=$(wc -l <"$WORK/pg/pg.log")
serve "$WORK/c1" "$WORK/c1.log"
C1_PID=$SERVER_PID C1_PORT=$SERVER_PORT
serve "$WORK/c2" "$WORK/c2.log"
C2_PID=$SERVER_PID C2_PORT=$SERVER_PORT
python3 "$WORK/load.py" "127.0.0.1:$C1_PORT,127.0.0.1:$C2_PORT" "$WORK/hot.txt" 0.05 "$DEADLOCK_SECONDS" 500000 8 >"$WORK/load-c.json"
stop_server "$C1_PID"
stop_server "$C2_PID"
read -r OK_C ERR_C < <(jget '"%d %d" % (d["ok_genuine"] + d["ok_forged"], d["errors"])' <"$WORK/load-c.json")
STORED_C=$(psql_ -d ocop2 -c "SELECT (SELECT count(*) FROM scans) + (SELECT coalesce(sum(scans), 0) FROM forged_scan_days)")
DL_APP=$(cat "$WORK/c1.log" "$WORK/c2.log" | grep -ci "deadlock" || true)
DL_PG=$(tail -n +"$((PG_LOG_BEFORE + 1))" "$WORK/pg/pg.log" | grep -ci "deadlock" || true)
echo "   answers: $(cat "$WORK/load-c.json")"
echo "   served $OK_C; stored $STORED_C; deadlocks: servers $DL_APP, PostgreSQL $DL_PG"
check "0 deadlocks" "$([[ $DL_APP == 0 && $DL_PG == 0 ]]; echo $?)"
check "stored = served" "$([[ $STORED_C -ge $OK_C && $STORED_C -le $((OK_C + ERR_C)) ]]; echo $?)"
pg_stop

# ---------------------------------------------------------------- (b)
echo "== (b) SQLite on a full 64 MiB tmpfs"
unset OCOP_DATABASE_URL
mkdir "$WORK/disk"
mount -t tmpfs -o size=64m ocop-outage-disk "$WORK/disk"
MOUNTED="$WORK/disk"
DATA_B="$WORK/disk/data"
OCOP_DATA_DIR="$DATA_B" "$OCOP" demo --json >"$WORK/demo-b.json"
OCOP_DATA_DIR="$DATA_B" "$OCOP" stamps issue --product 1 --lot NX-MO-2025-10 --count 500 --json |
  jget '"\n".join(d["codes"])' >"$WORK/codes-b.txt"
serve "$DATA_B" "$WORK/b.log"
B_PID=$SERVER_PID B_PORT=$SERVER_PORT
EMAIL=$(jget 'd["sellers"][0]["email"]' <"$WORK/demo-b.json")
PASSWORD=$(jget 'd["sellers"][0]["password"]' <"$WORK/demo-b.json")
SELLER=$(jget 'd["sellers"][0]["id"]' <"$WORK/demo-b.json")
PRODUCT=$(jget '[p["id"] for p in d["products"] if p["seller_id"] == d["sellers"][0]["id"]][0]' <"$WORK/demo-b.json")
TOKEN=$(curl -fsS -H 'Content-Type: application/json' \
  -d "{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\"}" "http://127.0.0.1:$B_PORT/api/v1/auth/login" | jget 'd["token"]')
python3 "$WORK/load.py" "127.0.0.1:$B_PORT" "$WORK/codes-b.txt" 0.1 3 400 4 >"$WORK/load-b1.json"
dd if=/dev/zero of="$WORK/disk/filler" bs=1M 2>/dev/null || true
dd if=/dev/zero of="$WORK/disk/filler2" bs=4k 2>/dev/null || true
echo "   disk filled: $(df -B1 --output=avail "$WORK/disk" | tail -1 | tr -d ' ') bytes free"
python3 "$WORK/load.py" "127.0.0.1:$B_PORT" "$WORK/codes-b.txt" 0.1 5 600 4 >"$WORK/load-b2.json"
READY_FULL=$(curl -s --max-time 10 "http://127.0.0.1:$B_PORT/readyz" || true)
READY_FULL_CODE=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "http://127.0.0.1:$B_PORT/readyz" || true)
python3 "$WORK/png.py" >"$WORK/photo.png" 2>/dev/null || cp /dev/null "$WORK/photo.png"
PHOTO_CODE=$(curl -s -o "$WORK/photo-answer.json" -w '%{http_code}' --max-time 60 -H "Authorization: Bearer $TOKEN" \
  -F "photo=@$WORK/photo.png;type=image/png" "http://127.0.0.1:$B_PORT/api/v1/products/$PRODUCT/photos" || true)
PAGE_CODE=$(curl -s -o "$WORK/product-answer.html" -w '%{http_code}' --max-time 60 -H "Authorization: Bearer $TOKEN" \
  -H 'Content-Type: application/json' -H 'Accept-Language: vi' \
  -d '{"name_vi":"Sản phẩm khi đầy đĩa","ocop_group":"food","description":"x","unit":"g","net_quantity":"100","price_vnd":"1000","status":"draft"}' \
  "http://127.0.0.1:$B_PORT/api/v1/sellers/$SELLER/products" || true)
rm -f "$WORK/disk/filler" "$WORK/disk/filler2"
echo "   disk freed"
wait_ready "$B_PORT" 30 || true
stop_server "$B_PID"
OK_B=$(cat "$WORK/load-b1.json" "$WORK/load-b2.json" | python3 -c 'import json,sys; print(sum(json.loads(l)["ok_genuine"] + json.loads(l)["ok_forged"] for l in sys.stdin))')
ERR_B=$(cat "$WORK/load-b1.json" "$WORK/load-b2.json" | python3 -c 'import json,sys; print(sum(json.loads(l)["errors"] for l in sys.stdin))')
BAD_B=$(jget 'sum(v for k, v in d["status"].items() if k not in ("200", "503", "507"))' <"$WORK/load-b2.json")
STORED_B=$(python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print(c.execute('SELECT (SELECT count(*) FROM scans) + (SELECT coalesce(sum(scans),0) FROM forged_scan_days)').fetchone()[0])" "$DATA_B/ocop.db")
echo "   answers while full: $(cat "$WORK/load-b2.json")"
echo "   /readyz while full: $READY_FULL_CODE $READY_FULL"
echo "   photo upload while full: $PHOTO_CODE $(head -c 300 "$WORK/photo-answer.json")"
echo "   product with a long story while full: $PAGE_CODE $(head -c 200 "$WORK/product-answer.html")"
echo "   served $OK_B; stored $STORED_B"
check "no answer other than 200/503/507 while full ($BAD_B)" "$([[ $BAD_B == 0 ]]; echo $?)"
check "/readyz 503 with disk_nearly_full" "$([[ $READY_FULL_CODE == 503 && $READY_FULL == *'"disk_nearly_full":true'* ]]; echo $?)"
check "photo upload 507" "$([[ $PHOTO_CODE == 507 ]]; echo $?)"
check "product create 201 or 507, never 500 ($PAGE_CODE)" "$([[ $PAGE_CODE == 201 || $PAGE_CODE == 507 ]]; echo $?)"
check "stored = served" "$([[ $STORED_B -ge $OK_B && $STORED_B -le $((OK_B + ERR_B)) ]]; echo $?)"
FULL_LOGGED=$(grep -c "disk is full\|disk full" "$WORK/b.log" || true)
MISLEADING=$(grep -c "outside of a transaction" "$WORK/b.log" || true)
check "the log names the full disk ($FULL_LOGGED lines), never 'outside of a transaction' ($MISLEADING)" \
  "$([[ $FULL_LOGGED -gt 0 && $MISLEADING == 0 ]]; echo $?)"

echo "== done in $(($(date +%s) - STARTED)) s"
if [[ $FAIL != 0 ]]; then
  echo "outage: FAILED" >&2
  exit 1
fi
echo "outage: all checks passed"
