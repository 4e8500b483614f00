#!/usr/bin/env bash
# Checks the schema's modern-only DDL against a modern ClickHouse engine, which the test server
# (Debian's 18.16) cannot do: PyPI `chdb` is ClickHouse in-process (26.x, no server).
#   scripts/check-clickhouse-ddl.sh [SERVER_VERSION]     default: the chdb engine's own version
# It creates a venv under .services/chdb-venv (gitignored, ~900 MB, pip install takes minutes
# the first time), builds the collector, prints the migrations' DDL for SERVER_VERSION with
# `monitor-collector clickhouse-ddl --version`, and checks it in chdb twice:
#   fresh:    every statement on an empty database, then events in (duplicates and web
#             vitals included), checking events FINAL and the per-minute tables;
#   upgrade:  the 18.16 schema first, filled with the same events, then the statements the
#             newer version adds (the gated ALTERs, as after a server upgrade), then checks.
# Not part of `cargo test` or CI: too heavy. See docs/clickhouse.md.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
VENV="${CHDB_VENV:-$ROOT/.services/chdb-venv}"
export PATH="$HOME/.cargo/bin:$PATH"

if [[ ! -x "$VENV/bin/python" ]] || ! "$VENV/bin/python" -c 'import chdb' 2>/dev/null; then
  echo "[check-ddl] creating $VENV and installing chdb (several minutes, ~900 MB)"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --upgrade pip
  "$VENV/bin/pip" install --quiet chdb
fi
ENGINE="$("$VENV/bin/python" -c 'import chdb; print(str(chdb.query("SELECT version()", "CSV")).strip().strip("\""))')"
VERSION="${1:-$ENGINE}"
echo "[check-ddl] chdb engine $ENGINE; DDL generated for server version $VERSION"

(cd "$ROOT" && cargo build --quiet -p monitor-collector)
TARGET="$(cd "$ROOT" && cargo metadata --format-version 1 --no-deps | "$VENV/bin/python" -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
DDL="$(mktemp)"; OLD_DDL="$(mktemp)"; DATA="$(mktemp -d)"
trap 'rm -rf "$DDL" "$OLD_DDL" "$DATA"' EXIT
for db in fresh upgrade; do
  MONITOR_CLICKHOUSE_DATABASE="monitor_$db" "$TARGET/debug/monitor-collector" clickhouse-ddl --version "$VERSION" >"$DDL.$db"
done
MONITOR_CLICKHOUSE_DATABASE=monitor_upgrade "$TARGET/debug/monitor-collector" clickhouse-ddl --version 18.16.1 >"$OLD_DDL"
trap 'rm -rf "$DDL" "$DDL".* "$OLD_DDL" "$DATA"' EXIT

"$VENV/bin/python" - "$DDL" "$OLD_DDL" "$DATA" <<'PY'
import json, sys, time
from chdb import session

ddl_file, old_ddl_file, data_dir = sys.argv[1], sys.argv[2], sys.argv[3]
s = session.Session(data_dir)

def q(sql, fmt="JSONEachRow"):
    out = s.query(sql, fmt)
    if hasattr(out, "has_error") and out.has_error():
        raise SystemExit(f"FAILED: {sql}\n{out.error_message()}")
    return [json.loads(l) for l in str(out).splitlines() if l.strip()] if fmt == "JSONEachRow" else str(out)

def statements(path):
    return [st.strip().rstrip(";") for st in open(path).read().split(";\n\n") if st.strip()]

def run(sts, label):
    for st in sts:
        q(st, "CSV")
        print(f"  ok ({label}):", st.splitlines()[0])

def event(eid, typ, ts, **fields):
    payload = {"event_id": eid, "type": typ, "timestamp": ts * 1000, **fields}
    return {"project_id": 7, "event_id": eid, "type": typ, "timestamp": ts,
            "timestamp_ms": ts * 1000.0, "received_at": ts + 1, "received_at_ms": (ts + 1) * 1000,
            "level": "", "release": "r1", "environment": "prod", "user_id": "", "session_id": "",
            "page_url": "", "message": fields.get("name", ""),
            "payload": json.dumps(payload, sort_keys=True, separators=(",", ":"))}

t0 = (int(time.time()) // 60) * 60 - 120  # recent: inside the retention TTL
crumbs = [{"category": "ui", "data": {"value": 999}}]
ROWS = [event("a" * 32, "error", t0), event("b" * 32, "error", t0 + 5),
        event("c" * 32, "page_view", t0 + 61)]
ROWS += [event(f"{i:032x}", "web_vital", t0 + 10, name="LCP", value=float(v), breadcrumbs=crumbs)
         for i, v in enumerate([100, 200, 300, 400])]

def insert(db, rows):
    body = "\n".join(json.dumps(r) for r in rows)
    q(f"INSERT INTO {db}.events FORMAT JSONEachRow\n{body}", "CSV")

def check(db):
    final = q(f"SELECT count() AS n FROM {db}.events FINAL")[0]["n"]
    per_type = {r["type"]: int(r["n"]) for r in q(
        f"SELECT type, sum(count) AS n FROM {db}.events_per_minute GROUP BY type")}
    vitals = q(f"SELECT name, quantilesMerge(0.5, 0.75, 0.95, 0.99)(quantiles) AS q, "
               f"countMerge(count) AS n FROM {db}.web_vitals_per_minute GROUP BY name")
    distinct = {r["type"]: int(r["n"]) for r in q(
        f"SELECT type, uniqExactMerge(ids) AS n FROM {db}.events_by_minute GROUP BY type")}
    create = q(f"SELECT create_table_query AS c FROM system.tables "
               f"WHERE database = '{db}' AND name = 'events'")[0]["c"]
    print(f"  events FINAL: {final}; events_per_minute by type: {per_type}")
    print(f"  web_vitals_per_minute: {vitals}; events_by_minute by type: {distinct}")
    print(f"  events: {create}")
    assert int(final) == 7, final
    assert per_type == {"error": 3, "page_view": 1, "web_vital": 4}, per_type  # redelivery counts
    assert distinct == {"error": 2, "page_view": 1, "web_vital": 4}, distinct  # it does not
    assert len(vitals) == 1 and vitals[0]["name"] == "LCP" and int(vitals[0]["n"]) == 4, vitals
    assert all(100 <= x <= 400 for x in vitals[0]["q"]), vitals  # not the breadcrumb's 999
    ddl = open(ddl_file + ".fresh").read()
    for in_ddl, in_table in [("LowCardinality", "`type` LowCardinality(String)"),
                             ("LowCardinality", "`release` LowCardinality(String)"),
                             ("CODEC", "`payload` String CODEC(ZSTD(3))"),
                             ("MODIFY TTL", "TTL timestamp + toIntervalDay(90)")]:
        assert (in_table in create) == (in_ddl in ddl), (in_table, create)

print("fresh: the whole schema on an empty database")
fresh = statements(ddl_file + ".fresh")
run(fresh, "fresh")
run([st for st in fresh if st.startswith("CREATE")], "again")  # IF NOT EXISTS: harmless
insert("monitor_fresh", ROWS)
insert("monitor_fresh", ROWS[:1])  # a redelivery
check("monitor_fresh")

print("upgrade: the 18.16 schema with data, then what the new version adds")
old = statements(old_ddl_file)
run(old, "18.16")
insert("monitor_upgrade", ROWS[:5])
added = [st for st in statements(ddl_file + ".upgrade") if st not in old]
assert all(st.startswith("ALTER") for st in added), added
run(added, "added")
insert("monitor_upgrade", ROWS[5:] + ROWS[:1])  # the rest, and a redelivery
check("monitor_upgrade")
print("PASS")
PY
