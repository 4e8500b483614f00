//! The ClickHouse side alone, against the real server: the migrations are idempotent, an
//! [`EventRow`] lands in the columns the table declares (plain RowBinary has no names, so a
//! wrong field order would scramble them), and a row inserted twice counts once with `FINAL`.

mod services;

use monitor_collector::clickhouse::{client, insert_events, migrate, EventRow, MIGRATIONS};
use monitor_collector::config::ClickHouseConfig;
use monitor_collector::kafka::message::{decode, encode};
use serde_json::json;
use services::{clickhouse, ensure_services, rows, CLICKHOUSE};

#[tokio::test]
async fn migrations_are_idempotent_and_rows_dedupe() {
    if !ensure_services(&["clickhouse"]) {
        return;
    }
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let config = ClickHouseConfig {
        url: format!("http://{CLICKHOUSE}"),
        database: format!("monitor_schema_{}_{nanos}", std::process::id()),
        ..ClickHouseConfig::default()
    };
    let db = &config.database;
    let all: Vec<u32> = MIGRATIONS.iter().map(|m| m.0).collect();
    assert_eq!(migrate(&config).await.unwrap(), all);
    assert!(
        migrate(&config).await.unwrap().is_empty(),
        "second run applies nothing"
    );

    let event = json!({"event_id": "d".repeat(32), "type": "web_vital", "timestamp": 1_700_000_000_999u64,
                       "name": "LCP", "value": 1234.5, "user": {"id": "u"}});
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
    assert_eq!(
        row["payload"]
            .as_str()
            .map(|p| serde_json::from_str(p).unwrap()),
        Some(event)
    );
    clickhouse(&format!("DROP DATABASE IF EXISTS {db}"));
}
