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
//! shows insert durations, batch sizes and, per partition, the group's committed offset and
//! lag, and `/readyz` fails while the group is stalled ([`progress`]).
//!
//! Two things keep a consumer from sitting idle for good while messages wait, whatever the
//! broker does with the group (docs/services.md has the tansu bug that made this happen):
//! static membership (`group.instance.id`, `consumer.instance_id`), so that a consumer
//! restarted after a crash takes its partitions back at once rather than joining beside its
//! dead predecessor; and a re-join (leave the group, join again as a new member) when it has
//! received nothing for `consumer.rejoin_after_ms` while the group's offsets stand still
//! with messages waiting.
//!
//! Before the insert, the batch is cleaned ([`crate::realtime::clean`]); after it, with
//! `[redis] url` set, its events are counted into the live aggregates exactly once
//! ([`live`]), then the offsets are committed.
//!
//! `MONITOR_CONSUMER_PAUSE_AFTER_INSERT_MS` (fault injection for tests, off by default) makes
//! it wait between a batch's insert (and live update) and its commit, so that a test can kill
//! it exactly where ClickHouse and Redis hold what the uncommitted offsets carry: the
//! redelivery path.
//! `MONITOR_CONSUMER_STALL_AFTER_BATCHES` makes the first member stop taking messages after
//! that many batches, as if its fetches returned nothing, so a test can see the stall in
//! `/readyz` and the re-join that ends it.

mod batch;
mod group;
mod listener;
mod live;
pub mod progress;

use std::fmt::Display;
use std::future::Future;
use std::io::Write;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rdkafka::consumer::{CommitMode, Consumer, StreamConsumer};
use rdkafka::{Offset, TopicPartitionList};
use tokio::sync::watch;
use tokio::time::sleep;

use crate::clickhouse as ch;
use crate::config::{Config, PAUSE_AFTER_INSERT_ENV, STALL_AFTER_BATCHES_ENV};
use crate::kafka::{self, DeadLetters, GroupContext};
use crate::metrics;
use crate::realtime::clean::Cleaner;
use crate::server::shutdown_signal;
use crate::RunError;
use batch::{next_batch, Batch, Next, Wait};
use group::join_group;
use listener::serve_metrics;
use live::LiveCounting;
use progress::{watch_progress, Progress};

const FIRST_RETRY: Duration = Duration::from_millis(200);
const MAX_RETRY: Duration = Duration::from_secs(30);

/// Longest wait for ClickHouse's migrations at start-up. The client has no timeout of its
/// own, and a server that accepts connections but does not answer would otherwise keep the
/// consumer from starting, silently, for ever.
const MIGRATE_TIMEOUT: Duration = Duration::from_secs(60);

/// Longest wait for the group coordinator to confirm an offset commit.
const COMMIT_TIMEOUT: Duration = Duration::from_secs(10);

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

    let dead_letters = DeadLetters::new(&config.kafka).map_err(RunError::kafka)?;
    let client = ch::client(&config.clickhouse);
    let progress = Arc::new(Mutex::new(Progress::new(Duration::from_millis(
        config.consumer.stall_timeout_ms,
    ))));
    watch_progress(&config, progress.clone())?;
    if let Some(addr) = config.consumer.metrics_listen {
        serve_metrics(addr, progress.clone()).await?;
    }

    let (stop_tx, stop) = watch::channel(false);
    let shutdown = shutdown_signal();
    tokio::spawn(async move {
        shutdown.await;
        let _ = stop_tx.send(true);
    });
    let mut cleaner = Cleaner::new(&config.cleaning);
    let mut live = LiveCounting::for_config(&config);
    let mut member = join_group(&config, 0)?;
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
    let rejoin_after = Duration::from_millis(config.consumer.rejoin_after_ms);
    let should_rejoin = |idle: Duration| {
        let progress = progress.lock().unwrap_or_else(PoisonError::into_inner);
        rejoin_after > Duration::ZERO
            && idle >= rejoin_after
            && progress
                .stalled_for(Instant::now())
                .is_some_and(|still| still >= rejoin_after)
    };
    let mut committed_batches = 0u64;
    let mut idle_since = Instant::now();
    loop {
        // Fault injection (tests only): the first member stops taking messages.
        let discard = member.generation == 0
            && config
                .consumer
                .stall_after_batches
                .is_some_and(|after| committed_batches >= after);
        let wait = Wait {
            idle_since: &mut idle_since,
            discard,
            should_rejoin: &should_rejoin,
        };
        let next = tokio::select! {
            next = next_batch(&member.consumer, max_rows, max_wait, wait) => next,
            () = stopped(stop.clone()) => break,
        };
        let mut batch = match next {
            Next::Batch(batch) => batch,
            Next::Rejoin => {
                metrics::global().consumer.rejoined();
                let generation = member.generation + 1;
                tracing::warn!(
                    idle_s = idle_since.elapsed().as_secs(),
                    generation,
                    "received nothing while the group's offsets stand still with messages \
                     waiting: leaving the group and joining again"
                );
                // Leaving (and its LeaveGroup request) blocks for a moment.
                tokio::task::block_in_place(|| drop(member));
                member = join_group(&config, generation)?;
                idle_since = Instant::now();
                continue;
            }
        };
        batch.clean(&mut cleaner);
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
        if let Some(live) = live.as_mut() {
            live.count(&batch).await;
        }
        if let Some(pause) = pause_after_insert {
            // Fault injection (tests only): a kill now leaves the rows in ClickHouse and the
            // live counts in Redis, and the offsets uncommitted. A stop now leaves them uncommitted too, as during a retry.
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
        commit(&member.consumer, &batch).await;
        committed_batches += 1;
        if config.consumer.stall_after_batches == Some(committed_batches) && member.generation == 0
        {
            tracing::warn!(
                "fault injection: {STALL_AFTER_BATCHES_ENV} reached; this member now throws \
                 away what it receives, uncommitted, until it re-joins"
            );
        }
    }
    tokio::task::block_in_place(|| drop(member));
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

/// Commits the offsets after the batch and waits for the coordinator's answer, at most
/// [`COMMIT_TIMEOUT`]. A commit that fails, times out or is lost (a crash, a rebalance that
/// took the partition) only means those messages are read again, and their rows
/// deduplicated; the next batch's commit covers the same partitions.
async fn commit(consumer: &Arc<StreamConsumer<GroupContext>>, batch: &Batch) {
    let mut offsets = TopicPartitionList::new();
    for ((topic, partition), next) in &batch.next_offsets {
        if let Err(e) = offsets.add_partition_offset(topic, *partition, Offset::Offset(*next)) {
            tracing::warn!(error = %e, "cannot list offset");
        }
    }
    let consumer = consumer.clone();
    // The synchronous commit blocks its thread; the timeout bounds our wait, not librdkafka's.
    let committing =
        tokio::task::spawn_blocking(move || consumer.commit(&offsets, CommitMode::Sync));
    let failure = match tokio::time::timeout(COMMIT_TIMEOUT, committing).await {
        Ok(Ok(Ok(()))) => {
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_millis() as u64);
            metrics::global().consumer.committed_at(now);
            return;
        }
        Ok(Ok(Err(e))) => e.to_string(),
        Ok(Err(e)) => e.to_string(),
        Err(_) => format!("no answer within {COMMIT_TIMEOUT:?}"),
    };
    metrics::global().consumer.commit_failed();
    tracing::warn!(error = %failure, "offset commit failed; the batch will be read again");
}
