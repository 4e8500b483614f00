//! [`KafkaSink`]: the [`EventSink`] of Kafka mode, with the on-disk spool behind it.
//!
//! The producer is idempotent with `acks=all`, so an acknowledgement means every in-sync
//! replica has the event and a retry inside librdkafka cannot duplicate it. `write_batch`
//! encodes the batch into messages, enqueues them all (librdkafka batches and compresses
//! them) and waits up to `kafka.delivery_timeout_ms` for every delivery report.
//!
//! When Kafka fails or is too slow, the same messages are appended to the [`Spool`] and the
//! batch still succeeds: the spool is fsynced, so the 2xx keeps its promise. While the spool
//! holds anything, new batches skip Kafka and go straight behind it, which keeps them in
//! arrival order and spares each request the timeout; the replay task (`replay.rs`) empties
//! it into Kafka when Kafka answers again. Only when the spool is full does the batch fail,
//! as `StoreError::SpoolFull`, which the client gets as 503 with `Retry-After`. Events of a
//! failed delivery that did reach Kafka arrive twice; ClickHouse deduplicates them.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use crate::config::KafkaConfig;
use crate::spool::{Record, Spool};
use crate::store::{EventSink, StoreError};
use crate::validate::ValidEvent;

use super::message;
use super::shared::Shared;

pub struct KafkaSink {
    shared: Arc<Shared>,
}

impl KafkaSink {
    /// Builds the producer and opens the spool in `spool_dir`; inside a tokio runtime it
    /// also starts the replay task, which first sends what an earlier run left spooled.
    /// librdkafka connects lazily, so this succeeds without brokers.
    pub fn new(config: &KafkaConfig, spool_dir: &Path) -> Result<KafkaSink, StoreError> {
        let mut client = super::client_config(config);
        client
            .set("acks", "all")
            .set("enable.idempotence", "true")
            .set("compression.type", config.compression.as_str())
            .set("message.timeout.ms", config.delivery_timeout_ms.to_string())
            // Notice a broker that is back within a second, so the spool drains soon.
            .set("reconnect.backoff.ms", "100")
            .set("reconnect.backoff.max.ms", "1000");
        let spool = Spool::open(spool_dir, config.spool_max_bytes)?;
        // librdkafka fails a message after message.timeout.ms; this is only a backstop.
        let timeout = Duration::from_millis(config.delivery_timeout_ms + 1000);
        let shared = Shared::new(client, config.topic.clone(), timeout, spool)
            .map_err(|e| StoreError::Kafka(e.to_string()))?;
        let shared = Arc::new(shared);
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(super::replay::run(shared.clone()));
        }
        Ok(KafkaSink { shared })
    }

    /// Bytes waiting in the spool.
    pub fn spooled_bytes(&self) -> u64 {
        self.shared.spool().bytes()
    }
}

impl EventSink for KafkaSink {
    fn write_batch(
        &self,
        project_id: u64,
        received_at_ms: i64,
        events: &[ValidEvent],
    ) -> Result<(), StoreError> {
        let records: Vec<Record> = events
            .iter()
            .map(|event| Record {
                key: message::key(project_id, &event.event_id).into_bytes(),
                value: message::encode(project_id, received_at_ms, &event.payload),
            })
            .collect();
        {
            // Checked and appended under one lock, so the replay cannot empty the spool
            // between the two and let this batch overtake older ones.
            let mut spool = self.shared.spool();
            if !spool.is_empty() {
                spool.append(&records)?;
                drop(spool);
                self.shared.wake.notify_one();
                return Ok(());
            }
        }
        // Called through spawn_blocking, so blocking this thread on the reports is intended.
        let handle = tokio::runtime::Handle::current();
        match handle.block_on(self.shared.send(&records)) {
            Ok(()) => Ok(()),
            Err((e, old_producer)) => {
                drop(old_producer);
                tracing::warn!(error = %e, events = records.len(),
                    "kafka did not take the batch: spooling it to disk");
                self.shared.spool_batch(&records)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::validate_batch;
    use serde_json::json;

    fn events(id: char) -> Vec<ValidEvent> {
        let event = json!({"event_id": id.to_string().repeat(32), "type": "custom",
                           "timestamp": 1, "name": "n"});
        validate_batch(vec![event]).0
    }

    /// No broker listens on port 1: the first batch is spooled once the delivery timeout
    /// passes, the next ones go to the spool at once, and a full spool fails the batch (503).
    #[tokio::test(flavor = "multi_thread", worker_threads = 1)]
    async fn without_kafka_batches_are_spooled_until_the_spool_is_full() {
        let dir = tempfile::tempdir().unwrap();
        let event = &events('f')[0];
        let one = Record {
            key: message::key(1, &event.event_id).into_bytes(),
            value: message::encode(1, 1, &event.payload),
        }
        .encoded_len();
        let config = KafkaConfig {
            brokers: vec!["127.0.0.1:1".to_owned()],
            delivery_timeout_ms: 1000,
            spool_max_bytes: one * 2 + one / 2,
            ..KafkaConfig::default()
        };
        let sink = Arc::new(KafkaSink::new(&config, dir.path()).unwrap());
        let write = |id: char| {
            let sink = sink.clone();
            tokio::task::spawn_blocking(move || sink.write_batch(1, 1, &events(id)))
        };
        let started = std::time::Instant::now();
        write('a').await.unwrap().unwrap();
        assert!(started.elapsed() < Duration::from_secs(5));
        assert!(sink.spooled_bytes() > 0);
        let started = std::time::Instant::now();
        write('b').await.unwrap().unwrap();
        assert!(
            started.elapsed() < Duration::from_millis(900),
            "no Kafka wait"
        );
        let result = write('c').await.unwrap();
        assert!(
            matches!(result, Err(StoreError::SpoolFull(_))),
            "{result:?}"
        );
        let files = std::fs::read_dir(dir.path()).unwrap().count();
        assert!(files >= 1, "segments on disk");
    }
}
