//! Issue 8's two ordinary faults that used to stop the production path for good, with the
//! real binaries, a tansu broker of the test's own and the shared ClickHouse:
//!
//! 1. the consumer is SIGKILLed while events flow and started again a second later: it must
//!    take its partitions back and store every acknowledged event;
//! 2. several undecodable messages on every partition, then valid events: every bad one goes
//!    to the dead-letter topic and every valid one reaches ClickHouse;
//!
//! and that a stalled consumer is visible: its `/readyz` fails while the group's committed
//! offsets stand still with messages waiting, and its `/metrics` show per-partition committed
//! offsets, lag and the time of the last commit.

mod pipeline;
mod services;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use monitor_collector::kafka::message;
use pipeline::{event_id, join, scenario, Load, Setup};
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::ClientConfig;
use serde_json::json;
use services::{free_port, http, metric_sum, wait_until};

/// Waits until every id in `wanted` is in ClickHouse, or `limit`; returns how many are not.
fn missing_after(setup: &Setup, wanted: &BTreeSet<String>, limit: Duration) -> usize {
    let deadline = Instant::now() + limit;
    loop {
        let missing = wanted.difference(&setup.event_ids()).count();
        if missing == 0 || Instant::now() > deadline {
            return missing;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// The issue's first fault, as an operator met it: 20,000 events from 8 senders in batches
/// of 20, `session_timeout_ms = 10000`, the consumer SIGKILLed at 30 % of the load and
/// started again 1 s later with the same configuration. Every acknowledged event must be in
/// ClickHouse within 60 s of the end of the load. With the default static membership the
/// new process takes the old one's identity and partitions at once.
#[test]
fn consumer_restarted_during_load_takes_its_partitions_back() {
    restart_during_load("static membership", "");
}

/// The same without static membership: the restarted consumer joins beside its dead
/// predecessor, which is how tansu 0.6 left it with no partitions for good
/// (docs/services.md). The re-join after `rejoin_after_ms` of receiving nothing while
/// messages wait must recover it; the same bound of 60 s holds.
#[test]
fn consumer_restarted_without_static_membership_recovers_by_rejoining() {
    restart_during_load(
        "dynamic membership",
        "instance_id = \"\"\nrejoin_after_ms = 8000",
    );
}

fn restart_during_load(what: &str, consumer: &str) {
    let Some((_turn, broker)) = scenario() else {
        return;
    };
    let started = Instant::now();
    let setup = Setup::configured(
        &broker.addr(),
        "session_timeout_ms = 10000\ndelivery_timeout_ms = 10000\npartitions = 3",
        "batch_ms = 300",
        consumer,
    );
    let (collector, addr) = setup.serve();
    let consumer = setup.consume();
    let (batches, size) = (1000, 20);
    let load = Load::new(&addr, batches, size, batches);
    let clients = load.spawn(8);
    wait_until(
        "30 % of the load acknowledged",
        Duration::from_secs(120),
        || load.acknowledged() >= batches * 3 / 10,
    );
    consumer.kill();
    let killed_at = load.acknowledged();
    std::thread::sleep(Duration::from_secs(1));
    let consumer = setup.consume();
    join(clients);
    let loaded = started.elapsed();
    let failed = load.failed.lock().unwrap().clone();
    assert!(failed.is_empty(), "every batch is acknowledged: {failed:?}");
    broker.assert_no_panic("during the load");

    let wanted: BTreeSet<String> = (0..batches * size).map(event_id).collect();
    let missing = missing_after(&setup, &wanted, Duration::from_secs(60));
    assert_eq!(
        missing, 0,
        "acknowledged events missing from ClickHouse 60 s after the load"
    );
    assert_eq!(
        setup.count_final(),
        (batches * size) as u64,
        "one row per event"
    );
    consumer.stop_cleanly();
    collector.stop_cleanly();
    eprintln!(
        "consumer restart ({what}): killed after {killed_at} of {batches} batches, load done after \
         {loaded:?}, all {} events stored after {:?}",
        wanted.len(),
        started.elapsed()
    );
}

/// Produces `(partition, key, value)` straight to the topic with the collector's producer
/// settings (idempotent, lz4), as another collector might, and waits for every
/// acknowledgement. Sent all at once, so each partition's messages share record batches.
fn produce(broker: &str, topic: &str, messages: &[(i32, String, Vec<u8>)]) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let producer: FutureProducer = ClientConfig::new()
            .set("bootstrap.servers", broker)
            .set("acks", "all")
            .set("linger.ms", "50")
            .set("enable.idempotence", "true")
            .set("compression.type", "lz4")
            .create()
            .unwrap();
        let deliveries: Vec<_> = messages
            .iter()
            .map(|(partition, key, value)| {
                let record = FutureRecord::to(topic)
                    .partition(*partition)
                    .key(key)
                    .payload(value);
                producer.send_result(record).map_err(|(e, _)| e).unwrap()
            })
            .collect();
        for delivery in deliveries {
            delivery
                .await
                .unwrap()
                .map_err(|(e, _)| e)
                .expect("produce");
        }
    });
}

/// The issue's second fault: three messages on every partition that are not events (text
/// that is not JSON, a JSON object that is not an event, a bare number), then 100 valid
/// events on each. All nine go to the dead-letter topic, all 300 events reach ClickHouse.
#[test]
fn several_bad_messages_on_every_partition_do_not_stop_the_valid_ones() {
    let Some((_turn, broker)) = scenario() else {
        return;
    };
    let started = Instant::now();
    let metrics = format!("127.0.0.1:{}", free_port());
    let setup = Setup::configured(
        &broker.addr(),
        "partitions = 3",
        "batch_ms = 300",
        &format!("metrics_listen = \"{metrics}\""),
    );
    // The collector creates the topic with its 3 partitions; then only the consumer runs.
    let (collector, _) = setup.serve();
    collector.stop_cleanly();
    let consumer = setup.consume();

    let mut messages = Vec::new();
    let mut wanted = BTreeSet::new();
    for partition in 0..3 {
        let bad: [&[u8]; 3] = [
            br#""this is text, not JSON""#,
            br#"{"hello":"world"}"#,
            b"42",
        ];
        for (n, value) in bad.iter().enumerate() {
            messages.push((partition, format!("1:bad{n}"), value.to_vec()));
        }
        for n in 0..100 {
            let id = event_id(partition as usize * 1000 + n);
            let event = json!({"event_id": id, "type": "custom", "name": "after-bad",
                "timestamp": 1_763_870_000_000u64});
            messages.push((
                partition,
                format!("1:{id}"),
                message::encode(1, 1_763_870_000_500, &event),
            ));
            wanted.insert(id);
        }
    }
    produce(&broker.addr(), &setup.topic, &messages);
    let missing = missing_after(&setup, &wanted, Duration::from_secs(60));
    assert_eq!(
        missing, 0,
        "valid events after the bad ones missing from ClickHouse"
    );
    assert_eq!(setup.count_final(), 300);
    let text = http(&metrics, "GET /metrics", "text/plain", "").1;
    assert_eq!(
        metric_sum(&text, "monitor_dead_letters_total"),
        9.0,
        "{text}"
    );
    consumer.stop_cleanly();
    broker.assert_no_panic("at the end");
    eprintln!(
        "bad messages: 300 events stored, 9 dead-lettered, in {:?}",
        started.elapsed()
    );
}

/// `/readyz` of a consumer listener, as (status, body).
fn readyz(addr: &str) -> (u16, String) {
    http(addr, "GET /readyz", "text/plain", "")
}

/// A consumer made to stall (`MONITOR_CONSUMER_STALL_AFTER_BATCHES`: after two batches its
/// first member throws away what it receives, uncommitted, as if fetches returned nothing)
/// while events keep coming. Its `/readyz` must fail once the group's offsets have stood
/// still for `stall_timeout_ms` with messages waiting, with the reason; `/metrics` must show
/// it; then the re-join after `rejoin_after_ms` must end the stall, readiness must come
/// back, and every event must be stored. The per-partition offsets, lag and last commit time
/// in `/metrics` are checked against the load.
#[test]
fn a_stalled_consumer_fails_readiness_then_rejoins() {
    let Some((_turn, broker)) = scenario() else {
        return;
    };
    let started = Instant::now();
    let metrics = format!("127.0.0.1:{}", free_port());
    let setup = Setup::configured(
        &broker.addr(),
        "partitions = 3\ndelivery_timeout_ms = 10000\nsession_timeout_ms = 10000",
        "batch_ms = 200\nbatch_rows = 200",
        &format!(
            "metrics_listen = \"{metrics}\"\nstall_timeout_ms = 3000\nrejoin_after_ms = 12000"
        ),
    );
    let (collector, addr) = setup.serve();
    let consumer = setup.consume_with(&[("MONITOR_CONSUMER_STALL_AFTER_BATCHES", "2".to_owned())]);
    let (batches, size) = (200, 20);
    let load = Load::new(&addr, batches, size, batches / 2);
    let clients = load.spawn(4);
    // Static membership makes tansu take a few seconds over the first join: wait for the
    // first commits (the two batches before the injected stall).
    wait_until(
        "the first batches committed",
        Duration::from_secs(60),
        || {
            let text = http(&metrics, "GET /metrics", "text/plain", "").1;
            metric_sum(&text, "monitor_consumer_committed_offset") > 0.0
        },
    );

    // Stalled: offsets stand still with messages waiting.
    let mut answer = (0, String::new());
    wait_until(
        "/readyz fails with the stall",
        Duration::from_secs(30),
        || {
            answer = readyz(&metrics);
            answer.0 == 503
        },
    );
    assert!(
        answer
            .1
            .contains("stalled: the group's committed offsets have not moved for"),
        "{}",
        answer.1
    );
    let mut text = String::new();
    wait_until("the metrics show the stall", Duration::from_secs(5), || {
        text = http(&metrics, "GET /metrics", "text/plain", "").1;
        text.contains("\nmonitor_consumer_stalled 1\n")
    });
    assert!(metric_sum(&text, "monitor_consumer_lag") > 0.0, "{text}");
    assert_eq!(metric_sum(&text, "monitor_consumer_rejoins_total"), 0.0);
    let stalled_at = started.elapsed();

    // The re-join ends it; the rest of the load arrives and is stored.
    load.set_limit(batches);
    join(clients);
    assert!(load.failed.lock().unwrap().is_empty());
    let wanted: BTreeSet<String> = (0..batches * size).map(event_id).collect();
    let missing = missing_after(&setup, &wanted, Duration::from_secs(60));
    assert_eq!(missing, 0, "events missing after the re-join");
    wait_until("/readyz is ready again", Duration::from_secs(15), || {
        readyz(&metrics).0 == 200
    });
    wait_until(
        "the metrics show every message committed",
        Duration::from_secs(15),
        || {
            text = http(&metrics, "GET /metrics", "text/plain", "").1;
            metric_sum(&text, "monitor_consumer_committed_offset") == wanted.len() as f64
        },
    );
    assert_eq!(metric_sum(&text, "monitor_consumer_lag"), 0.0, "{text}");
    assert!(text.contains("\nmonitor_consumer_stalled 0\n"), "{text}");
    // One re-join ends the injected stall; on tansu a second may be needed, when the
    // first lands in the race that fault 1 was (docs/services.md).
    let rejoins = metric_sum(&text, "monitor_consumer_rejoins_total");
    assert!((1.0..=3.0).contains(&rejoins), "{text}");
    for p in 0..3 {
        let line = format!("monitor_consumer_committed_offset{{partition=\"{p}\"}} ");
        assert!(text.contains(&line), "{line} in {text}");
    }
    let last_commit = metric_sum(&text, "monitor_consumer_last_commit_timestamp_seconds");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    assert!(
        last_commit > now - started.elapsed().as_secs_f64() && last_commit <= now + 1.0,
        "last commit at {last_commit}, now {now}"
    );
    consumer.stop_cleanly();
    collector.stop_cleanly();
    eprintln!(
        "stalled consumer: /readyz failed after {stalled_at:?}, {rejoins} re-join(s), all {} \
         events stored after {:?}",
        wanted.len(),
        started.elapsed()
    );
}
