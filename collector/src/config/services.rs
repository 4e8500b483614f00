//! The options of the production path: the `[kafka]` and `[clickhouse]` sections.
//!
//! They live apart from the HTTP options because only the Kafka mode and the `consume` role
//! read them. An empty `kafka.brokers` list is what keeps the collector on its embedded store,
//! so a configuration without these sections behaves exactly as before they existed.

use std::net::SocketAddr;
use std::time::Duration;

use serde::Deserialize;

use super::{invalid, ConfigError};

/// Where accepted events go in Kafka mode, and how the consumer reads them back.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct KafkaConfig {
    /// Bootstrap brokers as `host:port` (`MONITOR_KAFKA_BROKERS`, comma-separated). Empty
    /// means Kafka mode is off and events go to the embedded store.
    pub brokers: Vec<String>,
    /// Topic the events are produced to and consumed from (`MONITOR_KAFKA_TOPIC`).
    pub topic: String,
    /// `client.id` the brokers see in their logs and metrics.
    pub client_id: String,
    /// Milliseconds a batch may wait for every broker acknowledgement before the ingest
    /// answer becomes 503 (librdkafka's `message.timeout.ms`).
    pub delivery_timeout_ms: u64,
    /// Compression of produced batches. Snappy is left out on purpose: the tansu broker used
    /// in tests accepts it but cannot serve it back.
    pub compression: Compression,
    /// Partitions of the topic when the collector has to create it.
    pub partitions: i32,
    /// Replication factor of the topic when the collector has to create it.
    pub replication_factor: i32,
    /// Consumer group of the `consume` role; its committed offsets say what ClickHouse holds.
    pub consumer_group: String,
    /// Milliseconds the group waits for a silent consumer before giving its partitions to the
    /// others (librdkafka's `session.timeout.ms`). A consumer that crashed holds its
    /// partitions that long, so a restarted one waits for it; lower means faster takeover but
    /// more rebalances on a slow network. Kafka brokers refuse values outside their
    /// `group.min.session.timeout.ms` (6000) .. `group.max.session.timeout.ms` (1800000).
    pub session_timeout_ms: u32,
    /// Where the consumer puts messages it cannot decode, with the reason in a header
    /// (`MONITOR_KAFKA_DEAD_LETTER_TOPIC`); created at start-up like `topic`.
    pub dead_letter_topic: String,
    /// Most bytes the on-disk spool (`{data_dir}/spool`) may hold while Kafka cannot take
    /// events (`MONITOR_SPOOL_MAX_BYTES`); past it ingest answers 503 with `Retry-After`.
    pub spool_max_bytes: u64,
}

/// The `compression.type` values the collector allows.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Compression {
    None,
    Gzip,
    Lz4,
    Zstd,
}

impl Compression {
    /// The name librdkafka expects.
    pub fn as_str(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Gzip => "gzip",
            Compression::Lz4 => "lz4",
            Compression::Zstd => "zstd",
        }
    }
}

impl Default for KafkaConfig {
    fn default() -> Self {
        KafkaConfig {
            brokers: Vec::new(),
            topic: "monitor-events".to_owned(),
            client_id: "monitor-collector".to_owned(),
            delivery_timeout_ms: 5000,
            compression: Compression::Lz4,
            partitions: 3,
            replication_factor: 1,
            consumer_group: "monitor-clickhouse".to_owned(),
            session_timeout_ms: 45_000,
            dead_letter_topic: "monitor-events-dlq".to_owned(),
            spool_max_bytes: 256 << 20,
        }
    }
}

impl KafkaConfig {
    /// librdkafka's `heartbeat.interval.ms` for `session_timeout_ms`: its default (3 s), or a
    /// third of the session when that is shorter, so two missed heartbeats do not end it.
    pub fn heartbeat_interval_ms(&self) -> u32 {
        (self.session_timeout_ms / 3).min(3000)
    }

    /// Kafka mode is on when at least one broker is configured.
    pub fn enabled(&self) -> bool {
        !self.brokers.is_empty()
    }

    /// librdkafka's `bootstrap.servers`.
    pub fn bootstrap_servers(&self) -> String {
        self.brokers.join(",")
    }

    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        if self.brokers.iter().any(|b| b.trim().is_empty()) {
            return Err(invalid("kafka.brokers: a broker address is empty"));
        }
        if self.topic.is_empty() || !self.topic.bytes().all(is_topic_byte) {
            return Err(invalid(format!(
                "kafka.topic: {:?} must be non-empty and use only A-Z a-z 0-9 . _ -",
                self.topic
            )));
        }
        if self.dead_letter_topic.is_empty()
            || !self.dead_letter_topic.bytes().all(is_topic_byte)
            || self.dead_letter_topic == self.topic
        {
            return Err(invalid(format!(
                "kafka.dead_letter_topic: {:?} must be a valid topic name other than kafka.topic",
                self.dead_letter_topic
            )));
        }
        if self.consumer_group.is_empty() {
            return Err(invalid("kafka.consumer_group must not be empty"));
        }
        if !(1000..=3_600_000).contains(&self.session_timeout_ms) {
            return Err(invalid(
                "kafka.session_timeout_ms must be between 1000 and 3600000",
            ));
        }
        if self.delivery_timeout_ms == 0 {
            return Err(invalid("kafka.delivery_timeout_ms must be positive"));
        }
        if self.spool_max_bytes == 0 {
            return Err(invalid("kafka.spool_max_bytes must be positive"));
        }
        if self.partitions < 1 || self.replication_factor < 1 {
            return Err(invalid(
                "kafka.partitions and kafka.replication_factor must be positive",
            ));
        }
        Ok(())
    }
}

fn is_topic_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"._-".contains(&b)
}

/// Options of the `consume` role itself (`[consumer]`).
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ConsumerConfig {
    /// Address of a small HTTP listener serving `/metrics`, `/healthz` and `/readyz` for the
    /// consumer (`MONITOR_CONSUMER_METRICS_LISTEN`). Unset (the default): no listener.
    pub metrics_listen: Option<SocketAddr>,
    /// The consumer's static group membership (librdkafka's `group.instance.id`,
    /// `MONITOR_CONSUMER_INSTANCE_ID`): a consumer restarted with the same id takes its
    /// partitions back at once instead of waiting for its predecessor's session to time out.
    /// Unset (the default): the host name, which suits one consumer per host or container;
    /// give each consumer on one host its own id. `""` turns static membership off.
    pub instance_id: Option<String>,
    /// Milliseconds the group's committed offsets may stand still while messages wait before
    /// `/readyz` fails (so an orchestrator restarts the consumer) and `monitor_consumer_stalled`
    /// is 1.
    pub stall_timeout_ms: u64,
    /// Milliseconds this consumer may receive nothing while messages wait and the group's
    /// offsets stand still before it leaves the group and joins again with a new member
    /// identity (it may hold no partitions, or a fetch may be stuck). 0: never.
    pub rejoin_after_ms: u64,
    /// Fault injection for tests, from `MONITOR_CONSUMER_PAUSE_AFTER_INSERT_MS` only (no TOML
    /// key, so it cannot end up in a production file by accident): after each batch's insert
    /// succeeded, the consumer waits this long before it commits the batch's offsets, so a
    /// test can kill it while ClickHouse holds rows whose offsets are not committed. Unset or
    /// 0 (the default): no pause.
    #[serde(skip)]
    pub pause_after_insert: Option<Duration>,
    /// Fault injection for tests, from `MONITOR_CONSUMER_STALL_AFTER_BATCHES` only: after this
    /// many committed batches the consumer throws away what it receives, uncommitted, as if
    /// its fetches returned nothing, until it re-joins the group. Unset: never.
    #[serde(skip)]
    pub stall_after_batches: Option<u64>,
}

impl Default for ConsumerConfig {
    fn default() -> Self {
        ConsumerConfig {
            metrics_listen: None,
            instance_id: None,
            stall_timeout_ms: 60_000,
            rejoin_after_ms: 30_000,
            pause_after_insert: None,
            stall_after_batches: None,
        }
    }
}

impl ConsumerConfig {
    /// `group.instance.id`: the configured one, else the host name; `None` when off.
    pub fn group_instance_id(&self) -> Option<String> {
        let id = match &self.instance_id {
            Some(id) => id.trim().to_owned(),
            None => host_name()?,
        };
        (!id.is_empty()).then_some(id)
    }

    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        if self.stall_timeout_ms == 0 {
            return Err(invalid("consumer.stall_timeout_ms must be positive"));
        }
        if let Some(id) = &self.instance_id {
            if id.len() > 249 || !id.bytes().all(is_topic_byte) {
                return Err(invalid(format!(
                    "consumer.instance_id: {id:?} must use only A-Z a-z 0-9 . _ - (at most 249)"
                )));
            }
        }
        Ok(())
    }
}

/// This machine's (or container's) host name, as the kernel has it.
fn host_name() -> Option<String> {
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())?;
    let name: String = name
        .trim()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    (!name.is_empty()).then_some(name)
}

/// Where the `consume` role writes, and how it batches.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ClickHouseConfig {
    /// HTTP interface of the server (`MONITOR_CLICKHOUSE_URL`).
    pub url: String,
    /// Database holding the tables; created at start-up (`MONITOR_CLICKHOUSE_DATABASE`).
    pub database: String,
    /// Most rows per insert: ClickHouse wants few large inserts, not many small ones.
    pub batch_rows: usize,
    /// Longest a consumed message waits for its batch to fill before it is inserted anyway.
    pub batch_ms: u64,
    /// Longest one insert may take before it counts as failed and is retried (a server that
    /// accepts the connection and then hangs must not stall the consumer for good; a retried
    /// batch that did land is deduplicated like any redelivery).
    pub insert_timeout_ms: u64,
    /// Days an event is kept (`TTL` on `events`), applied only on servers with TTL (≥ 19.6)
    /// by a migration, so changing it later needs a manual `ALTER TABLE ... MODIFY TTL`.
    /// 0 keeps events forever.
    pub retention_days: u32,
}

impl Default for ClickHouseConfig {
    fn default() -> Self {
        ClickHouseConfig {
            url: "http://127.0.0.1:8123".to_owned(),
            database: "monitor".to_owned(),
            batch_rows: 1000,
            batch_ms: 1000,
            insert_timeout_ms: 30_000,
            retention_days: 90,
        }
    }
}

impl ClickHouseConfig {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        if !(self.url.starts_with("http://") || self.url.starts_with("https://")) {
            return Err(invalid(format!(
                "clickhouse.url: {:?} must start with http:// or https://",
                self.url
            )));
        }
        // The name is written into DDL, so it is held to a plain identifier.
        let plain = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
        if self.database.is_empty()
            || !self.database.bytes().all(plain)
            || self.database.as_bytes()[0].is_ascii_digit()
        {
            return Err(invalid(format!(
                "clickhouse.database: {:?} must be a plain identifier (A-Z a-z 0-9 _)",
                self.database
            )));
        }
        if self.batch_rows == 0 || self.batch_ms == 0 || self.insert_timeout_ms == 0 {
            return Err(invalid(
                "clickhouse.batch_rows, clickhouse.batch_ms and clickhouse.insert_timeout_ms must be positive",
            ));
        }
        Ok(())
    }
}

/// Parses `MONITOR_KAFKA_BROKERS`: comma-separated `host:port`, blanks ignored.
pub fn parse_brokers(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    #[test]
    fn kafka_is_off_by_default_and_sections_parse() {
        assert!(!Config::default().kafka.enabled());
        let config = Config::from_toml_str(
            "[kafka]\nbrokers = [\"a:9092\", \"b:9092\"]\ncompression = \"zstd\"\n\
             [clickhouse]\ndatabase = \"m2\"\nbatch_rows = 10\n",
        )
        .unwrap();
        assert!(config.kafka.enabled());
        assert_eq!(config.kafka.bootstrap_servers(), "a:9092,b:9092");
        assert_eq!(config.kafka.compression, Compression::Zstd);
        assert_eq!(config.kafka.topic, "monitor-events");
        assert_eq!(config.clickhouse.database, "m2");
        assert_eq!(config.clickhouse.batch_ms, 1000);
        assert_eq!(config.clickhouse.retention_days, 90);
        let config = Config::from_toml_str("[clickhouse]\nretention_days = 30\n").unwrap();
        assert_eq!(config.clickhouse.retention_days, 30);
        assert_eq!(config.validate(), Ok(()));
    }

    #[test]
    fn refuses_snappy_and_bad_names() {
        let err = Config::from_toml_str("[kafka]\ncompression = \"snappy\"\n").unwrap_err();
        assert!(err.to_string().contains("snappy"), "{err}");
        let mut config = Config::default();
        config.clickhouse.database = "a;drop".to_owned();
        assert!(config
            .validate()
            .unwrap_err()
            .0
            .contains("clickhouse.database"));
        let mut config = Config::default();
        config.kafka.topic = "a b".to_owned();
        assert!(config.validate().unwrap_err().0.contains("kafka.topic"));
        let mut config = Config::default();
        config.clickhouse.url = "127.0.0.1:8123".to_owned();
        assert!(config.validate().unwrap_err().0.contains("clickhouse.url"));
    }

    #[test]
    fn dead_letter_topic_and_consumer_options() {
        let config = Config::default();
        assert_eq!(config.kafka.dead_letter_topic, "monitor-events-dlq");
        assert_eq!(config.consumer.metrics_listen, None);
        let config = Config::from_toml_str(
            "[kafka]\ndead_letter_topic = \"dlq\"\n[consumer]\nmetrics_listen = \"127.0.0.1:9187\"\n",
        )
        .unwrap();
        assert_eq!(config.kafka.dead_letter_topic, "dlq");
        assert_eq!(config.consumer.metrics_listen.unwrap().port(), 9187);
        assert_eq!(config.consumer.stall_timeout_ms, 60_000);
        assert_eq!(config.consumer.rejoin_after_ms, 30_000);
        assert!(
            config.consumer.group_instance_id().is_some(),
            "the host name"
        );
        let off = Config::from_toml_str("[consumer]\ninstance_id = \"\"\n").unwrap();
        assert_eq!(off.consumer.group_instance_id(), None);
        let own = Config::from_toml_str("[consumer]\ninstance_id = \"c-2\"\n").unwrap();
        assert_eq!(own.consumer.group_instance_id().as_deref(), Some("c-2"));
        let mut bad = Config::default();
        bad.consumer.instance_id = Some("a b".to_owned());
        assert!(bad.validate().unwrap_err().0.contains("instance_id"));
        // The fault-injection pause has no TOML key: only the environment sets it.
        assert_eq!(config.consumer.pause_after_insert, None);
        let err = Config::from_toml_str("[consumer]\npause_after_insert = 5\n").unwrap_err();
        assert!(err.0.contains("pause_after_insert"), "{err}");
        let mut config = Config::default();
        config.kafka.dead_letter_topic = config.kafka.topic.clone();
        assert!(config
            .validate()
            .unwrap_err()
            .0
            .contains("dead_letter_topic"));
    }

    #[test]
    fn session_timeout_and_its_heartbeat() {
        let config = Config::default();
        assert_eq!(config.kafka.session_timeout_ms, 45_000);
        assert_eq!(config.kafka.heartbeat_interval_ms(), 3000);
        let config = Config::from_toml_str("[kafka]\nsession_timeout_ms = 6000\n").unwrap();
        assert_eq!(config.kafka.session_timeout_ms, 6000);
        assert_eq!(config.kafka.heartbeat_interval_ms(), 2000);
        assert_eq!(config.validate(), Ok(()));
        let mut config = Config::default();
        config.kafka.session_timeout_ms = 999;
        assert!(config
            .validate()
            .unwrap_err()
            .0
            .contains("kafka.session_timeout_ms"));
    }

    #[test]
    fn brokers_from_the_environment() {
        assert_eq!(parse_brokers(" a:1, ,b:2,"), ["a:1", "b:2"]);
    }
}
