#!/usr/bin/env bash
# API fuzzing: schemathesis (4.x, from PyPI) against the OpenAPI document the
# server publishes, logged in, on loopback. Fails on any 5xx and on any
# response the document does not describe (status code, content type,
# headers, body schema).
#
#   1. in a temporary data dir, loads the demo data (`ocop demo --json`);
#   2. starts `ocop serve` on a free 127.0.0.1 port and waits for /healthz;
#   3. logs in as the post-office staff and as a seller member (both tokens
#      first: the fuzzed login endpoint soon throttles 127.0.0.1);
#   4. runs schemathesis as staff over every operation, then as the seller
#      member, each run bounded by --max-examples and a wall-clock `timeout`;
#   5. stops the server (SIGTERM) and removes the data dir, whatever happened.
#
# Builds nothing. Usage: .ci/schemathesis.sh [path/to/ocop]  (default
# target/debug/ocop). Environment: OCOP_DATABASE_URL (a fresh PostgreSQL
# database; SQLite in the temporary dir otherwise), MAX_EXAMPLES (25),
# RUN_TIMEOUT (seconds per schemathesis run, 100), SEED (random otherwise;
# a failing run prints its seed), KEEP=1 keeps the data dir, the server log
# and the JUnit reports.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OCOP=$(realpath "${1:-$ROOT/target/debug/ocop}")
MAX_EXAMPLES=${MAX_EXAMPLES:-25}
RUN_TIMEOUT=${RUN_TIMEOUT:-100}
[[ -x "$OCOP" ]] || { echo "no ocop binary at $OCOP (cargo build first)" >&2; exit 2; }
command -v schemathesis >/dev/null || {
    echo "schemathesis is missing: pip install 'schemathesis>=4,<5'" >&2
    exit 2
}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/ocop-fuzz.XXXXXX")
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
unset OCOP_PUBLIC_BASE_URL OCOP_SMTP_URL OCOP_BIND
mkdir -p "$OCOP_DATA_DIR"

"$OCOP" demo --json >"$WORK/demo.json"

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"
OCOP_BIND="127.0.0.1:$PORT" OCOP_WORKERS=2 "$OCOP" serve >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do
    curl -fsS "$BASE/healthz" >/dev/null 2>&1 && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log" >&2; exit 1; }
    sleep 0.2
done
curl -fsS "$BASE/healthz" >/dev/null || { echo "server did not answer /healthz" >&2; exit 1; }

# login ROLE -> bearer token of that demo account (staff, or the first seller).
login() {
    python3 - "$WORK/demo.json" "$1" "$BASE" <<'PY'
import json, sys, urllib.request
demo, role, base = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3]
account = demo["staff"] if role == "staff" else demo["sellers"][0]
body = json.dumps({"email": account["email"], "password": account["password"]}).encode()
request = urllib.request.Request(base + "/api/v1/auth/login", body,
                                 {"Content-Type": "application/json"})
print(json.load(urllib.request.urlopen(request))["token"])
PY
}
STAFF_TOKEN=$(login staff)
SELLER_TOKEN=$(login seller)

# Known values, offered to the generator most of the time (the rest stays
# random): without them almost every case stops at a 404 (ids, codes and
# slugs are the demo's) or a 422 (a seller needs a tax code with its check
# digit, a product a group and a unit...), and the success answers would
# never be checked against the document.
python3 - "$WORK/demo.json" >"$WORK/schemathesis.toml" <<'PY'
import json, sys
demo = json.load(open(sys.argv[1]))
products = demo["products"]
lots = [lot for p in products for lot in p["lots"]]

def tax_code(stem):
    """A 10-digit tax code with its check digit (see src/domain/tax_code.rs)."""
    weights = [31, 29, 23, 19, 17, 13, 7, 5, 3]
    check = 10 - sum(w * int(d) for w, d in zip(weights, stem)) % 11
    return stem + str(check) if check < 10 else None

tax_codes = [c for c in (tax_code(f"28{n:07d}") for n in range(1000, 1040)) if c][:12]
ids = sorted({p["id"] for p in products} | {l["id"] for l in lots} | {s["id"] for s in demo["sellers"]})
dates = ["2025-01-15", "2025-03-01", "15/06/2025"]
later_dates = ["2026-12-31", "2027-06-30"]
counts = ["1", "2", "5"]
common = {  # every operation
    "path.id": ids, "path.photo_id": ids, "path.code": [s["code"] for s in demo["stamps"]],
    "path.slug": [p["slug"] for p in products], "path.kind": ["sellers", "products"],
    "path.ext": ["xlsx", "csv"], "query.province": [38], "query.seller": ids,
    "body.seller_id": ids, "body.product_ids[*]": ids, "body.order[*]": ids,
    "body.lot_code": [l["code"] for l in lots],
}
seller = {
    "body.kind": ["htx", "enterprise"], "body.legal_name": ["Hợp tác xã Dệt thổ cẩm Phú Nghiêm"],
    "body.short_name": ["HTX Phú Nghiêm"], "body.tax_code": tax_codes,
    "body.representative": ["Hà Thị Xuân"], "body.phone": ["+84 912 000 111", "0237 3880 123"],
    "body.email": ["htx.phunghiem@example.vn"], "body.commune_code": ["14869"],
    "body.status": ["draft", "active"],
}
product = {
    "body.name_vi": ["Mật ong rừng Pù Luông 500ml", "Chè Shan tuyết Phú Lệ"],
    "body.description": ["Mật ong rừng nguyên chất, khai thác thủ công ở bản Khạn."],
    "body.ocop_group": ["food"], "body.ocop_subgroup": ["honey", "tea", ""],
    "body.unit": ["ml", "g", "kg"], "body.net_quantity": ["500", "1,5"],
    "body.price_vnd": ["250.000", "120000"], "body.stock": ["10", "0"],
    "body.status": ["draft", "listed", "unlisted"], "body.sku": ["MO-500", "CH-100"],
    "body.gtin": ["8938505974194", ""],
}
lot = {
    "body.code": ["FZ-2025-01", "FZ-2025-02", "FZ-2025-03"], "body.produced_on": dates,
    "body.packed_on": dates, "body.best_before": later_dates, "body.quantity": counts,
    "body.quantity_unit": ["hũ", "kg"], "body.origin_commune_code": ["14869"],
}
operations = {
    ("POST", "/api/v1/sellers"): seller,
    ("PUT", "/api/v1/sellers/{id}"): seller,
    ("POST", "/api/v1/sellers/{id}/invitations"): {
        "body.email": ["moi.thanhvien@example.vn", "b@example.vn"], "body.name": ["Lò Văn Páo"]},
    ("POST", "/api/v1/sellers/{id}/products"): product,
    ("PUT", "/api/v1/products/{id}"): product,
    ("POST", "/api/v1/products/{id}/certificates"): {
        "body.stars": ["3", "4", "5"], "body.score": ["", "82"], "body.decision_no": ["1234/QĐ-UBND"],
        "body.issued_by": ["province", "central"], "body.issued_on": dates, "body.valid_until": ["", *later_dates]},
    ("POST", "/api/v1/products/{id}/lots"): lot,
    ("PUT", "/api/v1/lots/{id}"): lot,
    ("POST", "/api/v1/lots/{id}/status"): {
        "body.status": ["active", "held", "recalled"], "body.reason": ["Kiểm tra chất lượng"]},
    ("POST", "/api/v1/lots/{id}/events"): {
        "body.kind": ["harvest", "packing", "lab_test"], "body.happened_at": ["2025-06-01T08:30", *dates],
        "body.place": ["Bản Khạn"], "body.actor": ["Tổ thu hoạch"], "body.note": ["Thu hoạch đợt 1"],
        "body.corrects_event_id": ["", "1"]},
    ("POST", "/api/v1/products/{id}/stamp-runs"): {
        "body.count": counts, "body.layout": ["a4-40", "roll-40x30"]},
    ("POST", "/api/v1/stamp-runs/{id}/bind"): {"body.from": ["", "1"], "body.to": ["", "2"]},
    ("POST", "/api/v1/exports/check"): {"body.channels[*]": ["thanhhoa", "postmart", "voso", "generic"]},
    ("POST", "/api/v1/exports"): {
        "body.channel": ["thanhhoa", "postmart", "voso", "generic"], "body.format": ["xlsx", "csv"]},
}
literals = {("POST", "/api/v1/sellers"): {"body.consent": True},
            ("PUT", "/api/v1/sellers/{id}"): {"body.consent": True}}

dictionaries = {}
def dictionary(values):
    name = f"d{len(dictionaries)}"
    dictionaries[name] = values
    return name
def bindings(table, probability):
    return {key: {"dictionary": dictionary(values), "probability": probability}
            for key, values in table.items()}
def toml(value):
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{json.dumps(k)} = {toml(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(toml(v) for v in value) + "]"
    return json.dumps(value)

out = ["[parameters]"]
out += [f"{json.dumps(k)} = {toml(v)}" for k, v in bindings(common, 0.7).items()]
for (method, path), table in operations.items():
    # include-path and include-method would match either; the name is both.
    out += ["", "[[operations]]", f"include-name = {json.dumps(method + ' ' + path)}",
            "[operations.parameters]"]
    out += [f"{json.dumps(k)} = {toml(v)}" for k, v in bindings(table, 0.85).items()]
    out += [f"{json.dumps(k)} = {toml(v)}" for k, v in literals.get((method, path), {}).items()]
for name, values in dictionaries.items():
    out += ["", f"[dictionaries.{name}]", f"values = {toml(values)}"]
print("\n".join(out))
PY

# fuzz NAME TOKEN: one bounded schemathesis run over every operation but
# /auth/logout and /auth/password, which revoke the token for the rest of
# the run (tests/api/auth.rs covers them). Multipart uploads (photos,
# imports) are fuzzed too: their bodies are random form fields, which the
# server must refuse with a 4xx.
failed=0
summary=()
fuzz() {
    local name=$1 token=$2 rc=0
    echo "==== schemathesis as $name"
    timeout --signal=INT --kill-after=20 "$RUN_TIMEOUT" \
        schemathesis --config-file "$WORK/schemathesis.toml" run "$BASE/api/v1/openapi.json" \
        --header "Authorization: Bearer $token" \
        --checks not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance \
        --exclude-path /api/v1/auth/logout \
        --exclude-path /api/v1/auth/password \
        --max-examples "$MAX_EXAMPLES" \
        ${SEED:+--seed "$SEED"} \
        --workers 2 \
        --request-timeout 30 \
        --generation-database none \
        --no-color \
        --report junit --report-dir "$WORK/report-$name" 2>&1 | tee "$WORK/$name.log" || rc=$?
    local operations cases
    operations=$(sed -n 's/^ *Tested: \([0-9]*\).*/\1/p' "$WORK/$name.log" | tail -n 1)
    cases=$(sed -n 's/^ *\([0-9]*\) generated.*/\1/p' "$WORK/$name.log" | tail -n 1)
    summary+=("as $name: ${operations:-?} operations, ${cases:-?} test cases, exit $rc")
    if [[ $rc -eq 124 || $rc -eq 130 ]]; then
        echo "schemathesis as $name: stopped after ${RUN_TIMEOUT}s" >&2
    fi
    [[ $rc -eq 0 ]] || failed=1
}
fuzz staff "$STAFF_TOKEN"
fuzz seller "$SELLER_TOKEN"

# The causes of 5xx answers and any panic, which only the server log has.
if grep -E 'request failed|panicked' "$WORK/server.log" >&2; then
    failed=1
fi
echo "==== schemathesis summary (${SECONDS}s)"
printf '  %s\n' "${summary[@]}"
exit $failed
