//! Readiness: can this process do its job right now? `GET /readyz` asks the check chosen for
//! the mode, while `GET /healthz` only says the process serves requests.
//!
//! - Embedded mode: a one-row read from the store, which fails when the database file cannot
//!   be opened or read.
//! - Kafka mode: a metadata request to the brokers within [`KAFKA_TIMEOUT`], which must list
//!   the events topic. A load balancer then stops sending batches that would only get 503.
//!
//! Checks block (SQLite, librdkafka), so the endpoint runs them through `spawn_blocking`.

use std::sync::Arc;
use std::time::Duration;

use rdkafka::producer::{BaseProducer, Producer};

use crate::config::{Config, KafkaConfig};
use crate::query::QueryStore;

/// Longest a readiness probe waits for the brokers.
pub const KAFKA_TIMEOUT: Duration = Duration::from_secs(2);

/// One readiness check; `Err` carries the reason shown in the 503 body.
pub trait ReadyCheck: Send + Sync + 'static {
    fn check(&self) -> Result<(), String>;
}

/// The check for `config`'s mode; `reader` is the embedded store's reading side.
pub fn for_config(config: &Config, reader: Arc<dyn QueryStore>) -> Arc<dyn ReadyCheck> {
    if config.kafka.enabled() {
        match KafkaCheck::new(&config.kafka) {
            Ok(check) => Arc::new(check),
            Err(reason) => Arc::new(Never(reason)),
        }
    } else {
        Arc::new(StoreCheck { reader })
    }
}

struct StoreCheck {
    reader: Arc<dyn QueryStore>,
}

impl ReadyCheck for StoreCheck {
    fn check(&self) -> Result<(), String> {
        self.reader.ping().map_err(|e| format!("store: {e}"))
    }
}

/// Holds one idle producer, created once: librdkafka connects lazily and keeps the
/// connection for the next probe.
struct KafkaCheck {
    producer: BaseProducer,
    topic: String,
}

impl KafkaCheck {
    fn new(config: &KafkaConfig) -> Result<KafkaCheck, String> {
        let producer = crate::kafka::client_config(config)
            .create()
            .map_err(|e| format!("kafka: {e}"))?;
        Ok(KafkaCheck {
            producer,
            topic: config.topic.clone(),
        })
    }
}

impl ReadyCheck for KafkaCheck {
    fn check(&self) -> Result<(), String> {
        // All topics rather than ours: asking for one topic by name may create it.
        let metadata = self
            .producer
            .client()
            .fetch_metadata(None, KAFKA_TIMEOUT)
            .map_err(|e| format!("kafka: brokers unreachable: {e}"))?;
        if metadata.topics().iter().any(|t| t.name() == self.topic) {
            Ok(())
        } else {
            Err(format!("kafka: topic {} does not exist", self.topic))
        }
    }
}

/// A check that could not even be set up.
struct Never(String);

impl ReadyCheck for Never {
    fn check(&self) -> Result<(), String> {
        Err(self.0.clone())
    }
}
