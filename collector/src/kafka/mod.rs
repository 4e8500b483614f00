//! Kafka: the production path's durable buffer between ingest and ClickHouse.
//!
//! The collector's ingest answers 2xx only once Kafka holds every event of the batch
//! ([`KafkaSink`]); the `consume` role reads them back in batches and moves them into
//! ClickHouse. Both sides agree on one message format ([`message`]) and on the topic, which
//! either side creates when it is missing ([`ensure_topic`]), so they can start in any order.
//! Messages the consumer cannot read go to the dead-letter topic ([`DeadLetters`]).

mod dead_letter;
mod group;
pub mod message;
mod replay;
mod shared;
mod sink;
mod topic;

use rdkafka::ClientConfig;

use crate::config::KafkaConfig;

pub use dead_letter::{DeadLetter, DeadLetters};
pub use group::GroupContext;
pub use sink::KafkaSink;
pub use topic::ensure_topic;

/// Settings every client of ours shares: where the brokers are and who is asking.
pub fn client_config(config: &KafkaConfig) -> ClientConfig {
    let mut client = ClientConfig::new();
    client
        .set("bootstrap.servers", config.bootstrap_servers())
        .set("client.id", &config.client_id);
    client
}
