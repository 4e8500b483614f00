#!/usr/bin/env bash
# Checks the query API's ClickHouse SQL against a modern ClickHouse engine (PyPI `chdb`,
# in-process 26.x), which the test server (Debian's 18.16) cannot do. It runs the query suite
# (collector/tests/query_suite.rs, needs the shared broker and ClickHouse) with the reader's
# SQL traced, then, in chdb: creates the schema the migrations give a 26.9 server, inserts a
# few events, and runs every statement the reader sent during the suite (database renamed),
# failing on the first one the engine refuses. The answers themselves are checked by the
# suite on 18.16; this checks that newer servers take the same SQL.
# Manual, like check-clickhouse-ddl.sh (same venv, .services/chdb-venv); see docs/query.md.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
VENV="${CHDB_VENV:-$ROOT/.services/chdb-venv}"
export PATH="$HOME/.cargo/bin:$PATH"
if [[ ! -x "$VENV/bin/python" ]] || ! "$VENV/bin/python" -c 'import chdb' 2>/dev/null; then
  echo "[check-queries] creating $VENV and installing chdb (several minutes, ~900 MB)"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --upgrade pip
  "$VENV/bin/pip" install --quiet chdb
fi
LOG="$(mktemp)"; DDL="$(mktemp)"; DATA="$(mktemp -d)"
trap 'rm -rf "$LOG" "$DDL" "$DATA"' EXIT
echo "[check-queries] running the query suite with the reader's SQL traced"
(cd "$ROOT" && COLLECTOR_TEST_RUST_LOG="warn,monitor_collector::clickhouse::reader=trace" \
  cargo test --quiet -p monitor-collector --test query_suite 2>"$LOG" >/dev/null)
TARGET="$(cd "$ROOT" && cargo metadata --format-version 1 --no-deps | "$VENV/bin/python" -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
MONITOR_CLICKHOUSE_DATABASE=m "$TARGET/debug/monitor-collector" clickhouse-ddl --version 26.9 >"$DDL"

"$VENV/bin/python" - "$LOG" "$DDL" "$DATA" <<'PY'
import json, re, sys
from chdb import session

log, ddl, data = sys.argv[1:4]
s = session.Session(data)

def q(sql, fmt="CSV"):
    out = s.query(sql, fmt)
    if hasattr(out, "has_error") and out.has_error():
        raise SystemExit(f"FAILED on ClickHouse 26.x:\n{sql}\n{out.error_message()}")
    return str(out)

for st in open(ddl).read().split(";\n\n"):
    if st.strip():
        q(st.strip().rstrip(";"))
rows = []
for i, (kind, extra) in enumerate([("page_view", {}), ("error", {"fingerprint": "f" * 32}),
                                   ("web_vital", {"message": "LCP", "value": 1200.0, "rating": "good", "metric_id": "v1"})]):
    row = {"project_id": 1, "event_id": f"{i:032x}", "type": kind, "timestamp": 1796190000 + i,
           "timestamp_ms": 1796190000000.25 + i, "received_at": 1796190001, "received_at_ms": 1796190001000,
           "release": "web@1.9.0", "session_id": "s1", "visitor_id": "v1", "page_path": "/",
           "payload": json.dumps({"event_id": f"{i:032x}", "type": kind, "timestamp": 1796190000000.25 + i})}
    row.update(extra)
    rows.append(json.dumps(row))
q("INSERT INTO m.events FORMAT JSONEachRow\n" + "\n".join(rows))

# Each traced statement starts a log record and runs until the next record.
records = re.split(r"\n(?=\d{4}-\d\d-\d\dT\S+Z\s+[A-Z]+ )", open(log).read())
sqls = []
for record in records:
    marker = "clickhouse query sql="
    if marker in record:
        sql = record.split(marker, 1)[1].strip()
        sqls.append(re.sub(r"\bmonitor_query_[0-9_]+\.", "m.", sql))
unique = list(dict.fromkeys(sqls))
if len(unique) < 20:
    raise SystemExit(f"only {len(unique)} statements traced: did the suite run?")
for sql in unique:
    q(sql, "JSONEachRow")
print(f"PASS: {len(unique)} distinct statements of the query API run on chdb {q('SELECT version()').strip()}")
PY
