//! The production path end to end, with the real services: the collector binary in Kafka mode
//! takes an SDK batch, the `consume` binary moves it into ClickHouse, and the rows are read
//! back over ClickHouse's HTTP interface with `FINAL`.
//!
//! Needs a Kafka-protocol broker on 127.0.0.1:9092 and ClickHouse HTTP on 127.0.0.1:8123;
//! missing ones are started with `scripts/services.sh start`. If they cannot be started the
//! test fails with the reason. `MONITOR_SKIP_SERVICES=1` skips it loudly, except under `CI`.
//! Topic, consumer group and database are unique per run, so reruns never see old data.

mod services;

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};
use services::{
    clickhouse, ensure_services, http, rows, wait_for_count, Running, CLICKHOUSE, KAFKA,
};

const KEY: &str = "kafka-e2e-key";

fn post(addr: &str, events: &[&Value]) -> Value {
    let body = json!({"sdk": {"name": "monitor-sdk.browser", "version": "0.1.0"},
                      "sent_at": 1_763_870_000_500u64, "events": events});
    let line = format!("POST /api/1/events?key={KEY}");
    let (status, answer) = http(addr, &line, "text/plain", &body.to_string());
    assert_eq!(status, 200, "{answer}");
    serde_json::from_str(&answer).unwrap()
}

fn context(event: Value) -> Value {
    let mut event = event;
    let shared = json!({"release": "web@1.2.3", "environment": "production",
        "user": {"id": "user-7", "session_id": "sess-9"},
        "page": {"url": "https://app.example/checkout", "referrer": ""},
        "tags": {"plan": "pro"}});
    for (k, v) in shared.as_object().unwrap() {
        event[k] = v.clone();
    }
    event
}

#[test]
fn ingest_goes_through_kafka_into_clickhouse_once() {
    if !ensure_services(&["kafka", "clickhouse"]) {
        return;
    }
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let run = format!("{}_{nanos}", std::process::id());
    let (topic, db) = (
        format!("monitor-events-test-{run}"),
        format!("monitor_test_{run}"),
    );
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("collector.toml");
    std::fs::write(
        &config,
        format!(
            "[kafka]\nconsumer_group = \"monitor-clickhouse-test-{run}\"\n\
                 [clickhouse]\nbatch_ms = 200\n"
        ),
    )
    .unwrap();
    let env = [
        ("MONITOR_LISTEN", "127.0.0.1:0".to_owned()),
        (
            "MONITOR_DATA_DIR",
            dir.path().join("data").display().to_string(),
        ),
        ("MONITOR_PROJECTS", format!("1:{KEY}")),
        ("MONITOR_KAFKA_BROKERS", KAFKA.to_owned()),
        ("MONITOR_KAFKA_TOPIC", topic.clone()),
        ("MONITOR_CLICKHOUSE_URL", format!("http://{CLICKHOUSE}")),
        ("MONITOR_CLICKHOUSE_DATABASE", db.clone()),
    ];
    let config = config.display().to_string();
    let started = Instant::now();
    let (collector, line) = Running::start(&["--config", &config], &env);
    let addr = services::listening_addr(&line);
    let (consumer, line) = Running::start(&["consume", "--config", &config], &env);
    assert!(
        line.starts_with(&format!("monitor-collector consuming {topic} into")),
        "{line}"
    );

    let error = context(json!({"event_id": "e".repeat(32), "type": "error",
        "timestamp": 1_763_870_000_123.25, "level": "error",
        "exception": {"values": [{"type": "TypeError", "value": "x is not a function",
            "mechanism": {"type": "onerror", "handled": false},
            "stacktrace": {"frames": [
                {"filename": "https://app.example/a.js", "function": "main", "lineno": 10, "colno": 5, "in_app": true},
                {"filename": "https://app.example/b.js", "function": "boom", "lineno": 2, "colno": 7, "in_app": true}]}}]}}));
    let message = context(json!({"event_id": "a".repeat(32), "type": "message",
        "timestamp": 1_763_870_000_200u64, "level": "info", "message": "checkout opened"}));
    let custom = context(json!({"event_id": "c".repeat(32), "type": "custom",
        "timestamp": 1_763_870_000_300u64, "name": "signup", "data": {"plan": "pro", "seats": 3}}));
    let answer = post(&addr, &[&error, &message, &custom]);
    assert_eq!(answer, json!({"accepted": 3, "rejected": []}));
    wait_for_count(&db, 3);
    // The same error again (a retried batch) in a later insert, beside one new event.
    let view = context(json!({"event_id": "b".repeat(32), "type": "page_view",
        "timestamp": 1_763_870_001_000u64}));
    assert_eq!(post(&addr, &[&error, &view])["accepted"], json!(2));
    wait_for_count(&db, 4);
    let produced = started.elapsed();
    assert!(
        !dir.path().join("data/events.db").exists(),
        "Kafka mode must not use SQLite"
    );

    let found = rows(&format!(
        "SELECT project_id, event_id, type, toUnixTimestamp(timestamp) AS ts, timestamp_ms, \
         toUnixTimestamp(received_at) AS rs, received_at_ms, level, release, environment, \
         user_id, session_id, page_url, message, payload FROM {db}.events FINAL ORDER BY event_id"
    ));
    let ids: Vec<&str> = found
        .iter()
        .map(|r| r["event_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "a".repeat(32),
            "b".repeat(32),
            "c".repeat(32),
            "e".repeat(32)
        ]
    );
    let expected = [
        (&message, "message", "checkout opened", "info"),
        (&view, "page_view", "https://app.example/checkout", ""),
        (&custom, "custom", "signup", ""),
        (&error, "error", "x is not a function", "error"),
    ];
    for (row, (event, kind, headline, level)) in found.iter().zip(expected) {
        // 64-bit integers come quoted in JSON output.
        assert_eq!(row["project_id"], json!("1"));
        assert_eq!(row["type"], json!(kind));
        let ms = event["timestamp"].as_f64().unwrap();
        assert_eq!(row["timestamp_ms"].as_f64(), Some(ms));
        assert_eq!(row["ts"], json!((ms / 1000.0) as u64));
        let received: u64 = row["received_at_ms"].as_str().unwrap().parse().unwrap();
        assert_eq!(row["rs"], json!(received / 1000));
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis() as u64;
        assert!(
            received <= now && received + 120_000 > now,
            "received_at_ms {received}"
        );
        assert_eq!(row["level"], json!(level));
        assert_eq!(row["release"], json!("web@1.2.3"));
        assert_eq!(row["environment"], json!("production"));
        assert_eq!(row["user_id"], json!("user-7"));
        assert_eq!(row["session_id"], json!("sess-9"));
        assert_eq!(row["page_url"], json!("https://app.example/checkout"));
        assert_eq!(row["message"], json!(headline));
        let payload: Value = serde_json::from_str(row["payload"].as_str().unwrap()).unwrap();
        assert_eq!(&payload, event, "payload round-trips");
    }
    let dup = format!(
        "SELECT count() FROM {db}.events FINAL WHERE event_id = '{}'",
        "e".repeat(32)
    );
    assert_eq!(clickhouse(&dup).trim(), "1", "the duplicate counts once");

    consumer.stop_cleanly();
    collector.stop_cleanly();
    clickhouse(&format!("DROP DATABASE IF EXISTS {db}"));
    eprintln!("kafka_clickhouse: both batches visible in ClickHouse after {produced:?}");
}
