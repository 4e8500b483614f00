//! What [`super::KafkaSink`] and its replay task share: the producer, the spool, and the
//! one function that hands messages to Kafka and waits for them ([`deliver`]).
//!
//! After a failed delivery the producer is replaced by a fresh one (new producer id). An
//! idempotent producer whose messages timed out bumps its epoch, and tansu, the broker of
//! our tests, cannot take produce requests after that (its storage panics and the broker
//! stops answering). A fresh producer costs one `InitProducerId` and is harmless on real
//! Kafka, where the epoch bump would also work. The replacement only limits that: librdkafka
//! bumps the epoch by itself at the timeout and goes on sending messages still queued (other
//! batches') with it before the failure reaches us (docs/services.md).

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use rdkafka::producer::{DeliveryFuture, FutureProducer, FutureRecord};
use rdkafka::ClientConfig;
use tokio::sync::Notify;

use crate::spool::{Record, Spool};

pub(super) struct Shared {
    /// How to make a producer; kept to replace one after a failure.
    client: ClientConfig,
    /// The producer in use and its generation, counted up on every replacement.
    producer: Mutex<(u64, FutureProducer)>,
    pub(super) topic: String,
    /// Longest wait for the delivery reports of one batch or one spool segment.
    pub(super) timeout: Duration,
    spool: Mutex<Spool>,
    /// Wakes the replay task when the spool gets something.
    pub(super) wake: Notify,
}

impl Shared {
    pub(super) fn new(
        client: ClientConfig,
        topic: String,
        timeout: Duration,
        spool: Spool,
    ) -> Result<Shared, rdkafka::error::KafkaError> {
        let producer = client.create()?;
        Ok(Shared {
            client,
            producer: Mutex::new((0, producer)),
            topic,
            timeout,
            spool: Mutex::new(spool),
            wake: Notify::new(),
        })
    }

    /// The spool. Every change to it is a single step, so a panic elsewhere while it was
    /// held leaves it consistent and poisoning is ignored.
    pub(super) fn spool(&self) -> MutexGuard<'_, Spool> {
        self.spool.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Appends to the spool and wakes the replay.
    pub(super) fn spool_batch(&self, records: &[Record]) -> Result<(), crate::store::StoreError> {
        self.spool().append(records)?;
        self.wake.notify_one();
        Ok(())
    }

    /// Sends `records` with the current producer and waits for all acknowledgements. On
    /// failure the producer is replaced; the old one is returned so that the caller drops it
    /// where blocking is allowed (dropping purges its queue and waits up to 500 ms).
    pub(super) async fn send(
        &self,
        records: &[Record],
    ) -> Result<(), (String, Option<FutureProducer>)> {
        let (generation, producer) = {
            let current = self.producer.lock().unwrap_or_else(PoisonError::into_inner);
            (current.0, current.1.clone())
        };
        match deliver(&producer, &self.topic, records, self.timeout).await {
            Ok(()) => Ok(()),
            Err(e) => Err((e, self.renew(generation))),
        }
    }

    fn renew(&self, generation: u64) -> Option<FutureProducer> {
        let fresh: FutureProducer = match self.client.create() {
            Ok(fresh) => fresh,
            Err(e) => {
                tracing::error!(error = %e, "cannot create a new kafka producer");
                return None;
            }
        };
        let mut current = self.producer.lock().unwrap_or_else(PoisonError::into_inner);
        if current.0 != generation {
            // Someone else replaced it already; ours is dropped by the caller.
            return Some(fresh);
        }
        current.0 += 1;
        Some(std::mem::replace(&mut current.1, fresh))
    }
}

/// Produces the records and waits until Kafka acknowledged all of them, or `timeout`.
async fn deliver(
    producer: &FutureProducer,
    topic: &str,
    records: &[Record],
    timeout: Duration,
) -> Result<(), String> {
    let _timer = crate::metrics::kafka_delivery_timer(); // monitor_kafka_delivery_seconds
    let mut deliveries = Vec::with_capacity(records.len());
    for record in records {
        let outgoing = FutureRecord::to(topic)
            .key(&record.key)
            .payload(&record.value);
        let delivery = producer
            .send_result(outgoing)
            .map_err(|(e, _)| format!("cannot enqueue: {e}"))?;
        deliveries.push(delivery);
    }
    await_deliveries(deliveries, timeout).await
}

/// Waits for every delivery report, all within one `timeout`; the first failure is the answer.
pub(super) async fn await_deliveries(
    deliveries: Vec<DeliveryFuture>,
    timeout: Duration,
) -> Result<(), String> {
    let deadline = tokio::time::Instant::now() + timeout;
    for delivery in deliveries {
        match tokio::time::timeout_at(deadline, delivery).await {
            Ok(Ok(Ok(_))) => {}
            Ok(Ok(Err((e, _)))) => return Err(format!("delivery failed: {e}")),
            Ok(Err(_)) => return Err("producer dropped".to_owned()),
            Err(_) => return Err("delivery timed out".to_owned()),
        }
    }
    Ok(())
}
