//! The on-disk spool with a real broker that goes away and comes back: batches accepted
//! while it is down are answered 200 and land in `{data_dir}/spool`, reach the topic once
//! it is back (from a collector that kept running, and from one restarted meanwhile, which
//! replays its spool at start-up), and the spools empty; a full spool answers 503 with
//! `Retry-After`.
//!
//! The broker is a second tansu started by `scripts/services.sh` in its own state directory
//! on a free port, so stopping it disturbs no other test; it is reset at the end (also when
//! the test fails). The topic is read back with an rdkafka consumer. `MONITOR_SKIP_SERVICES=1`
//! skips the test loudly when tansu cannot be started, except under `CI`.

mod services;

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::{ClientConfig, Message, Offset, TopicPartitionList};
use serde_json::json;
use services::{Broker, Running};

const KEY: &str = "spool-key";

/// Starts a collector in Kafka mode against `broker`; returns it, its address, its spool dir.
fn collector(broker: &str, topic: &str, dir: &Path, spool_max: u64) -> (Running, String, PathBuf) {
    std::fs::create_dir_all(dir).unwrap();
    let config = dir.join("collector.toml");
    std::fs::write(
        &config,
        "[kafka]\ndelivery_timeout_ms = 1000\npartitions = 1\n",
    )
    .unwrap();
    let env = [
        ("MONITOR_LISTEN", "127.0.0.1:0".to_owned()),
        ("MONITOR_DATA_DIR", dir.join("data").display().to_string()),
        ("MONITOR_PROJECTS", format!("1:{KEY}")),
        ("MONITOR_KAFKA_BROKERS", broker.to_owned()),
        ("MONITOR_KAFKA_TOPIC", topic.to_owned()),
        ("MONITOR_SPOOL_MAX_BYTES", spool_max.to_string()),
    ];
    let (running, line) = Running::start(&["--config", &config.display().to_string()], &env);
    let addr = services::listening_addr(&line);
    (running, addr, dir.join("data/spool"))
}

/// Posts custom events with ids `ids`; returns the status and the raw head and body.
fn post(addr: &str, ids: std::ops::Range<u32>) -> (u16, String) {
    let events: Vec<_> = ids
        .map(|i| {
            json!({"event_id": format!("{i:032x}"), "type": "custom",
                        "timestamp": 1_763_870_000_000u64, "name": "spooled"})
        })
        .collect();
    let body =
        json!({"sdk": {"name": "t", "version": "0"}, "sent_at": 1, "events": events}).to_string();
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    write!(
        stream,
        "POST /api/1/events?key={KEY} HTTP/1.0\r\nHost: {addr}\r\nContent-Type: text/plain\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    (response[9..12].parse().unwrap(), response.to_lowercase())
}

fn segments(spool: &Path) -> usize {
    std::fs::read_dir(spool).map_or(0, |dir| {
        dir.filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.file_name().to_string_lossy().ends_with(".seg"))
        })
        .count()
    })
}

/// The event ids in partition 0 of `topic`, read until `expected` are all there (30 s).
fn read_topic(broker: &str, topic: &str, expected: &BTreeSet<String>) -> BTreeSet<String> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", broker)
        .set("group.id", format!("{topic}-reader"))
        .set("enable.auto.commit", "false")
        .create()
        .unwrap();
    let mut partitions = TopicPartitionList::new();
    partitions
        .add_partition_offset(topic, 0, Offset::Beginning)
        .unwrap();
    consumer.assign(&partitions).unwrap();
    let mut seen = BTreeSet::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !expected.is_subset(&seen) && Instant::now() < deadline {
        match consumer.poll(Duration::from_millis(200)) {
            Some(Ok(message)) => {
                let key = String::from_utf8_lossy(message.key().unwrap_or_default()).into_owned();
                seen.insert(
                    key.split_once(':')
                        .map_or(key.clone(), |(_, id)| id.to_owned()),
                );
            }
            Some(Err(e)) => eprintln!("consumer: {e}"),
            None => {}
        }
    }
    seen
}

fn ids(range: std::ops::Range<u32>) -> impl Iterator<Item = String> {
    range.map(|i| format!("{i:032x}"))
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done() {
        assert!(Instant::now() < deadline, "not within 30 s: {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn batches_spooled_while_kafka_is_down_reach_it_when_it_is_back() {
    let Some(broker) = Broker::start() else {
        return;
    };
    let started = Instant::now();
    let topic = format!("monitor-spool-test-{}", broker.port);
    let dir = tempfile::tempdir().unwrap();
    let (roomy, addr, spool) = collector(&broker.addr(), &topic, &dir.path().join("a"), 1 << 20);
    // Room for one batch of two events, not for two.
    let (tiny, tiny_addr, tiny_spool) =
        collector(&broker.addr(), &topic, &dir.path().join("b"), 700);

    assert_eq!(post(&addr, 0..3).0, 200, "straight to Kafka");
    assert_eq!(segments(&spool), 0);
    broker.run("stop");

    let down = Instant::now();
    let (status, answer) = post(&addr, 3..6);
    assert_eq!(status, 200, "{answer}");
    assert!(segments(&spool) > 0, "spooled on disk");
    let first = down.elapsed();
    let (status, answer) = post(&addr, 6..9);
    assert_eq!(status, 200, "{answer}");
    assert_eq!(post(&tiny_addr, 100..102).0, 200);
    let (status, answer) = post(&tiny_addr, 102..104);
    assert_eq!(status, 503, "{answer}");
    assert!(answer.contains("\r\nretry-after: "), "{answer}");
    assert!(segments(&tiny_spool) > 0);
    // The roomy collector is restarted: it must replay what the earlier run spooled.
    roomy.stop_cleanly();

    broker.run("start");
    let back = Instant::now();
    let (roomy, _, _) = collector(&broker.addr(), &topic, &dir.path().join("a"), 1 << 20);
    let expected: BTreeSet<String> = ids(0..9).chain(ids(100..102)).collect();
    let seen = read_topic(&broker.addr(), &topic, &expected);
    assert!(
        expected.is_subset(&seen),
        "missing: {:?}",
        &expected - &seen
    );
    assert!(
        seen.is_disjoint(&ids(102..104).collect()),
        "the 503 batch was not kept"
    );
    wait_until("both spools empty", || {
        segments(&spool) == 0 && segments(&tiny_spool) == 0
    });
    let replayed = back.elapsed();
    assert_eq!(post(&tiny_addr, 102..104).0, 200, "room again");

    roomy.stop_cleanly();
    tiny.stop_cleanly();
    eprintln!(
        "kafka_spool: first spooled answer after {first:?}, replayed {replayed:?} after the \
         broker came back, {:?} in all",
        started.elapsed()
    );
}
