//! The `consume` role: moves events from the Kafka topic into ClickHouse.
//!
//! It reads a batch (up to `clickhouse.batch_rows` messages, or whatever arrived within
//! `clickhouse.batch_ms` of the batch's first message), inserts it as one INSERT, and only
//! then commits the batch's offsets. An insert that fails is retried with backoff, forever,
//! and nothing is committed meanwhile: a crash or a stop at any point leaves the offsets at
//! the last batch ClickHouse holds, so the uncommitted messages are read again. That is
//! at-least-once delivery; the `events` table's ReplacingMergeTree removes the repeats.

use std::collections::BTreeMap;
use std::io::Write;
use std::time::Duration;

use rdkafka::consumer::{CommitMode, Consumer, StreamConsumer};
use rdkafka::message::Message;
use rdkafka::{Offset, TopicPartitionList};
use tokio::sync::watch;
use tokio::time::{sleep, timeout_at, Instant};

use crate::clickhouse::{self as ch, EventRow};
use crate::config::Config;
use crate::kafka::{self, message};
use crate::server::shutdown_signal;
use crate::RunError;

const FIRST_RETRY: Duration = Duration::from_millis(200);
const MAX_RETRY: Duration = Duration::from_secs(30);

/// One batch: the rows to insert and, per partition, the offset to commit after them.
#[derive(Default)]
struct Batch {
    messages: usize,
    rows: Vec<EventRow>,
    next_offsets: BTreeMap<(String, i32), i64>,
}

/// Runs the consumer until SIGTERM or ctrl-c.
pub async fn consume(config: Config) -> Result<(), RunError> {
    let applied = ch::migrate(&config.clickhouse)
        .await
        .map_err(|e| RunError::ClickHouse(e.to_string()))?;
    tracing::info!(?applied, database = %config.clickhouse.database, "schema up to date");
    kafka::ensure_topic(&config.kafka)
        .await
        .map_err(RunError::kafka)?;

    let consumer: StreamConsumer = kafka::client_config(&config.kafka)
        .set("group.id", &config.kafka.consumer_group)
        .set("enable.auto.commit", "false")
        .set("auto.offset.reset", "earliest")
        .create()
        .map_err(RunError::kafka)?;
    consumer
        .subscribe(&[&config.kafka.topic])
        .map_err(RunError::kafka)?;
    let client = ch::client(&config.clickhouse);

    let (stop_tx, stop) = watch::channel(false);
    tokio::spawn(async move {
        shutdown_signal().await;
        let _ = stop_tx.send(true);
    });
    announce(&config);

    let max_rows = config.clickhouse.batch_rows;
    let max_wait = Duration::from_millis(config.clickhouse.batch_ms);
    loop {
        let batch = tokio::select! {
            batch = next_batch(&consumer, max_rows, max_wait) => batch,
            () = stopped(stop.clone()) => break,
        };
        if !batch.rows.is_empty() && !insert_until_saved(&client, &batch.rows, stop.clone()).await {
            break; // stopping; the batch stays uncommitted and is read again next time
        }
        commit(&consumer, &batch);
    }
    tracing::info!("consumer stopped");
    Ok(())
}

/// The startup line, the consumer's counterpart of the server's: tests wait for it.
fn announce(config: &Config) {
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(
        stdout,
        "monitor-collector consuming {} into {}/{}",
        config.kafka.topic, config.clickhouse.url, config.clickhouse.database
    );
    let _ = stdout.flush();
}

async fn stopped(mut stop: watch::Receiver<bool>) {
    let _ = stop.wait_for(|stop| *stop).await;
}

/// Waits for a first message, then gathers more until the batch is full or its time is up.
async fn next_batch(consumer: &StreamConsumer, max_rows: usize, max_wait: Duration) -> Batch {
    let mut batch = Batch::default();
    loop {
        match consumer.recv().await {
            Ok(m) => {
                add(&mut batch, &m);
                break;
            }
            Err(e) => {
                tracing::warn!(error = %e, "kafka receive failed");
                sleep(Duration::from_secs(1)).await;
            }
        }
    }
    let deadline = Instant::now() + max_wait;
    while batch.messages < max_rows {
        match timeout_at(deadline, consumer.recv()).await {
            Ok(Ok(m)) => add(&mut batch, &m),
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "kafka receive failed");
                break;
            }
            Err(_) => break,
        }
    }
    batch
}

fn add(batch: &mut Batch, m: &impl Message) {
    batch.messages += 1;
    batch
        .next_offsets
        .insert((m.topic().to_owned(), m.partition()), m.offset() + 1);
    match message::decode(m.payload().unwrap_or_default()) {
        Ok(event) => batch.rows.push(EventRow::from_message(&event)),
        // Skipped but committed: a message that cannot be read now never will be.
        Err(reason) => tracing::warn!(
            partition = m.partition(),
            offset = m.offset(),
            %reason,
            "skipping a message that does not decode"
        ),
    }
}

/// Inserts until ClickHouse takes the batch; `false` if asked to stop first.
async fn insert_until_saved(
    client: &::clickhouse::Client,
    rows: &[EventRow],
    stop: watch::Receiver<bool>,
) -> bool {
    let mut delay = FIRST_RETRY;
    loop {
        match ch::insert_events(client, rows).await {
            Ok(()) => {
                tracing::debug!(rows = rows.len(), "inserted batch");
                return true;
            }
            Err(e) => {
                tracing::warn!(error = %e, rows = rows.len(), retry_in = ?delay, "insert failed")
            }
        }
        tokio::select! {
            () = sleep(delay) => {}
            () = stopped(stop.clone()) => return false,
        }
        delay = (delay * 2).min(MAX_RETRY);
    }
}

/// Commits the offsets after the batch. A failed commit (a rebalance took the partition)
/// only means those messages are read again, and their rows deduplicated.
fn commit(consumer: &StreamConsumer, batch: &Batch) {
    let mut offsets = TopicPartitionList::new();
    for ((topic, partition), next) in &batch.next_offsets {
        if let Err(e) = offsets.add_partition_offset(topic, *partition, Offset::Offset(*next)) {
            tracing::warn!(error = %e, "cannot list offset");
        }
    }
    // The synchronous commit blocks briefly; keep it off the other tasks' way.
    let result = tokio::task::block_in_place(|| consumer.commit(&offsets, CommitMode::Sync));
    if let Err(e) = result {
        tracing::warn!(error = %e, "offset commit failed; the batch will be read again");
    }
}
