//! The `consume` role: moves events from the Kafka topic into ClickHouse.
//!
//! It reads a batch (up to `clickhouse.batch_rows` messages, or whatever arrived within
//! `clickhouse.batch_ms` of the batch's first message), inserts it as one INSERT, and only
//! then commits the batch's offsets. An insert that fails is retried with backoff, forever,
//! and nothing is committed meanwhile: a crash or a stop at any point leaves the offsets at
//! the last batch ClickHouse holds, so the uncommitted messages are read again. That is
//! at-least-once delivery; the `events` table's ReplacingMergeTree removes the repeats.
//!
//! A message that does not decode would fail the same way on every read, so it must not hold
//! its partition: it goes to the dead-letter topic ([`DeadLetters`]), acknowledged by Kafka
//! before the batch's commit moves past it. With `consumer.metrics_listen` set, `/metrics`
//! shows insert durations, batch sizes and per-partition lag.
//!
//! `MONITOR_CONSUMER_PAUSE_AFTER_INSERT_MS` (fault injection for tests, off by default) makes
//! it wait between a batch's insert and its commit, so that a test can kill it exactly where
//! ClickHouse holds rows whose offsets are not committed: the redelivery path.

use std::collections::BTreeMap;
use std::fmt::Display;
use std::future::Future;
use std::io::Write;
use std::time::{Duration, Instant};

use rdkafka::consumer::{CommitMode, Consumer, StreamConsumer};
use rdkafka::message::Message;
use rdkafka::{Offset, TopicPartitionList};
use tokio::sync::watch;
use tokio::time::{sleep, timeout_at};

use crate::clickhouse::{self as ch, EventRow};
use crate::config::{Config, PAUSE_AFTER_INSERT_ENV};
use crate::kafka::{self, message, DeadLetter, DeadLetters, LagContext};
use crate::metrics;
use crate::server::shutdown_signal;
use crate::RunError;

const FIRST_RETRY: Duration = Duration::from_millis(200);
const MAX_RETRY: Duration = Duration::from_secs(30);

/// One batch: the rows to insert, the messages for the dead-letter topic and, per partition,
/// the offset to commit after them.
#[derive(Default)]
struct Batch {
    messages: usize,
    rows: Vec<EventRow>,
    dead: Vec<DeadLetter>,
    next_offsets: BTreeMap<(String, i32), i64>,
}

/// Longest wait for ClickHouse's migrations at start-up. The client has no timeout of its
/// own, and a server that accepts connections but does not answer would otherwise keep the
/// consumer from starting, silently, for ever.
const MIGRATE_TIMEOUT: Duration = Duration::from_secs(60);

/// Runs the consumer until SIGTERM or ctrl-c.
pub async fn consume(config: Config) -> Result<(), RunError> {
    // Each start-up step that waits on a service is logged before it starts, so a consumer
    // that has not printed its start-up line yet shows what it is waiting for.
    let (brokers, database) = (
        config.kafka.bootstrap_servers(),
        &config.clickhouse.database,
    );
    tracing::info!(url = %config.clickhouse.url, %database, "applying ClickHouse migrations");
    let applied = tokio::time::timeout(MIGRATE_TIMEOUT, ch::migrate(&config.clickhouse))
        .await
        .map_err(|_| {
            RunError::ClickHouse(format!(
                "{} did not answer within {MIGRATE_TIMEOUT:?} while applying migrations",
                config.clickhouse.url
            ))
        })?
        .map_err(|e| RunError::ClickHouse(format!("applying migrations: {e}")))?;
    tracing::info!(?applied, %database, "schema up to date");
    tracing::info!(%brokers, topic = %config.kafka.topic,
        dead_letter_topic = %config.kafka.dead_letter_topic, "checking the topics");
    // Bounded: the admin request times out after max(delivery_timeout_ms, 5 s).
    kafka::ensure_topic(&config.kafka)
        .await
        .map_err(|e| RunError::Kafka(format!("checking the topics on {brokers}: {e}")))?;

    let context = LagContext {
        topic: config.kafka.topic.clone(),
    };
    let consumer: StreamConsumer<LagContext> = kafka::client_config(&config.kafka)
        .set("group.id", &config.kafka.consumer_group)
        .set(
            "session.timeout.ms",
            config.kafka.session_timeout_ms.to_string(),
        )
        .set(
            "heartbeat.interval.ms",
            config.kafka.heartbeat_interval_ms().to_string(),
        )
        .set("enable.auto.commit", "false")
        .set("auto.offset.reset", "earliest")
        .set("statistics.interval.ms", kafka::STATISTICS_INTERVAL_MS)
        .create_with_context(context)
        .map_err(RunError::kafka)?;
    consumer
        .subscribe(&[&config.kafka.topic])
        .map_err(RunError::kafka)?;
    tracing::info!(group = %config.kafka.consumer_group, session_timeout_ms =
        config.kafka.session_timeout_ms, "subscribed; partitions come with the group's assignment");
    let dead_letters = DeadLetters::new(&config.kafka).map_err(RunError::kafka)?;
    let client = ch::client(&config.clickhouse);
    if let Some(addr) = config.consumer.metrics_listen {
        serve_metrics(addr).await?;
    }

    let (stop_tx, stop) = watch::channel(false);
    tokio::spawn(async move {
        shutdown_signal().await;
        let _ = stop_tx.send(true);
    });
    announce(&config);

    let max_rows = config.clickhouse.batch_rows;
    let max_wait = Duration::from_millis(config.clickhouse.batch_ms);
    let insert_timeout = Duration::from_millis(config.clickhouse.insert_timeout_ms);
    let pause_after_insert = config.consumer.pause_after_insert;
    if let Some(pause) = pause_after_insert {
        tracing::warn!(
            "fault injection: {PAUSE_AFTER_INSERT_ENV} is set, each batch waits {} ms between \
             its insert and its offset commit",
            pause.as_millis()
        );
    }
    loop {
        let batch = tokio::select! {
            batch = next_batch(&consumer, max_rows, max_wait) => batch,
            () = stopped(stop.clone()) => break,
        };
        // Either step stopping means the batch stays uncommitted and is read again next time.
        if !batch.dead.is_empty() {
            let sent = until_done("dead-letter produce", stop.clone(), || async {
                dead_letters.send(&batch.dead).await
            });
            if !sent.await {
                break;
            }
            metrics::global().dead_lettered(batch.dead.len());
            tracing::warn!(
                count = batch.dead.len(),
                topic = dead_letters.topic(),
                "dead-lettered"
            );
        }
        if !batch.rows.is_empty() {
            let inserted = until_done("insert", stop.clone(), || async {
                let started = Instant::now();
                ch::insert_events_within(&client, &batch.rows, insert_timeout).await?;
                let seconds = started.elapsed().as_secs_f64();
                metrics::global().clickhouse_insert(seconds, batch.rows.len());
                tracing::debug!(rows = batch.rows.len(), "inserted batch");
                Ok::<(), String>(())
            });
            if !inserted.await {
                break;
            }
        }
        if let Some(pause) = pause_after_insert {
            // Fault injection (tests only): a kill now leaves the rows in ClickHouse and the
            // offsets uncommitted. A stop now leaves them uncommitted too, as during a retry.
            tracing::warn!(
                "inserted {} rows; pausing {} ms before commit ({PAUSE_AFTER_INSERT_ENV})",
                batch.rows.len(),
                pause.as_millis()
            );
            tokio::select! {
                () = sleep(pause) => {}
                () = stopped(stop.clone()) => break,
            }
        }
        commit(&consumer, &batch);
    }
    tracing::info!("consumer stopped");
    Ok(())
}

/// Binds `addr` and serves `/metrics` and `/healthz` in the background.
async fn serve_metrics(addr: std::net::SocketAddr) -> Result<(), RunError> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| RunError::Bind(addr.to_string(), e))?;
    let bound = listener.local_addr().map_err(RunError::Serve)?;
    tracing::info!(addr = %bound, "consumer metrics listening");
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, crate::endpoints::metrics::router()).await {
            tracing::error!(error = %e, "consumer metrics listener failed");
        }
    });
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
async fn next_batch<C: rdkafka::consumer::ConsumerContext + 'static>(
    consumer: &StreamConsumer<C>,
    max_rows: usize,
    max_wait: Duration,
) -> Batch {
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
    let deadline = tokio::time::Instant::now() + max_wait;
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
        // A message that cannot be read now never will be: dead-letter it, then move on.
        Err(reason) => {
            tracing::warn!(
                partition = m.partition(),
                offset = m.offset(),
                %reason,
                "message does not decode; dead-lettering it"
            );
            batch.dead.push(DeadLetter::new(m, &reason));
        }
    }
}

/// Retries `attempt` with backoff until it succeeds (`true`) or a stop is asked for (`false`).
async fn until_done<F, Fut, E>(what: &str, stop: watch::Receiver<bool>, mut attempt: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<(), E>>,
    E: Display,
{
    let mut delay = FIRST_RETRY;
    loop {
        match attempt().await {
            Ok(()) => return true,
            Err(e) => tracing::warn!(error = %e, retry_in = ?delay, "{what} failed"),
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
fn commit<C: rdkafka::consumer::ConsumerContext + 'static>(
    consumer: &StreamConsumer<C>,
    batch: &Batch,
) {
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
