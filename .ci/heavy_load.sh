#!/usr/bin/env bash
# Heavy uploads against one server on SQLite with the demo data and a pool
# of 8 connections (issue 10, points 2-4), while /healthz, /readyz (which
# borrows a pooled connection) and a demo scan page are polled every 200 ms:
#   - 8 parallel photo uploads of a 16-bit RGBA PNG of 8000x5000 (320 KB,
#     320 MB once decoded) and 4 of a ~90-byte animated WebP whose canvas
#     is 6300x6300;
#   - 8 parallel dry-run imports of a large valid products CSV;
#   - a photo upload followed by 49 extra 10 MB parts, and an import
#     followed by 49 extra 20 MB parts.
# Prints every status, the peak RSS of the server (VmHWM) and the polls'
# availability. Fails when the peak RSS reaches 1.2 GB, when any answer is
# a 5xx other than 503 with Retry-After, or when /healthz or the scan page
# fails to answer 200 within 2 s.
#
# Usage: .ci/heavy_load.sh path/to/ocop   (a release build: cargo build --release)
set -euo pipefail

BIN=${1:?usage: $0 path/to/ocop}
BIN=$(realpath "$BIN")
WORK=$(mktemp -d -t ocop-heavy-XXXXXX)
SERVER_PID=
cleanup() {
    if [[ -n "$SERVER_PID" ]]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export OCOP_DATA_DIR="$WORK/data" OCOP_BIND="127.0.0.1:$PORT" OCOP_DB_POOL_SIZE=8 OCOP_LOG=warn
BASE="http://127.0.0.1:$PORT"

echo "== demo data in $OCOP_DATA_DIR"
"$BIN" demo --json >"$WORK/demo.json"

echo "== files"
python3 - "$WORK" <<'EOF'
import base64, struct, sys, zlib

work = sys.argv[1]

def chunk(kind, data):
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

# A 16-bit RGBA PNG of 8000x5000, compressed row by row: 320 KB on disk,
# 320 MB of pixels.
w, h = 8000, 5000
z = zlib.compressobj(9)
row = b"\x00" + bytes([0x7F, 0x00, 0x20, 0x00, 0x90, 0x00, 0xFF, 0xFF]) * w
idat = b"".join(z.compress(row) for _ in range(h)) + z.flush()
png = (b"\x89PNG\r\n\x1a\n"
       + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 16, 6, 0, 0, 0))
       + chunk(b"IDAT", idat) + chunk(b"IEND", b""))
open(f"{work}/big16.png", "wb").write(png)

# An animated WebP whose canvas is 6300x6300, with one 1x1 lossless frame
# (Modernizr's lossless test image).
tiny = base64.b64decode("UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==")
vp8l = tiny[12:]  # the VP8L chunk, header and padding included
def u24(n):
    return struct.pack("<I", n)[:3]
def rchunk(kind, data):
    pad = b"\x00" if len(data) % 2 else b""
    return kind + struct.pack("<I", len(data)) + data + pad
side = 6300
vp8x = rchunk(b"VP8X", bytes([0x12, 0, 0, 0]) + u24(side - 1) + u24(side - 1))
anim = rchunk(b"ANIM", b"\xff\xff\xff\xff" + struct.pack("<H", 0))
anmf = rchunk(b"ANMF", u24(0) + u24(0) + u24(0) + u24(0) + u24(100) + b"\x00" + vp8l)
body = b"WEBP" + vp8x + anim + anmf
webp = b"RIFF" + struct.pack("<I", len(body)) + body
open(f"{work}/canvas.webp", "wb").write(webp)
print(f"big16.png {len(png)} bytes, canvas.webp {len(webp)} bytes")
EOF

echo "== server on $BASE"
"$BIN" serve --demo >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do
    if curl -fsS -o /dev/null "$BASE/healthz" 2>/dev/null; then break; fi
    sleep 0.2
done
curl -fsS -o /dev/null "$BASE/healthz"

python3 - "$WORK" "$BASE" "$SERVER_PID" <<'EOF'
import csv, http.client, io, json, os, sys, threading, time, urllib.request
from concurrent.futures import ThreadPoolExecutor

work, base, pid = sys.argv[1], sys.argv[2], int(sys.argv[3])
host, port = base.removeprefix("http://").split(":")
port = int(port)
demo = json.load(open(f"{work}/demo.json"))
problems = []

def request(method, path, body=None, headers=None, timeout=120):
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        res = conn.getresponse()
        data = res.read()
        return res.status, dict(res.getheaders()), data
    finally:
        conn.close()

staff = demo["staff"]
status, _, data = request("POST", "/api/v1/auth/login",
                          json.dumps({"email": staff["email"], "password": staff["password"]}),
                          {"Content-Type": "application/json"})
assert status == 200, (status, data)
token = json.loads(data)["token"]
auth = {"Authorization": f"Bearer {token}"}
genuine = next(s for s in demo["stamps"] if s["outcome"] == "genuine")
scan_path = "/s/" + genuine["code"]
product = demo["products"][0]

# A large valid products file from the template's example row: one demo
# seller, a new SKU on each row.
status, _, data = request("GET", "/api/v1/imports/templates/products.csv", headers=auth)
assert status == 200, status
rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
header, example = rows[0], rows[1]
status, _, data = request("GET", f"/api/v1/sellers/{product['seller_id']}", headers=auth)
assert status == 200, (status, data)
seller = json.loads(data)
seller = seller.get("seller", seller)
seller_key = seller.get("tax_code") or seller.get("business_reg_no")
def col(*names):
    for i, h in enumerate(header):
        if any(n in h.lower() for n in names):
            return i
    return None
sku_col, seller_col, gtin_col = col("sku"), col("mã số thuế", "tax", "người bán", "seller"), col("gtin")
out = io.StringIO()
writer = csv.writer(out)
writer.writerow(header)
IMPORT_ROWS = 20000
for i in range(IMPORT_ROWS):
    r = list(example)
    r[sku_col] = f"HEAVY-{i:06d}"
    if seller_col is not None:
        r[seller_col] = seller_key
    if gtin_col is not None:
        r[gtin_col] = ""
    writer.writerow(r)
products_csv = out.getvalue().encode("utf-8")
print(f"products.csv: {IMPORT_ROWS} rows, {len(products_csv) / 1e6:.1f} MB")

def multipart(parts):
    boundary = "----ocop-heavy-" + os.urandom(8).hex()
    chunks = []
    for name, file_name, data in parts:
        disp = f'form-data; name="{name}"' + (f'; filename="{file_name}"' if file_name else "")
        chunks.append(f"--{boundary}\r\nContent-Disposition: {disp}\r\n\r\n".encode())
        chunks.append(data)
        chunks.append(b"\r\n")
    chunks.append(f"--{boundary}--\r\n".encode())
    return f"multipart/form-data; boundary={boundary}", b"".join(chunks)

# ---------------------------------------------------------------- polling
polls = {"healthz": [], "readyz": [], "scan": []}
stop = threading.Event()
def poll():
    while not stop.is_set():
        for name, path in (("healthz", "/healthz"), ("readyz", "/readyz"), ("scan", scan_path)):
            started = time.monotonic()
            try:
                status, _, _ = request("GET", path, timeout=2)
            except Exception as e:
                status = f"error {type(e).__name__}"
            polls[name].append((status, time.monotonic() - started))
        time.sleep(0.2)
poller = threading.Thread(target=poll, daemon=True)
poller.start()

results = []
lock = threading.Lock()
def record(what, status, headers, data, started):
    retry = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    with lock:
        results.append((what, status, retry, time.monotonic() - started,
                        data[:160].decode("utf-8", "replace")))

def upload(what, path, parts):
    content_type, body = multipart(parts)
    started = time.monotonic()
    try:
        status, headers, data = request("POST", path, body, {**auth, "Content-Type": content_type})
    except Exception as e:
        status, headers, data = f"error {type(e).__name__}", {}, b""
    record(what, status, headers, data, started)

def streamed_extra_parts(what, path, first, extra_mb):
    """A form whose first part is valid, then 49 extra parts of extra_mb MB,
    streamed so that this client never holds them."""
    boundary = "----ocop-heavy-extra"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{first[0]}\"; "
            f"filename=\"{first[1]}\"\r\n\r\n").encode() + first[2] + b"\r\n"
    block = b"\0" * (1024 * 1024)
    part_head = lambda i: (f"--{boundary}\r\nContent-Disposition: form-data; name=\"extra{i}\"; "
                           f"filename=\"x{i}.bin\"\r\n\r\n").encode()
    tail = f"--{boundary}--\r\n".encode()
    length = len(head) + sum(len(part_head(i)) + extra_mb * len(block) + 2 for i in range(49)) + len(tail)
    started = time.monotonic()
    conn = http.client.HTTPConnection(host, port, timeout=120)
    status, headers, data = "no answer", {}, b""
    try:
        conn.putrequest("POST", path)
        for k, v in {**auth, "Content-Type": f"multipart/form-data; boundary={boundary}",
                     "Content-Length": str(length)}.items():
            conn.putheader(k, v)
        conn.endheaders()
        try:
            conn.send(head)
            for i in range(49):
                conn.send(part_head(i))
                for _ in range(extra_mb):
                    conn.send(block)
                conn.send(b"\r\n")
            conn.send(tail)
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused early: the answer is already waiting
        res = conn.getresponse()
        status, headers, data = res.status, dict(res.getheaders()), res.read()
    except Exception as e:
        status = f"error {type(e).__name__}"
    finally:
        conn.close()
    record(what, status, headers, data, started)

png = open(f"{work}/big16.png", "rb").read()
webp = open(f"{work}/canvas.webp", "rb").read()
photo_path = f"/api/v1/products/{product['id']}/photos"
jobs = []
t0 = time.monotonic()
with ThreadPoolExecutor(max_workers=24) as pool:
    for i in range(8):
        jobs.append(pool.submit(upload, "photo 16-bit PNG 8000x5000", photo_path,
                                [("photo", "big16.png", png)]))
    for i in range(4):
        jobs.append(pool.submit(upload, "photo WebP canvas 6300x6300", photo_path,
                                [("photo", "canvas.webp", webp)]))
    for i in range(8):
        jobs.append(pool.submit(upload, "dry-run import 20,000 rows",
                                "/api/v1/imports/products?dry_run=true",
                                [("file", "products.csv", products_csv)]))
    jobs.append(pool.submit(streamed_extra_parts, "photo + 49 extra 10 MB parts", photo_path,
                            ("photo", "big16.png", png), 10))
    jobs.append(pool.submit(streamed_extra_parts, "import + 49 extra 20 MB parts",
                            "/api/v1/imports/products?dry_run=true",
                            ("file", "products.csv", products_csv), 20))
    for j in jobs:
        j.result()
elapsed = time.monotonic() - t0
time.sleep(1)
stop.set()
poller.join()

# ---------------------------------------------------------------- report
print(f"\n== answers ({elapsed:.1f} s in all)")
for what, status, retry, secs, body in sorted(results, key=lambda r: (r[0], str(r[1]))):
    extra = f" Retry-After={retry}" if retry else ""
    short = body.replace("\n", " ")[:100]
    print(f"  {what:32} {status}{extra} in {secs:5.1f} s  {short}")
    if not isinstance(status, int):
        problems.append(f"{what}: {status}")
    elif status >= 500 and not (status == 503 and retry):
        problems.append(f"{what}: {status} without Retry-After" if status == 503 else f"{what}: {status}")

for what in ("photo + 49 extra 10 MB parts", "import + 49 extra 20 MB parts"):
    got = [r for r in results if r[0] == what]
    if not got or not isinstance(got[0][1], int) or not 400 <= got[0][1] < 500:
        problems.append(f"{what}: expected a 4xx, got {got[0][1] if got else None}")

print("\n== availability while they ran (every 200 ms, 2 s timeout)")
for name, answers in polls.items():
    ok = sum(1 for s, t in answers if s == 200 and t < 2)
    worst = max((t for _, t in answers), default=0)
    print(f"  {name:8} {ok}/{len(answers)} answered 200 within 2 s; slowest {worst:.2f} s")
    if ok != len(answers) or not answers:
        bad = [(s, round(t, 2)) for s, t in answers if not (s == 200 and t < 2)][:5]
        problems.append(f"{name}: {len(answers) - ok} polls failed, e.g. {bad}")

status_text = open(f"/proc/{pid}/status").read()
hwm = next(int(l.split()[1]) for l in status_text.splitlines() if l.startswith("VmHWM:"))
rss = next(int(l.split()[1]) for l in status_text.splitlines() if l.startswith("VmRSS:"))
print(f"\n== server memory: peak RSS (VmHWM) {hwm / 1024:.0f} MB, now {rss / 1024:.0f} MB")
if hwm * 1024 >= 1.2e9:
    problems.append(f"peak RSS {hwm / 1024:.0f} MB >= 1.2 GB")

status, _, _ = request("GET", "/healthz")
if status != 200:
    problems.append(f"/healthz after the load: {status}")

if problems:
    print("\nFAILED:")
    for p in problems:
        print("  - " + p)
    sys.exit(1)
print("\nOK: no 5xx but 503 with Retry-After, /healthz and the scan page answered throughout, peak RSS under 1.2 GB")
EOF
