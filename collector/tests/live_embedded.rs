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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grpc_answers_what_the_http_endpoints_answer() {
    use monitor_collector::rpc::proto::realtime_client::RealtimeClient;
    use monitor_collector::rpc::proto::{
        Board, CounterRequest, Per, Stat, TopNRequest, UniqueOf, UniquesRequest, WindowRequest,
    };
    use tonic::{Code, Request};

    let rpc = format!("127.0.0.1:{}", services::free_port());
    let (_server, addr, _dir) = serve(&[("MONITOR_RPC_LISTEN", rpc.clone())]);
    let now = now_ms();
    let stream = Stream::new(now);
    let http_addr = addr.clone();
    let expected_total = Expected::of(&stream.kept).total;
    let last_at = stream.kept.last().unwrap()["timestamp"].as_f64().unwrap() as i64;
    tokio::task::spawn_blocking(move || {
        for batch in stream.batches(25) {
            ingest(&http_addr, &batch);
        }
    })
    .await
    .unwrap();
    let get = |path: String| {
        let addr = addr.clone();
        async move {
            tokio::task::spawn_blocking(move || get_json(&addr, &path, TOKEN).1)
                .await
                .unwrap()
        }
    };

    let mut client = RealtimeClient::connect(format!("http://{rpc}"))
        .await
        .unwrap();
    let authed = |token: &str| {
        format!("Bearer {token}")
            .parse::<tonic::metadata::MetadataValue<_>>()
            .unwrap()
    };
    macro_rules! call {
        ($method:ident, $message:expr) => {{
            let mut request = Request::new($message);
            request
                .metadata_mut()
                .insert("authorization", authed(TOKEN));
            client.$method(request).await
        }};
    }

    let counters = call!(get_counter, CounterRequest { project_id: 1 })
        .unwrap()
        .into_inner();
    assert_eq!(counters.total, expected_total);
    let http = get("/api/1/live/counters".into()).await;
    assert_eq!(
        serde_json::to_value(&counters.by_type).unwrap(),
        http["by_type"]
    );
    assert_eq!(
        serde_json::to_value(&counters.custom).unwrap(),
        http["custom"]
    );

    let window = call!(
        get_window,
        WindowRequest {
            project_id: 1,
            stat: Stat::Events as i32,
            minutes: 300,
            to_ms: now
        }
    )
    .unwrap()
    .into_inner();
    let http = get(format!("/api/1/live/windows/events?minutes=300&to={now}")).await;
    assert_eq!(window.minutes.len(), 300);
    for (rpc, http) in window
        .minutes
        .iter()
        .zip(http["minutes"].as_array().unwrap())
    {
        assert_eq!(json_of(rpc.start_ms), http["start"]);
        assert_eq!(serde_json::to_value(&rpc.counts).unwrap(), http["counts"]);
    }
    let vitals = call!(
        get_window,
        WindowRequest {
            project_id: 1,
            stat: Stat::Vitals as i32,
            minutes: 300,
            to_ms: now
        }
    )
    .unwrap()
    .into_inner();
    let http = get(format!("/api/1/live/windows/vitals?minutes=300&to={now}")).await;
    for (rpc, http) in vitals
        .minutes
        .iter()
        .zip(http["minutes"].as_array().unwrap())
    {
        for (name, vital) in &rpc.vitals {
            assert_eq!(json_of(vital.count), http["vitals"][name]["count"]);
            assert_eq!(json_of(vital.sum), http["vitals"][name]["sum"]);
        }
        assert_eq!(rpc.vitals.len(), http["vitals"].as_object().unwrap().len());
    }

    let day = live::date(last_at);
    let top = call!(
        get_top_n,
        TopNRequest {
            project_id: 1,
            board: Board::ActiveUsers as i32,
            day: day.clone(),
            limit: 100
        }
    )
    .unwrap()
    .into_inner();
    let http = get(format!("/api/1/live/top/active_users?day={day}&limit=100")).await;
    assert!(!top.entries.is_empty());
    let rpc_entries: Vec<Value> = top
        .entries
        .iter()
        .map(|e| serde_json::json!({"member": e.member, "score": e.score}))
        .collect();
    assert_eq!(Value::from(rpc_entries), http["entries"]);

    let uniques = call!(
        get_uniques,
        UniquesRequest {
            project_id: 1,
            of: UniqueOf::Sessions as i32,
            per: Per::Hour as i32,
            last: 5,
            to_ms: now
        }
    )
    .unwrap()
    .into_inner();
    let http = get(format!(
        "/api/1/live/uniques/sessions?per=hour&last=5&to={now}"
    ))
    .await;
    assert_eq!(json_of(uniques.total), http["total"]);
    assert!(uniques.total > 0);
    let counts: Vec<Value> = uniques
        .buckets
        .iter()
        .map(|b| serde_json::json!({"start": b.start_ms, "count": b.count}))
        .collect();
    assert_eq!(Value::from(counts), http["buckets"]);

    // Refusals: no token, a wrong one, an unknown project, a missing enum, a bad day.
    let bare = client
        .get_counter(Request::new(CounterRequest { project_id: 1 }))
        .await
        .unwrap_err();
    assert_eq!(bare.code(), Code::Unauthenticated);
    let mut wrong = Request::new(CounterRequest { project_id: 1 });
    wrong.metadata_mut().insert("authorization", authed("nope"));
    assert_eq!(
        client.get_counter(wrong).await.unwrap_err().code(),
        Code::Unauthenticated
    );
    assert_eq!(
        call!(get_counter, CounterRequest { project_id: 9 })
            .unwrap_err()
            .code(),
        Code::NotFound
    );
    let unspecified = call!(
        get_window,
        WindowRequest {
            project_id: 1,
            stat: 0,
            minutes: 5,
            to_ms: 0
        }
    )
    .unwrap_err();
    assert_eq!(unspecified.code(), Code::InvalidArgument);
    let bad_day = call!(
        get_top_n,
        TopNRequest {
            project_id: 1,
            board: Board::Issues as i32,
            day: "2026-13-01".into(),
            limit: 0
        }
    )
    .unwrap_err();
    assert_eq!(bad_day.code(), Code::InvalidArgument, "{bad_day:?}");
}

fn json_of(value: impl serde::Serialize) -> Value {
    serde_json::to_value(value).unwrap()
}
