//! The dead-letter topic with the real services: messages the consumer cannot decode go to
//! `kafka.dead_letter_topic` with their key, their value untouched and the reason in a header,
//! while the valid messages around them reach ClickHouse and the group's offsets move past
//! all of them. The consumer's metrics listener counts the dead letters.
//!
//! Messages are produced straight to a unique topic with rdkafka, as another producer (or an
//! older collector) might. Needs the services of `kafka_clickhouse.rs` (same skip rules).

mod services;

use std::collections::HashMap;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use monitor_collector::kafka::message;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{Headers, Message};
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};
use serde_json::json;
use services::{
    clickhouse, ensure_services, http, metric_sum, wait_for_count, Running, CLICKHOUSE, KAFKA,
};

/// Produces `(key, value)` pairs and waits for every acknowledgement.
fn produce(topic: &str, messages: &[(&str, Vec<u8>)]) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let producer: FutureProducer = ClientConfig::new()
            .set("bootstrap.servers", KAFKA)
            .set("acks", "all")
            .create()
            .unwrap();
        for (key, value) in messages {
            let record = FutureRecord::to(topic).key(*key).payload(value);
            producer
                .send(record, Duration::from_secs(10))
                .await
                .map_err(|(e, _)| e)
                .expect("produce");
        }
    });
}

/// One dead letter as read back: key, value and headers.
struct Letter {
    key: Vec<u8>,
    value: Vec<u8>,
    headers: HashMap<String, String>,
}

/// Reads `expected` messages from the dead-letter topic (30 s at most).
fn read_dead_letters(topic: &str, run: &str, expected: usize) -> Vec<Letter> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", KAFKA)
        .set("group.id", format!("dlq-reader-{run}"))
        .set("auto.offset.reset", "earliest")
        .set("enable.auto.commit", "false")
        .create()
        .unwrap();
    consumer.subscribe(&[topic]).unwrap();
    let mut letters = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while letters.len() < expected && Instant::now() < deadline {
        let Some(result) = consumer.poll(Duration::from_millis(500)) else {
            continue;
        };
        let m = result.expect("dead-letter read");
        let headers = m.headers().map_or_else(HashMap::new, |h| {
            h.iter()
                .map(|h| {
                    let value = String::from_utf8_lossy(h.value.unwrap_or_default());
                    (h.key.to_owned(), value.into_owned())
                })
                .collect()
        });
        letters.push(Letter {
            key: m.key().unwrap_or_default().to_vec(),
            value: m.payload().unwrap_or_default().to_vec(),
            headers,
        });
    }
    assert_eq!(letters.len(), expected, "dead letters found in {topic}");
    letters
}

/// The sum of the group's committed offsets over the topic's partitions.
fn committed(topic: &str, group: &str, partitions: i32) -> i64 {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", KAFKA)
        .set("group.id", group)
        .create()
        .unwrap();
    let mut list = TopicPartitionList::new();
    for p in 0..partitions {
        list.add_partition(topic, p);
    }
    let offsets = consumer
        .committed_offsets(list, Duration::from_secs(10))
        .expect("committed offsets");
    offsets
        .elements()
        .iter()
        .map(|e| match e.offset() {
            Offset::Offset(n) => n,
            _ => 0,
        })
        .sum()
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

#[test]
fn undecodable_messages_go_to_the_dead_letter_topic_and_do_not_block() {
    if !ensure_services(&["kafka", "clickhouse"]) {
        return;
    }
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let run = format!("{}_{nanos}", std::process::id());
    let topic = format!("monitor-events-dlqtest-{run}");
    let dead_topic = format!("{topic}-dlq");
    let group = format!("monitor-clickhouse-dlqtest-{run}");
    let db = format!("monitor_dlqtest_{run}");
    let metrics_addr = format!("127.0.0.1:{}", free_port());
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("consumer.toml");
    std::fs::write(
        &config,
        format!(
            "[kafka]\nbrokers = [\"{KAFKA}\"]\ntopic = \"{topic}\"\n\
             dead_letter_topic = \"{dead_topic}\"\nconsumer_group = \"{group}\"\n\
             [clickhouse]\nurl = \"http://{CLICKHOUSE}\"\ndatabase = \"{db}\"\nbatch_ms = 200\n\
             [consumer]\nmetrics_listen = \"{metrics_addr}\"\n"
        ),
    )
    .unwrap();
    let started = Instant::now();
    let config = config.display().to_string();
    let (consumer, line) = Running::start(&["consume", "--config", &config], &[]);
    assert!(line.starts_with(&format!("monitor-collector consuming {topic} into")));

    let event = |c: char| {
        json!({"event_id": c.to_string().repeat(32), "type": "custom",
                                 "timestamp": 1_763_870_000_000u64, "name": "n"})
    };
    let nameless = json!({"event_id": "d".repeat(32), "type": "custom", "timestamp": 1});
    let garbage = b"{not json at all".to_vec();
    produce(
        &topic,
        &[
            ("1:a", message::encode(1, 1_763_870_000_500, &event('a'))),
            ("1:bad", garbage.clone()),
            ("1:d", message::encode(1, 1_763_870_000_500, &nameless)),
            ("1:b", message::encode(1, 1_763_870_000_500, &event('b'))),
        ],
    );

    wait_for_count(&db, 2);
    let mut letters = read_dead_letters(&dead_topic, &run, 2);
    letters.sort_by(|a, b| a.key.cmp(&b.key));
    let (bad, nameless_letter) = (&letters[0], &letters[1]);
    assert_eq!(bad.key, b"1:bad");
    assert_eq!(bad.value, garbage, "the value is kept byte for byte");
    assert!(
        bad.headers["reason"].contains("line 1 column"),
        "{:?}",
        bad.headers
    );
    assert_eq!(bad.headers["source_topic"], topic);
    assert!(bad.headers["source_offset"].parse::<i64>().is_ok());
    assert!(bad.headers["source_partition"].parse::<i32>().is_ok());
    assert_eq!(nameless_letter.key, b"1:d");
    assert!(
        nameless_letter.headers["reason"].contains("name"),
        "{:?}",
        nameless_letter.headers
    );

    // The group has committed past all four messages: nothing blocks a partition.
    let deadline = Instant::now() + Duration::from_secs(20);
    while committed(&topic, &group, 3) < 4 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(
        committed(&topic, &group, 3),
        4,
        "offsets committed past every message"
    );

    let (status, text) = http(&metrics_addr, "GET /metrics", "text/plain", "");
    assert_eq!(status, 200);
    assert!(text.contains("monitor_dead_letters_total 2\n"), "{text}");
    assert!(
        text.contains("monitor_clickhouse_batch_rows_sum 2\n"),
        "{text}"
    );
    // The progress check reads the group's offsets every few seconds: all caught up, on
    // every partition, with the four messages committed.
    let deadline = Instant::now() + Duration::from_secs(20);
    let caught_up = |text: &str| {
        (0..3).all(|p| text.contains(&format!("monitor_consumer_lag{{partition=\"{p}\"}} 0\n")))
    };
    let committed_sum = |text: &str| metric_sum(text, "monitor_consumer_committed_offset");
    let mut text = text;
    while !(caught_up(&text) && committed_sum(&text) == 4.0) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(250));
        text = http(&metrics_addr, "GET /metrics", "text/plain", "").1;
    }
    assert!(caught_up(&text), "lag 0 on every partition: {text}");
    assert_eq!(committed_sum(&text), 4.0, "{text}");
    let (status, ready) = http(&metrics_addr, "GET /readyz", "text/plain", "");
    assert_eq!(status, 200, "{ready}");

    consumer.stop_cleanly();
    clickhouse(&format!("DROP DATABASE IF EXISTS {db}"));
    eprintln!("kafka_dead_letter: done in {:?}", started.elapsed());
}
