//! The real-time layer in Kafka mode, on the real broker, ClickHouse and Redis: the consumer
//! cleans and counts into Redis, the server answers the live reads from Redis.
//!
//! - A consumer killed between its Redis write and its offset commit: its successor reads
//!   the batch again, and every live number still equals the stream's, counted once.
//! - Redis stopped and started again (empty, unpersisted) mid-stream: ClickHouse keeps
//!   everything, the consumer gives up the live update of what came during the outage
//!   (counted) instead of stalling, the live reads answer 503 meanwhile, and afterwards the
//!   live numbers are exactly those of what came after the restart.

mod live;
mod pipeline;
mod services;

use std::collections::BTreeMap;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use live::{check, envelope, fingerprints, get_json, now_ms, Expected, Stream};
use pipeline::{post, scenario, wait_for_line, Setup};
use serde_json::Value;
use services::{ensure_services, free_port, http, metric_sum, unique_run, wait_until, REDIS};

const TOKEN: &str = "live-token";

fn setup(broker: &str, redis: &str) -> Setup {
    let mut setup = Setup::new(broker, "", "batch_rows = 40\nbatch_ms = 300");
    setup.env.push(("MONITOR_API_TOKEN", TOKEN.to_owned()));
    setup
        .env
        .push(("MONITOR_REDIS_URL", format!("redis://{redis}")));
    let prefix = format!("test-{}", unique_run());
    setup.env.push(("MONITOR_REDIS_KEY_PREFIX", prefix));
    setup
}

fn send(addr: &str, events: &[Value]) {
    for batch in events.chunks(25) {
        let (status, body) = post(addr, &envelope(batch)).expect("post");
        assert_eq!(status, 200, "{body}");
    }
}

fn consumer_metrics(addr: &str) -> String {
    http(addr, "GET /metrics", "text/plain", "").1
}

#[test]
fn a_consumer_killed_between_redis_and_commit_counts_nothing_twice() {
    let Some((_turn, broker)) = scenario() else {
        return;
    };
    if !ensure_services(&["redis"]) {
        return;
    }
    let mut setup = setup(&broker.addr(), REDIS);
    let metrics_addr = format!("127.0.0.1:{}", free_port());
    setup
        .env
        .push(("MONITOR_CONSUMER_METRICS_LISTEN", metrics_addr.clone()));
    let (_server, addr) = setup.serve();
    let get = |path: &str| get_json(&addr, path, TOKEN);
    let now = now_ms();
    let stream = Stream::new(now);
    for batch in stream.batches(25) {
        send(&addr, &batch);
    }

    let (doomed, stderr) = setup.consume_pausing_before_commit(120_000);
    wait_for_line(&stderr, "pausing", Duration::from_secs(60));
    let partial = get("/api/1/live/counters").1["total"].as_u64().unwrap();
    let expected = Expected::of(&stream.kept);
    assert!(
        partial > 0 && partial < expected.total,
        "the first batch is counted: {partial}"
    );
    doomed.kill();

    let _consumer = setup.consume();
    let kept = stream.kept.len() as u64;
    wait_until(
        "ClickHouse and Redis to hold every kept event",
        Duration::from_secs(90),
        || setup.count_final() == kept && get("/api/1/live/counters").1["total"] == expected.total,
    );
    // Time for a late double count to show.
    std::thread::sleep(Duration::from_secs(2));
    check(&get, 1, &expected, &fingerprints(&get, 1, now), now, 0.02);
    // ClickHouse's per-minute counts went through the same redelivery: still each once.
    let per_minute = services::rows(&format!(
        "SELECT type, toUInt64(toUnixTimestamp(minute)) * 1000 AS start, uniqExactMerge(ids) AS n \
         FROM {}.events_by_minute WHERE project_id = 1 GROUP BY type, minute",
        setup.db
    ));
    let mut got: BTreeMap<i64, BTreeMap<String, u64>> = BTreeMap::new();
    for row in per_minute {
        let start: i64 = row["start"].as_str().unwrap().parse().unwrap();
        let n: u64 = row["n"].as_str().unwrap().parse().unwrap();
        let minute = got.entry(start).or_default();
        minute.insert(row["type"].as_str().unwrap().to_owned(), n);
        *minute.entry("total".to_owned()).or_default() += n;
    }
    assert_eq!(got, expected.minutes, "events_by_minute after a redelivery");
    let metrics = consumer_metrics(&metrics_addr);
    assert!(
        metric_sum(&metrics, "monitor_realtime_redelivered_events_total") >= 1.0,
        "the redelivered batch was seen and skipped"
    );
    assert!(
        metric_sum(&metrics, "monitor_cleaning_dropped_total") >= stream.dropped.len() as f64 - 1.0
    );
}

/// A Redis of the test's own, without persistence, so that stopping it loses what it held.
struct OwnRedis {
    port: u16,
    child: Option<Child>,
}

impl OwnRedis {
    fn start(port: u16) -> OwnRedis {
        let child = Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server (scripts/services.sh install redis)");
        let addr = format!("127.0.0.1:{port}");
        wait_until("redis to listen", Duration::from_secs(10), || {
            services::reachable(&addr)
        });
        OwnRedis {
            port,
            child: Some(child),
        }
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        self.stop();
    }
}

#[test]
fn redis_restarted_mid_stream_loses_the_live_numbers_not_the_events() {
    let Some((_turn, broker)) = scenario() else {
        return;
    };
    if !ensure_services(&["redis"]) {
        return;
    }
    let mut redis = OwnRedis::start(free_port());
    let redis_addr = format!("127.0.0.1:{}", redis.port);
    let mut setup = setup(&broker.addr(), &redis_addr);
    let metrics_addr = format!("127.0.0.1:{}", free_port());
    setup
        .env
        .push(("MONITOR_CONSUMER_METRICS_LISTEN", metrics_addr.clone()));
    std::fs::write(
        &setup.config,
        std::fs::read_to_string(&setup.config).unwrap() + "[redis]\nmax_retry_ms = 1000\n",
    )
    .unwrap();
    let (_server, addr) = setup.serve();
    let _consumer = setup.consume();
    let get = |path: &str| get_json(&addr, path, TOKEN);
    let now = now_ms();
    let events = Stream::new(now).kept;
    let third = events.len() / 3;
    let (before, rest) = events.split_at(third);
    let (during, after) = rest.split_at(third);

    send(&addr, before);
    let counted = Expected::of(before).total;
    wait_until("the first part counted", Duration::from_secs(60), || {
        get("/api/1/live/counters").1["total"] == counted
    });

    redis.stop();
    send(&addr, during);
    let stored = (before.len() + during.len()) as u64;
    wait_until(
        "ClickHouse to hold the outage's events",
        Duration::from_secs(60),
        || setup.count_final() == stored,
    );
    wait_until(
        "the outage's live updates given up",
        Duration::from_secs(60),
        || {
            metric_sum(
                &consumer_metrics(&metrics_addr),
                "monitor_realtime_given_up_events_total",
            ) == during.len() as f64
        },
    );
    let (status, body) = get("/api/1/live/counters");
    assert_eq!(status, 503, "{body}");
    assert!(body["error"].is_string(), "{body}");

    let _redis = OwnRedis::start(redis.port);
    send(&addr, after);
    let expected = Expected::of(after);
    wait_until(
        "the events after the restart counted",
        Duration::from_secs(60),
        || {
            setup.count_final() == events.len() as u64
                && get("/api/1/live/counters").1["total"] == expected.total
        },
    );
    check(
        &get,
        1,
        &expected,
        &fingerprints_of(&get, after, now),
        now,
        0.02,
    );
}

/// The issues of the error events in `events` only (the query API sees all of them).
fn fingerprints_of(
    get: live::Get,
    events: &[Value],
    now: i64,
) -> std::collections::BTreeMap<String, String> {
    let mut all = fingerprints(get, 1, now);
    all.retain(|id, _| events.iter().any(|e| e["event_id"] == id.as_str()));
    all
}
