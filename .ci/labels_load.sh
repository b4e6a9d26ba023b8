#!/usr/bin/env bash
# Label renders never starve the service (issue 10, point 2): while 8 label
# files of a large run are asked for at once, /healthz, /readyz (which borrows
# a pooled connection and runs SELECT 1) and a scan page keep answering 200
# within 2 s, and every asked-for file is whole.
#
#   1. in a temporary data dir (SQLite, or OCOP_DATABASE_URL), loads the
#      demo data and issues three runs of LABELS stamps (20,000) with the CLI;
#   2. starts `ocop serve` with OCOP_WORKERS=2 and the default pool of 8;
#   3. at once: 8 whole-run label files (FORMAT: pdf sheets by default,
#      png for ZIPs of 300 dpi PNGs), the three layouts of each run, asked
#      by three people (the seller's member, the staff who serve it, the
#      admin: at most 3 each), plus 8 plain GETs of the download link,
#      which for a run this large answer the "prepare" page, rendering
#      nothing;
#   4. meanwhile probes /healthz, /readyz and the scan page of one of the stamps
#      every 100 ms, each with a 2 s limit, until every job is finished;
#   5. checks every job is done with labels_done = labels_total, every file
#      downloads with the right type (%PDF / PK), no partial file remains,
#      and no probe failed; prints render time, throughput and availability.
#
# Usage: .ci/labels_load.sh path/to/ocop   (debug or release build)
# Environment: LABELS (20000), FORMAT (pdf, or png), DEADLINE (seconds for
# every job to finish, 600), KEEP=1 keeps the data dir and server log.
set -euo pipefail

OCOP=$(realpath "${1:?usage: $0 path/to/ocop}")
LABELS=${LABELS:-20000}
[[ -x "$OCOP" ]] || { echo "no ocop binary at $OCOP" >&2; exit 2; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/ocop-labels.XXXXXX")
SERVER_PID=""
cleanup() {
    if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    if [[ "${KEEP:-}" == 1 ]]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

export OCOP_DATA_DIR="$WORK/data" OCOP_ENV=development OCOP_LOG=${OCOP_LOG:-warn}
unset OCOP_PUBLIC_BASE_URL OCOP_SMTP_URL OCOP_BIND OCOP_DB_POOL_SIZE OCOP_LABEL_THREADS OCOP_LABEL_QUEUE
mkdir -p "$OCOP_DATA_DIR"

echo "== ocop demo, then three runs of $LABELS stamps"
"$OCOP" demo --json >"$WORK/demo.json"
t0=$SECONDS
for n in 1 2 3; do
    "$OCOP" stamps issue --product 1 --lot NX-MO-2025-10 --count "$LABELS" --json >"$WORK/run$n.json"
done
echo "   issued in $((SECONDS - t0)) s"

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"
echo "== ocop serve on 127.0.0.1:$PORT (OCOP_WORKERS=2, pool of 8)"
OCOP_BIND="127.0.0.1:$PORT" OCOP_WORKERS=2 "$OCOP" serve >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do
    curl -fsS "$BASE/healthz" >/dev/null 2>&1 && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log" >&2; exit 1; }
    sleep 0.2
done

python3 - "$WORK" "$BASE" "$OCOP_DATA_DIR" <<'PY'
import json, os, sys, threading, time, urllib.error, urllib.request

work, base, data_dir = sys.argv[1], sys.argv[2], sys.argv[3]
demo = json.load(open(f"{work}/demo.json"))
runs = [json.load(open(f"{work}/run{n}.json")) for n in (1, 2, 3)]
run_ids, code = [r["run_id"] for r in runs], runs[0]["codes"][0]
fmt = os.environ.get("FORMAT", "pdf")

def call(method, path, token=None, body=None, timeout=30):
    headers = {"Content-Type": "application/json"} if body is not None else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data, headers, method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as res:
            return res.status, res.headers, res.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()

def login(account):
    status, _, body = call("POST", "/api/v1/auth/login", body={
        "email": account["email"], "password": account["password"]})
    assert status == 200, body
    return json.loads(body)["token"]

member, staff, admin = login(demo["sellers"][0]), login(demo["staff"]), login(demo["admin"])
# Eight whole-run renders, three people (at most 3 each): the member the
# first run in the three layouts, the staff the second, the admin the third.
layouts = ["a4-40", "a4-21", "roll-40x30"]
asks = [(member, run_ids[0], {"layout": l, "format": fmt}) for l in layouts]
asks += [(staff, run_ids[1], {"layout": l, "format": fmt}) for l in layouts]
asks += [(admin, run_ids[2], {"layout": l, "format": fmt}) for l in layouts[:2]]

# The probes: /healthz and the scan page, every 100 ms, 2 s limit each.
probes, stop = [], threading.Event()
def probe(path):
    while not stop.is_set():
        t = time.monotonic()
        try:
            status, _, _ = call("GET", path, timeout=2)
        except Exception as e:  # timeout or refused connection
            status = f"error: {e}"
        probes.append((path, status, time.monotonic() - t))
        time.sleep(0.1)
threads = [threading.Thread(target=probe, args=(p,)) for p in ("/healthz", "/readyz", f"/s/{code}")]
for t in threads:
    t.start()
time.sleep(1)

# 8 jobs and 8 plain download GETs, all at once.
results, started = [None] * len(asks), time.monotonic()
def ask(i, token, run_id, body):
    results[i] = call("POST", f"/api/v1/stamp-runs/{run_id}/label-jobs", token, body)
gets = []
def plain_get():
    status, headers, _ = call("GET", f"/stamps/runs/{run_ids[0]}/labels?layout=a4-40&format=pdf", member)
    gets.append((status, headers.get("Content-Type", "")))
workers = [threading.Thread(target=ask, args=(i, t, r, b)) for i, (t, r, b) in enumerate(asks)]
workers += [threading.Thread(target=plain_get) for _ in range(8)]
for w in workers:
    w.start()
for w in workers:
    w.join()
failed = []
jobs = []
for (token, _, body), (status, headers, payload) in zip(asks, results):
    if status != 202:
        failed.append(f"job {body}: {status} {payload[:200]!r}")
    else:
        jobs.append((token, json.loads(payload)))
print(f"   asked for {len(asks)} files: {len(jobs)} accepted (202)")
plain = [g for g in gets if g[0] == 200 and g[1].startswith("text/html")]
print(f"   8 plain GETs of the download link: {len(plain)} answered the prepare page (200, HTML)")
if len(plain) != 8:
    failed.append(f"plain GETs: {gets}")

# Follow every job to its end.
views = {}
deadline = time.monotonic() + int(os.environ.get("DEADLINE", "600"))
while time.monotonic() < deadline:
    pending = 0
    for token, job in jobs:
        status, _, body = call("GET", f"/api/v1/label-jobs/{job['id']}", token)
        if status != 200:
            failed.append(f"job {job['id']}: status {status}")
            continue
        views[job["id"]] = json.loads(body)
        if views[job["id"]]["status"] in ("queued", "running"):
            pending += 1
    if pending == 0:
        break
    time.sleep(0.5)
wall = time.monotonic() - started
time.sleep(1)
stop.set()
for t in threads:
    t.join()

labels_rendered = 0
for token, job in jobs:
    v = views.get(job["id"], {})
    if v.get("status") != "done" or v.get("labels_done") != v.get("labels_total"):
        failed.append(f"job {job['id']} ended {v}")
        continue
    status, headers, body = call("GET", v["file_url"], token, timeout=120)
    kind = headers.get("Content-Type", "")
    magic = {"application/pdf": b"%PDF-", "application/zip": b"PK\x03\x04",
             "image/png": b"\x89PNG", "image/svg+xml": b"<svg"}.get(kind)
    if status != 200 or magic is None or not body.lstrip().startswith(magic):
        failed.append(f"file of job {job['id']}: {status} {kind} {body[:20]!r}")
        continue
    labels_rendered += v["labels_total"]
    from datetime import datetime
    took = (datetime.fromisoformat(v["finished_at"]) - datetime.fromisoformat(v["created_at"])).total_seconds()
    print(f"   job {v['id']:>3} run {v['run_id']} {v['layout']:<10} {v['format']:<3} {v['labels_total']:>6} labels"
          f" {len(body) / 1e6:7.1f} MB, ready {took:6.1f} s after the request")
leftovers = [f for f in os.listdir(os.path.join(data_dir, "labels")) if f.endswith(".part")]
if leftovers:
    failed.append(f"partial files left: {leftovers}")

for path in ("/healthz", "/readyz", f"/s/{code}"):
    mine = [p for p in probes if p[0] == path]
    bad = [p for p in mine if p[1] != 200 or p[2] > 2.0]
    worst = max((p[2] for p in mine), default=0)
    ok = len(mine) - len(bad)
    print(f"   {path.split('/')[1] or path:<8} {ok}/{len(mine)} answered 200 within 2 s, slowest {worst * 1000:.0f} ms")
    if bad or not mine:
        failed.append(f"{path}: {len(bad)} of {len(mine)} probes failed, e.g. {bad[:3]}")
print(f"   {labels_rendered} labels in {wall:.1f} s: {labels_rendered / wall:,.0f} labels/s across the instance")
if failed:
    print("FAILED:\n  " + "\n  ".join(failed), file=sys.stderr)
    sys.exit(1)
print("== ok: the service answered throughout")
PY
