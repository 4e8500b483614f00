//! The real-time layer of the collector on its own (no Kafka): the real binary, events sent
//! through the ingest API, live numbers read through the real-time endpoints, with the
//! aggregates in memory (the default) and in a real Redis.

mod live;
#[path = "query/schema.rs"]
mod schema;
mod services;

use std::time::Duration;

use live::{
    check, dropped_counts, envelope, fingerprints, get_json, now_ms, read_stream, Expected, Stream,
};
use serde_json::Value;
use services::{ensure_services, http, listening_addr, unique_run, wait_until, Running, REDIS};

const KEY: &str = "live-key";
const TOKEN: &str = "live-token";

fn serve(extra: &[(&'static str, String)]) -> (Running, String, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let mut env = vec![
        ("MONITOR_LISTEN", "127.0.0.1:0".to_owned()),
        (
            "MONITOR_DATA_DIR",
            dir.path().join("data").display().to_string(),
        ),
        ("MONITOR_PROJECTS", format!("1:{KEY}")),
        ("MONITOR_API_TOKEN", TOKEN.to_owned()),
    ];
    env.extend_from_slice(extra);
    let (running, line) = Running::start(&[], &env);
    (running, listening_addr(&line), dir)
}

fn ingest(addr: &str, events: &[Value]) {
    let (status, body) = http(
        addr,
        &format!("POST /api/1/events?key={KEY}"),
        "text/plain",
        &envelope(events),
    );
    assert_eq!(status, 200, "{body}");
}

/// Sends the stream, then checks every live read, the drops in `/metrics`, and that what
/// cleaning dropped is not in the store either.
fn stream_and_check(addr: &str, hll_slack: f64) {
    let now = now_ms();
    let stream = Stream::new(now);
    for batch in stream.batches(25) {
        ingest(addr, &batch);
    }
    // Every live answer is checked against the OpenAPI document too.
    let spec = schema::Spec::new(get_json(addr, "/api/openapi.json", TOKEN).1);
    let get = |path: &str| {
        let (status, body) = get_json(addr, path, TOKEN);
        if path.contains("/live/") {
            spec.check("GET", path, status, &body);
        }
        (status, body)
    };
    let expected = Expected::of(&stream.kept);
    wait_until(
        "the live counters to count every kept event",
        Duration::from_secs(20),
        || get("/api/1/live/counters").1["total"] == expected.total,
    );
    check(
        &get,
        1,
        &expected,
        &fingerprints(&get, 1, now),
        now,
        hll_slack,
    );

    let (_, metrics) = http(addr, "GET /metrics", "text/plain", "");
    let dropped = dropped_counts(&metrics);
    for (event, rule, reason) in &stream.dropped {
        assert_eq!(
            dropped.get(&(rule.to_string(), reason.to_string())),
            Some(&1.0),
            "{rule}/{reason}: {dropped:?}"
        );
        if *rule != "duplicate" {
            let id = event["event_id"].as_str().unwrap();
            assert_eq!(
                get(&format!("/api/1/events/{id}")).0,
                404,
                "{rule}/{reason} was stored"
            );
        }
    }
}

#[test]
fn live_numbers_in_memory_equal_the_stream() {
    let (_server, addr, _dir) = serve(&[]);
    stream_and_check(&addr, 0.0);
}

#[test]
fn live_numbers_in_redis_equal_the_stream() {
    if !ensure_services(&["redis"]) {
        return;
    }
    let prefix = format!("test-{}", unique_run());
    let (_server, addr, _dir) = serve(&[
        ("MONITOR_REDIS_URL", format!("redis://{REDIS}")),
        ("MONITOR_REDIS_KEY_PREFIX", prefix),
    ]);
    stream_and_check(&addr, 0.02);
}

#[test]
fn bad_live_reads_get_clear_errors() {
    let (_server, addr, _dir) = serve(&[]);
    let get = |path: &str| get_json(&addr, path, TOKEN);
    let (status, body) = get("/api/1/live/top/pages");
    assert_eq!(status, 404);
    assert!(
        body["error"].as_str().unwrap().contains("pages_by_views"),
        "{body}"
    );
    let (status, body) = get("/api/1/live/windows/errors");
    assert_eq!(status, 404, "{body}");
    for bad in [
        "/api/1/live/top/issues?day=2026-02-30",
        "/api/1/live/windows/events?minutes=0",
        "/api/1/live/windows/events?minute=5",
        "/api/1/live/uniques/visitors?per=week",
        "/api/1/live/uniques/visitors?to=yesterday",
    ] {
        let (status, body) = get(bad);
        assert_eq!(status, 400, "{bad}: {body}");
        assert!(body["error"].is_string(), "{bad}: {body}");
    }
    assert_eq!(get_json(&addr, "/api/1/live/counters", "wrong").0, 401);
    assert_eq!(get("/api/9/live/counters").0, 404);
    let (status, body) = get("/api/1/live/counters");
    assert_eq!(
        (status, body["total"].as_u64()),
        (200, Some(0)),
        "nothing counted yet"
    );
}

#[test]
fn the_stream_sends_counters_every_second_and_moves_with_new_events() {
    let (_server, addr, _dir) = serve(&[]);
    let first = read_stream(&addr, "/api/1/live/stream", TOKEN, 1);
    let first: Value = serde_json::from_str(&first[0].1).unwrap();
    assert_eq!(first["counters"]["total"], 0);
    let now = now_ms();
    let events: Vec<Value> = Stream::new(now)
        .kept
        .into_iter()
        .filter(|e| e["type"] == "page_view")
        .take(3)
        .collect();
    let mut events = events;
    for event in &mut events {
        event["timestamp"] = now.into();
    }
    ingest(&addr, &events);
    let ticks = read_stream(&addr, "/api/1/live/stream", TOKEN, 2);
    assert!(
        ticks.iter().all(|(event, _)| event == "counters"),
        "{ticks:?}"
    );
    let ticks: Vec<Value> = ticks
        .iter()
        .map(|(_, data)| serde_json::from_str(data).unwrap())
        .collect();
    assert_eq!(ticks[1]["counters"]["total"], 3);
    assert_eq!(ticks[1]["counters"]["by_type"]["page_view"], 3);
    assert!(
        ticks[1]["at"].as_i64() >= Some(ticks[0]["at"].as_i64().unwrap() + 900),
        "a second apart: {ticks:?}"
    );
    assert_eq!(ticks[1]["minute"]["counts"]["page_view"], 3, "{}", ticks[1]);
}
