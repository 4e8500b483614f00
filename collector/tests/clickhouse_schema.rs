//! The ClickHouse side alone, against the real server: the migrations are idempotent, an
//! [`EventRow`] lands in the columns the table declares (plain RowBinary has no names, so a
//! wrong field order would scramble them), and a row inserted twice counts once with `FINAL`;
//! the per-minute tables that materialized views fill from `events` (where a row inserted
//! twice counts twice, as docs/clickhouse.md says).

mod services;

use monitor_collector::clickhouse::{
    client, insert_events, migrate, migrations, server_client, server_version, EventRow,
    ServerVersion, MIGRATIONS,
};
use monitor_collector::config::ClickHouseConfig;
use monitor_collector::kafka::message::{decode, encode};
use serde_json::{json, Value};
use services::{clickhouse, ensure_services, rows, CLICKHOUSE};

/// A fresh database name, so that tests running at once do not meet.
fn test_config(prefix: &str) -> ClickHouseConfig {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    ClickHouseConfig {
        url: format!("http://{CLICKHOUSE}"),
        database: format!("{prefix}_{}_{nanos}", std::process::id()),
        ..ClickHouseConfig::default()
    }
}

#[tokio::test]
async fn migrations_are_idempotent_and_rows_dedupe() {
    if !ensure_services(&["clickhouse"]) {
        return;
    }
    let config = test_config("monitor_schema");
    let db = &config.database;
    let server = server_version(&server_client(&config)).await.unwrap();
    let all: Vec<u32> = migrations(server, &config)
        .iter()
        .map(|m| m.version)
        .collect();
    if server < ServerVersion::new(19, 0, 0) {
        // The version-gated migrations are left out (and not recorded) on 18.x; the query
        // side's (9, 10, 13) are for every server.
        let mut ungated: Vec<u32> = MIGRATIONS.iter().map(|m| m.0).collect();
        ungated.extend([9, 10, 13]);
        ungated.sort_unstable();
        assert_eq!(all, ungated);
    }
    assert_eq!(migrate(&config).await.unwrap(), all);
    let recorded = rows(&format!(
        "SELECT version FROM {db}.schema_migrations ORDER BY version"
    ));
    assert_eq!(recorded.len(), all.len(), "{recorded:?}");
    // An interrupted migration 9 (some columns added, the version not recorded) resumes.
    clickhouse(&format!("ALTER TABLE {db}.events DROP COLUMN metric_id"));
    clickhouse(&format!(
        "ALTER TABLE {db}.schema_migrations DELETE WHERE version = 9"
    ));
    wait_until_unrecorded(db, 9);
    assert_eq!(migrate(&config).await.unwrap(), [9]);
    assert!(
        migrate(&config).await.unwrap().is_empty(),
        "second run applies nothing"
    );

    let event = json!({"event_id": "d".repeat(32), "type": "web_vital", "timestamp": 1_700_000_000_999u64,
                       "name": "LCP", "value": 1234.5, "user": {"id": "u"}, "id": "v3-1", "rating": "good",
                       "page": {"url": "https://a.example/cart?x=1", "referrer": "https://b.example/"},
                       "browser": {"user_agent": "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"}});
    let row = EventRow::from_message(&decode(&encode(42, 1_700_000_005_000, &event)).unwrap());
    let ch = client(&config);
    insert_events(&ch, std::slice::from_ref(&row))
        .await
        .unwrap();
    insert_events(&ch, &[row]).await.unwrap();

    let found = rows(&format!(
        "SELECT project_id, type, toUnixTimestamp(timestamp) AS ts, received_at_ms, user_id, \
         message, payload FROM {db}.events FINAL"
    ));
    assert_eq!(found.len(), 1, "{found:?}");
    let row = &found[0];
    assert_eq!(row["project_id"], json!("42"));
    assert_eq!(row["type"], json!("web_vital"));
    assert_eq!(row["ts"], json!(1_700_000_000u64));
    assert_eq!(row["received_at_ms"], json!("1700000005000"));
    assert_eq!(row["user_id"], json!("u"));
    assert_eq!(row["message"], json!("LCP"));
    let facts = rows(&format!(
        "SELECT visitor_id, page_path, referrer_host, browser, os, device, value, rating, \
         metric_id FROM {db}.events FINAL"
    ));
    assert_eq!(
        facts,
        vec![
            json!({"visitor_id": "u", "page_path": "/cart", "referrer_host": "b.example",
            "browser": "Firefox", "os": "Linux", "device": "desktop", "value": 1234.5,
            "rating": "good", "metric_id": "v3-1"})
        ]
    );
    assert_eq!(
        row["payload"]
            .as_str()
            .map(|p| serde_json::from_str(p).unwrap()),
        Some(event)
    );
    clickhouse(&format!("DROP DATABASE IF EXISTS {db}"));
}

/// `ALTER ... DELETE` is a mutation, applied in the background.
fn wait_until_unrecorded(db: &str, version: u32) {
    for _ in 0..100 {
        let left = clickhouse(&format!(
            "SELECT count() FROM {db}.schema_migrations WHERE version = {version}"
        ));
        if left.trim() == "0" {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("migration {version} still recorded");
}

fn row(project_id: u64, event: Value) -> EventRow {
    EventRow::from_message(&decode(&encode(project_id, 1_700_000_100_000, &event)).unwrap())
}

fn vital(id: usize, timestamp: u64, name: &str, value: f64) -> Value {
    // Breadcrumbs and extra with their own `value` and `name` keys sort before the event's own
    // in the payload: the view must not pick those up.
    json!({"event_id": format!("{id:032x}"), "type": "web_vital", "timestamp": timestamp,
           "name": name, "value": value, "rating": "good",
           "breadcrumbs": [{"timestamp": timestamp, "category": "ui.input", "message": "typed",
                             "data": {"name": "q", "value": 999_999}}],
           "extra": {"value": -1, "name": "x"}})
}

#[tokio::test]
async fn per_minute_views_count_and_summarize() {
    if !ensure_services(&["clickhouse"]) {
        return;
    }
    let config = test_config("monitor_minutes");
    let db = &config.database;
    migrate(&config).await.unwrap();
    let ch = client(&config);

    let minute = 1_700_000_040_000u64; // 22:14:00 UTC, a whole minute
    let mut batch = Vec::new();
    for i in 0..3 {
        let error = json!({"event_id": format!("e{i:031x}"), "type": "error", "timestamp": minute + 1_000 * i,
                           "exception": {"values": [{"type": "E", "value": "boom"}]}});
        batch.push(row(1, error));
    }
    let view = json!({"event_id": "f".repeat(32), "type": "page_view", "timestamp": minute + 61_000,
                      "page": {"url": "https://a.example/"}});
    batch.push(row(1, view));
    // LCP 100, 200, ..., 1000 in the first minute; CLS 0.1 in the next; another project.
    for i in 1..=10 {
        batch.push(row(1, vital(i, minute + 500, "LCP", 100.0 * i as f64)));
    }
    batch.push(row(1, vital(100, minute + 60_500, "CLS", 0.1)));
    batch.push(row(2, vital(101, minute, "LCP", 5.0)));
    insert_events(&ch, &batch).await.unwrap();
    // Redelivered: one error and one LCP arrive again in a later insert.
    insert_events(&ch, &[batch[0].clone(), batch[4].clone()])
        .await
        .unwrap();

    let final_count = clickhouse(&format!("SELECT count() FROM {db}.events FINAL"));
    assert_eq!(
        final_count.trim(),
        "16",
        "events FINAL counts each event once"
    );

    let per_minute = rows(&format!(
        "SELECT project_id, type, toUnixTimestamp(minute) AS minute, sum(count) AS n \
         FROM {db}.events_per_minute GROUP BY project_id, type, minute \
         ORDER BY project_id, type, minute"
    ));
    let m = minute / 1000;
    let expect = |project: u64, kind: &str, at: u64, n: u64| json!({"project_id": project.to_string(), "type": kind, "minute": at, "n": n.to_string()});
    assert_eq!(
        per_minute,
        vec![
            expect(1, "error", m, 4), // 3 events + 1 redelivery: the views count rows
            expect(1, "page_view", m + 60, 1),
            expect(1, "web_vital", m, 11),
            expect(1, "web_vital", m + 60, 1),
            expect(2, "web_vital", m, 1),
        ]
    );
    // After a merge SummingMergeTree holds one row per key; sum() is right before and after.
    clickhouse(&format!("OPTIMIZE TABLE {db}.events_per_minute FINAL"));
    let merged = rows(&format!(
        "SELECT count() AS rows, sum(count) AS n FROM {db}.events_per_minute"
    ));
    assert_eq!(merged, vec![json!({"rows": "5", "n": "18"})]);

    let vitals = rows(&format!(
        "SELECT project_id, name, toUnixTimestamp(minute) AS minute, \
         quantilesMerge(0.5, 0.75, 0.95, 0.99)(quantiles) AS q, countMerge(count) AS n \
         FROM {db}.web_vitals_per_minute GROUP BY project_id, name, minute \
         ORDER BY project_id, name, minute"
    ));
    assert_eq!(vitals.len(), 3, "{vitals:?}");
    let (lcp, cls, other) = (&vitals[1], &vitals[0], &vitals[2]);
    assert_eq!(
        (&lcp["name"], &lcp["minute"], &lcp["n"]),
        (&json!("LCP"), &json!(m), &json!("11"))
    );
    let q: Vec<f64> = serde_json::from_value(lcp["q"].clone()).unwrap();
    // 100..1000 plus a second 100 (the redelivery); quantile() is approximate (sampling), so
    // the check is that the values are ordered and in the data's range, not the breadcrumb's.
    assert!(q.windows(2).all(|w| w[0] <= w[1]), "{q:?}");
    assert!(q.iter().all(|v| (100.0..=1000.0).contains(v)), "{q:?}");
    assert!((300.0..=700.0).contains(&q[0]), "median {q:?}");
    assert!(q[3] >= 900.0, "p99 {q:?}");
    assert_eq!((&cls["name"], &cls["n"]), (&json!("CLS"), &json!("1")));
    assert_eq!(cls["q"], json!([0.1, 0.1, 0.1, 0.1]));
    assert_eq!(
        (&other["project_id"], &other["q"]),
        (&json!("2"), &json!([5, 5, 5, 5]))
    );

    // events_by_minute counts distinct event ids: the redelivered error and LCP count once.
    let distinct = rows(&format!(
        "SELECT project_id, type, name, toUnixTimestamp(minute) AS minute, uniqExactMerge(ids) AS n \
         FROM {db}.events_by_minute GROUP BY project_id, type, name, minute \
         ORDER BY project_id, type, name, minute"
    ));
    let once = |project: u64, kind: &str, name: &str, at: u64, n: u64| json!({"project_id": project.to_string(), "type": kind, "name": name, "minute": at, "n": n.to_string()});
    assert_eq!(
        distinct,
        vec![
            once(1, "error", "", m, 3),
            once(1, "page_view", "", m + 60, 1),
            once(1, "web_vital", "CLS", m + 60, 1),
            once(1, "web_vital", "LCP", m, 10),
            once(2, "web_vital", "LCP", m, 1),
        ]
    );

    // Migrating again changes nothing and the views keep working.
    assert!(migrate(&config).await.unwrap().is_empty());
    clickhouse(&format!("DROP DATABASE IF EXISTS {db}"));
}
