//! `GET /metrics` and `GET /readyz` through the in-process router: a batch with one bad
//! event moves the accepted and rejected counters, and readiness follows the backend
//! (the embedded store answers; brokers on a closed port do not).
//!
//! The registry is process-wide, so counters are compared before and after, never absolute.

mod common;

use common::{batch, custom, get, TestApp, KEY_TWO};
use serde_json::json;

/// The value of one sample line (`name{labels}`) in an exposition, 0 when absent.
fn sample(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or(0.0)
}

async fn scrape(app: &TestApp) -> String {
    let answer = app.send(get("/metrics")).await;
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    answer.body.as_str().expect("text body").to_owned()
}

#[tokio::test]
async fn metrics_count_accepted_and_rejected_events_and_requests() {
    let app = TestApp::new();
    let before = scrape(&app).await;
    let bad = json!({"event_id": common::event_id(9), "type": "custom", "timestamp": 1});
    let answer = app
        .ingest(
            2,
            KEY_TWO,
            &batch(vec![custom(1, "a"), bad, custom(2, "b")]),
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body["accepted"], 2);
    let refused = app
        .ingest(2, "no-such-key", &batch(vec![custom(3, "c")]))
        .await;
    assert_eq!(refused.status, 401);
    let after = scrape(&app).await;

    let delta = |series: &str| sample(&after, series) - sample(&before, series);
    assert_eq!(delta("monitor_events_accepted_total{project=\"2\"}"), 2.0);
    assert_eq!(
        delta("monitor_events_rejected_total{reason=\"missing_field\"}"),
        1.0
    );
    assert!(
        delta("monitor_requests_total{status=\"200\"}") >= 2.0,
        "{after}"
    );
    assert!(
        delta("monitor_requests_total{status=\"401\"}") >= 1.0,
        "{after}"
    );
    for name in [
        "monitor_kafka_delivery_seconds",
        "monitor_clickhouse_insert_seconds",
        "monitor_clickhouse_batch_rows",
    ] {
        assert!(
            after.contains(&format!("# TYPE {name} histogram\n")),
            "{name}"
        );
        assert!(
            after.contains(&format!("{name}_bucket{{le=\"+Inf\"}} ")),
            "{name}"
        );
    }
    assert!(after.contains("\nmonitor_spool_bytes "), "{after}");
}

#[tokio::test]
async fn ready_in_embedded_mode() {
    let app = TestApp::new();
    let answer = app.send(get("/readyz")).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body, json!({"status": "ready"}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn not_ready_when_the_brokers_do_not_answer() {
    // Nothing listens on port 1; the store still opens, but Kafka mode asks the brokers.
    let app = TestApp::with(|config| config.kafka.brokers = vec!["127.0.0.1:1".to_owned()]);
    let started = std::time::Instant::now();
    let answer = app.send(get("/readyz")).await;
    assert_eq!(answer.status, 503, "{}", answer.body);
    assert_eq!(answer.body["status"], "not_ready");
    let reason = answer.body["error"].as_str().unwrap();
    assert!(reason.starts_with("kafka:"), "{reason}");
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    // Liveness is another question: the process still serves.
    assert_eq!(app.send(get("/healthz")).await.status, 200);
}
