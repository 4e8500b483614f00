//! [`KafkaSink`]: the [`EventSink`] of Kafka mode.
//!
//! The producer is idempotent with `acks=all`, so an acknowledgement means every in-sync
//! replica has the event and a retry inside librdkafka cannot duplicate it. `write_batch`
//! enqueues the whole batch first (librdkafka batches and compresses it) and then waits for
//! every delivery report: the ingest endpoint's 2xx must mean that all of them are durable.
//! Any failure or a timeout fails the batch, which the client gets as 503 and retries; events
//! of that batch that did reach Kafka then arrive twice, which ClickHouse deduplicates.

use std::time::Duration;

use rdkafka::producer::{FutureProducer, FutureRecord};

use crate::config::KafkaConfig;
use crate::store::{EventSink, StoreError};
use crate::validate::ValidEvent;

use super::message;

pub struct KafkaSink {
    producer: FutureProducer,
    topic: String,
    timeout: Duration,
}

impl KafkaSink {
    /// Builds the producer. librdkafka connects lazily, so this succeeds without brokers.
    pub fn new(config: &KafkaConfig) -> Result<KafkaSink, StoreError> {
        let producer: FutureProducer = super::client_config(config)
            .set("acks", "all")
            .set("enable.idempotence", "true")
            .set("compression.type", config.compression.as_str())
            .set("message.timeout.ms", config.delivery_timeout_ms.to_string())
            .create()
            .map_err(|e| StoreError::Kafka(e.to_string()))?;
        Ok(KafkaSink {
            producer,
            topic: config.topic.clone(),
            // librdkafka fails a message after message.timeout.ms; this is only a backstop.
            timeout: Duration::from_millis(config.delivery_timeout_ms + 1000),
        })
    }
}

impl EventSink for KafkaSink {
    fn write_batch(
        &self,
        project_id: u64,
        received_at_ms: i64,
        events: &[ValidEvent],
    ) -> Result<(), StoreError> {
        let mut deliveries = Vec::with_capacity(events.len());
        for event in events {
            let key = message::key(project_id, &event.event_id);
            let value = message::encode(project_id, received_at_ms, &event.payload);
            let record = FutureRecord::to(&self.topic).key(&key).payload(&value);
            let delivery = self
                .producer
                .send_result(record)
                .map_err(|(e, _)| StoreError::Kafka(format!("cannot enqueue: {e}")))?;
            deliveries.push(delivery);
        }
        // Called through spawn_blocking, so blocking this thread on the reports is intended.
        let handle = tokio::runtime::Handle::current();
        handle.block_on(async {
            let deadline = tokio::time::Instant::now() + self.timeout;
            for delivery in deliveries {
                match tokio::time::timeout_at(deadline, delivery).await {
                    Ok(Ok(Ok(_))) => {}
                    Ok(Ok(Err((e, _)))) => {
                        return Err(StoreError::Kafka(format!("delivery failed: {e}")))
                    }
                    Ok(Err(_)) => return Err(StoreError::Kafka("producer dropped".to_owned())),
                    Err(_) => return Err(StoreError::Kafka("delivery timed out".to_owned())),
                }
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::validate_batch;
    use serde_json::json;

    /// No broker listens on port 1: the batch must fail within the delivery timeout, which
    /// the ingest endpoint turns into 503.
    #[tokio::test(flavor = "multi_thread", worker_threads = 1)]
    async fn a_batch_nobody_acknowledges_fails_in_time() {
        let config = KafkaConfig {
            brokers: vec!["127.0.0.1:1".to_owned()],
            delivery_timeout_ms: 300,
            ..KafkaConfig::default()
        };
        let sink = KafkaSink::new(&config).unwrap();
        let event =
            json!({"event_id": "f".repeat(32), "type": "custom", "timestamp": 1, "name": "n"});
        let events = validate_batch(vec![event]).0;
        let started = std::time::Instant::now();
        let result = tokio::task::spawn_blocking(move || sink.write_batch(1, 1, &events))
            .await
            .unwrap();
        assert!(matches!(result, Err(StoreError::Kafka(_))), "{result:?}");
        assert!(started.elapsed() < Duration::from_secs(5));
    }
}
