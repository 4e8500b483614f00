//! The dead-letter topic: where the consumer puts the messages it cannot turn into rows, so
//! that one bad message never blocks its partition.
//!
//! A dead letter is the original message unchanged, key and value byte for byte, so that it
//! can be replayed by producing it back once its cause is fixed. Why and where from travel in
//! headers: `reason` (readable, at most [`MAX_REASON`] bytes), `source_topic`,
//! `source_partition` and `source_offset` (decimal). Headers rather than a JSON envelope
//! because the value may not be JSON or even UTF-8, and an envelope would have to re-encode it.
//!
//! The producer is idempotent with `acks=all`, like the ingest sink: the consumer commits past
//! a bad message only after [`DeadLetters::send`] returned `Ok`, so a crash in between sends
//! the letter again (a duplicate in the dead-letter topic) but never loses it. Each send is
//! bounded by `delivery_timeout_ms`; after a failed one the producer is replaced by a fresh
//! one, as the ingest sink does (`shared.rs` says why: tansu and bumped epochs).

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use rdkafka::error::KafkaError;
use rdkafka::message::{Header, Message, OwnedHeaders};
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::ClientConfig;

use crate::config::KafkaConfig;

/// Longest `reason` header; decode errors are short, this only bounds the unexpected.
pub const MAX_REASON: usize = 1024;

/// One message that goes to the dead-letter topic, and why.
#[derive(Clone, Debug)]
pub struct DeadLetter {
    pub key: Option<Vec<u8>>,
    pub payload: Option<Vec<u8>>,
    pub reason: String,
    pub topic: String,
    pub partition: i32,
    pub offset: i64,
}

impl DeadLetter {
    pub fn new(message: &impl Message, reason: &str) -> DeadLetter {
        let mut end = reason.len().min(MAX_REASON);
        while !reason.is_char_boundary(end) {
            end -= 1;
        }
        DeadLetter {
            key: message.key().map(<[u8]>::to_vec),
            payload: message.payload().map(<[u8]>::to_vec),
            reason: reason[..end].to_owned(),
            topic: message.topic().to_owned(),
            partition: message.partition(),
            offset: message.offset(),
        }
    }

    fn headers(&self) -> OwnedHeaders {
        let partition = self.partition.to_string();
        let offset = self.offset.to_string();
        [
            ("reason", self.reason.as_str()),
            ("source_topic", self.topic.as_str()),
            ("source_partition", partition.as_str()),
            ("source_offset", offset.as_str()),
        ]
        .into_iter()
        .fold(OwnedHeaders::new(), |headers, (key, value)| {
            headers.insert(Header {
                key,
                value: Some(value),
            })
        })
    }
}

/// The producer of dead letters.
pub struct DeadLetters {
    client: ClientConfig,
    producer: Mutex<FutureProducer>,
    topic: String,
    timeout: Duration,
}

impl DeadLetters {
    pub fn new(config: &KafkaConfig) -> Result<DeadLetters, KafkaError> {
        let mut client = super::client_config(config);
        client
            .set("acks", "all")
            .set("enable.idempotence", "true")
            .set("message.timeout.ms", config.delivery_timeout_ms.to_string());
        let producer = client.create()?;
        Ok(DeadLetters {
            client,
            producer: Mutex::new(producer),
            topic: config.dead_letter_topic.clone(),
            timeout: Duration::from_millis(config.delivery_timeout_ms + 1000),
        })
    }

    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// Produces every letter and waits until Kafka acknowledged all of them, within
    /// `delivery_timeout_ms`; on failure the producer is replaced before the error returns.
    pub async fn send(&self, letters: &[DeadLetter]) -> Result<(), String> {
        let producer = self
            .producer
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let result = self.send_with(&producer, letters).await;
        if result.is_err() {
            match self.client.create::<FutureProducer>() {
                Ok(fresh) => {
                    let old = std::mem::replace(
                        &mut *self.producer.lock().unwrap_or_else(PoisonError::into_inner),
                        fresh,
                    );
                    // Dropping a producer purges its queue and may wait a moment.
                    tokio::task::block_in_place(|| drop((old, producer)));
                }
                Err(e) => tracing::error!(error = %e, "cannot create a new dead-letter producer"),
            }
        }
        result
    }

    async fn send_with(
        &self,
        producer: &FutureProducer,
        letters: &[DeadLetter],
    ) -> Result<(), String> {
        let mut deliveries = Vec::with_capacity(letters.len());
        for letter in letters {
            let mut record = FutureRecord::<[u8], [u8]>::to(&self.topic).headers(letter.headers());
            if let Some(key) = &letter.key {
                record = record.key(key.as_slice());
            }
            if let Some(payload) = &letter.payload {
                record = record.payload(payload.as_slice());
            }
            let delivery = producer
                .send_result(record)
                .map_err(|(e, _)| format!("cannot enqueue: {e}"))?;
            deliveries.push(delivery);
        }
        super::shared::await_deliveries(deliveries, self.timeout).await
    }
}
