#!/usr/bin/env bash
# Hostile spreadsheets against a running server (issue 10, point 1).
#
#   .ci/hostile_files.sh [path/to/ocop]      (default target/debug/ocop)
#
# Starts `ocop serve --demo` on a fresh data dir, logs in as the demo staff,
# and uploads each hostile file (made here by python3: tiny files that
# declare a trillion texts, or unpack to gigabytes) one at a time to
# POST /api/v1/imports/products?dry_run=true. For each it records the
# status, the server's peak RSS growth (VmHWM after, minus VmRSS before,
# with the peak reset through /proc/PID/clear_refs) and polls /healthz
# meanwhile. Fails on a 5xx or dropped connection, on a growth of 300 MB
# or more, or when /healthz did not answer 200 within 2 s.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${1:-target/debug/ocop}
[[ -x $BIN ]] || { echo "no binary at $BIN (build it first)" >&2; exit 2; }
MAX_GROWTH_MB=${MAX_GROWTH_MB:-300}

work=$(mktemp -d)
server_pid=
cleanup() {
    [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

echo "== making the hostile files in $work/files"
mkdir -p "$work/files"
python3 - "$work/files" <<'PY'
import os, struct, sys, zlib

out = sys.argv[1]
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

def entry(name, pieces):
    """A deflated ZIP entry of each (bytes, repeats) piece, compressed once
    per piece and repeated, so a gigabyte costs a megabyte."""
    data, crc, size = bytearray(), 0, 0
    for piece, repeats in pieces:
        c = zlib.compressobj(6, zlib.DEFLATED, -15)
        block = c.compress(piece) + c.flush(zlib.Z_SYNC_FLUSH)
        for _ in range(repeats):
            data += block
            crc = zlib.crc32(piece, crc)
        size += len(piece) * repeats
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    data += c.flush(zlib.Z_FINISH)
    return name, bytes(data), crc & 0xFFFFFFFF, size

def zipfile(entries):
    out, central = bytearray(), bytearray()
    for name, data, crc, size in entries:
        offset = len(out)
        fields = struct.pack("<HHHHHIIIHH", 20, 0, 8, 0, 0, crc, len(data), size, len(name), 0)
        out += b"PK\x03\x04" + fields + name.encode() + data
        central += b"PK\x01\x02\x14\x00" + fields + struct.pack("<HHHII", 0, 0, 0, 0, offset) + name.encode()
    start = len(out)
    out += central + struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(entries), len(entries), len(central), start, 0)
    return bytes(out)

def workbook(sheet, strings):
    book = f'<workbook xmlns="{MAIN}" xmlns:r="{RELS}"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
    rels = (f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{RELS}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{RELS}/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
    return zipfile([entry("xl/workbook.xml", [(book.encode(), 1)]),
                    entry("xl/_rels/workbook.xml.rels", [(rels.encode(), 1)]),
                    sheet, strings])

SHEET = "xl/worksheets/sheet1.xml"
SST = "xl/sharedStrings.xml"
small_sheet = entry(SHEET, [(f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>'.encode(), 1)])
def strings(head):
    return entry(SST, [(f'{head}<si><t>Tên</t></si></sst>'.encode(), 1)])
plain_sst = strings(f'<sst xmlns="{MAIN}">')
sheet_open = f'<worksheet xmlns="{MAIN}"><sheetData>'.encode()
sheet_close = b"</sheetData></worksheet>"

files = {
    "unique-1e12.xlsx": workbook(small_sheet, strings(f'<sst xmlns="{MAIN}" count="1" uniqueCount="1000000000000">')),
    "unique-1e18.xlsx": workbook(small_sheet, strings(f'<sst xmlns="{MAIN}" count="1" uniqueCount="1000000000000000000">')),
    "string-1gb.xlsx": workbook(small_sheet, entry(SST, [(f'<sst xmlns="{MAIN}"><si><t>'.encode(), 1), (b"a" * 2**20, 1024), (b"</t></si></sst>", 1)])),
    "strings-15.8m.xlsx": workbook(small_sheet, entry(SST, [(f'<sst xmlns="{MAIN}">'.encode(), 1), (b"<si><t>a</t></si>" * 4096, 15_800_000 // 4096), (b"</sst>", 1)])),
    "empty-cells-b2-1.5gb.xlsx": workbook(entry(SHEET, [(sheet_open + b'<row r="2">', 1), (b'<c r="B2"></c>' * 65536, 1536), (b"</row>" + sheet_close, 1)]), plain_sst),
    "empty-cells-grid-1.5gb.xlsx": workbook(entry(SHEET, [(sheet_open, 1), (b"<row>" + b"<c/>" * 16384 + b"</row>", 24000), (sheet_close, 1)]), plain_sst),
    "zip-bomb-2gb-zeros.xlsx": workbook(entry(SHEET, [(b"\0" * 2**20, 2047)]), plain_sst),
    "markup-bomb-1gb.xlsx": workbook(entry(SHEET, [(sheet_open, 1), (b"<!---->" * 4096, 36000), (sheet_close, 1)]), plain_sst),
    "nested-100k.xlsx": workbook(entry(SHEET, [(sheet_open, 1), (b"<x>" * 100000 + b"</x>" * 100000, 1), (sheet_close, 1)]), plain_sst),
    "long-text-50k-rows.xlsx": workbook(
        entry(SHEET, [(sheet_open + b'<row r="1"><c r="A1" t="s"><v>0</v></c></row>', 1),
                      (b'<row><c t="s"><v>1</v></c></row>', 50000), (sheet_close, 1)]),
        entry(SST, [(f'<sst xmlns="{MAIN}"><si><t>Tên</t></si><si><t>'.encode() + b"x" * 32000 + b"</t></si></sst>", 1)])),
    "commas-20mb.csv": b"a\n" + b"," * (20 * 2**20 - 3),
}
for name, data in files.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
    print(f"  {name:30} {len(data):>10,} bytes")
PY

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base=http://127.0.0.1:$port
echo "== starting $BIN serve --demo on $base"
OCOP_DATA_DIR=$work/data OCOP_BIND=127.0.0.1:$port OCOP_WORKERS=2 OCOP_LOG=warn \
    "$BIN" serve --demo >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 600); do  # the debug build on a busy machine takes ~40 s
    curl -fsS -m 2 "$base/healthz" >/dev/null 2>&1 && break
    sleep 0.2
done
curl -fsS -m 2 "$base/healthz" >/dev/null || { cat "$work/server.log"; echo "server did not start" >&2; exit 1; }

token=$(curl -fsS -m 30 -H 'Content-Type: application/json' \
    -d '{"email":"nhanvien@buudien-quanhoa.vn","password":"buudien-quanhoa"}' \
    "$base/api/v1/auth/login" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')

kb() { awk -v key="$1:" '$1 == key { print $2 }' "/proc/$server_pid/status"; }

failed=0
printf '\n%-30s %6s %8s %10s %7s %8s  %s\n' file status time_s growth_MB HWM_MB healthz message
for file in "$work"/files/*; do
    name=$(basename "$file")
    # Reset the peak so VmHWM measures this upload alone.
    echo 5 >"/proc/$server_pid/clear_refs"
    rss_before=$(kb VmRSS)

    : >"$work/health"
    (
        while [[ ! -e $work/done ]]; do
            code=$(curl -s -o /dev/null -m 2 -w '%{http_code}' "$base/healthz" || true)
            echo "$code" >>"$work/health"
            sleep 0.2
        done
    ) &
    poller=$!
    started=$(date +%s%N)
    status=$(curl -s -m 120 -o "$work/body" -w '%{http_code}' -H "Authorization: Bearer $token" \
        -F "file=@$file" "$base/api/v1/imports/products?dry_run=true" || true)
    took_ms=$((($(date +%s%N) - started) / 1000000))
    touch "$work/done"
    wait "$poller"
    rm -f "$work/done"

    if ! kill -0 "$server_pid" 2>/dev/null; then
        echo "$name: the server died" >&2
        tail -20 "$work/server.log" >&2
        exit 1
    fi
    hwm=$(kb VmHWM)
    growth_mb=$(((hwm - rss_before) / 1024))
    polls=$(wc -l <"$work/health")
    bad_polls=$(grep -vc '^200$' "$work/health" || true)
    message=$(python3 -c 'import json,sys
try: print(json.load(open(sys.argv[1])).get("message","")[:70])
except Exception: print("(no JSON)")' "$work/body")
    printf '%-30s %6s %8s %10d %7d %4d/%-3d  %s\n' "$name" "$status" "$((took_ms / 1000)).$(printf '%03d' $((took_ms % 1000)))" "$growth_mb" "$((hwm / 1024))" \
        "$((polls - bad_polls))" "$polls" "$message"

    if [[ $status == 000 || $status == 5* ]]; then
        echo "  FAIL: status $status" >&2; failed=1
    fi
    if ((growth_mb >= MAX_GROWTH_MB)); then
        echo "  FAIL: peak RSS grew by $growth_mb MB (limit $MAX_GROWTH_MB)" >&2; failed=1
    fi
    if ((bad_polls > 0 || polls == 0)); then
        echo "  FAIL: /healthz failed $bad_polls of $polls polls" >&2; failed=1
    fi
done

if ((failed)); then
    echo "hostile files: FAILED" >&2
    exit 1
fi
echo "hostile files: all refused with 4xx, peak RSS growth under $MAX_GROWTH_MB MB, /healthz answered throughout"
