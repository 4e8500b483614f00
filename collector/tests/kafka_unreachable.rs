//! A collector in Kafka mode whose brokers are down when it starts: it starts anyway, answers
//! 200 for the batches it writes to its spool, and says it is not ready. (The replay once the
//! broker is back is covered by kafka_spool.rs.) No broker is needed: the brokers point at a
//! port nothing listens on.

mod services;

use serde_json::json;
use services::{free_port, http, Running};

#[test]
fn starts_and_spools_while_kafka_is_down() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("collector.toml");
    std::fs::write(&config, "[kafka]\ndelivery_timeout_ms = 500\n").unwrap();
    let data = dir.path().join("data");
    let env = [
        ("MONITOR_LISTEN", "127.0.0.1:0".to_owned()),
        ("MONITOR_DATA_DIR", data.display().to_string()),
        ("MONITOR_PROJECTS", "1:down-key".to_owned()),
        (
            "MONITOR_KAFKA_BROKERS",
            format!("127.0.0.1:{}", free_port()),
        ),
    ];
    let (running, line) = Running::start(&["--config", &config.display().to_string()], &env);
    let addr = services::listening_addr(&line);

    let body = json!({"sdk": {"name": "t", "version": "0"}, "sent_at": 1, "events": [
        {"event_id": "d".repeat(32), "type": "custom", "timestamp": 1_763_870_000_000u64, "name": "x"}
    ]})
    .to_string();
    let (status, answer) = http(
        &addr,
        "POST /api/1/events?key=down-key",
        "text/plain",
        &body,
    );
    assert_eq!(status, 200, "spooled while Kafka is down: {answer}");
    let segments = std::fs::read_dir(data.join("spool"))
        .map(|dir| dir.filter_map(Result::ok).count())
        .unwrap_or(0);
    assert!(segments > 0, "the batch is in the spool");

    let (ready, reason) = http(&addr, "GET /readyz", "text/plain", "");
    assert_eq!(ready, 503, "{reason}");
    running.stop_cleanly();
}
