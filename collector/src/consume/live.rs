//! The consumer's live aggregates in Redis, exactly once: after a batch is in ClickHouse and
//! before its offsets are committed, its cleaned events are counted in one script that also
//! moves each partition's offset watermark ([`RedisStore::apply_once`]). A batch read again
//! (the consumer died before its commit, or a rebalance gave the partition to another
//! member) meets a watermark past its offsets, and only what lies beyond it is counted.
//!
//! Redis being down must not hold up the analytical store: a batch's update is retried for
//! `redis.max_retry_ms`, then given up (counted in `/metrics`) and the batch committed.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use super::batch::Batch;
use crate::config::Config;
use crate::metrics;
use crate::realtime::aggregate::{Aggregators, Plan};
use crate::realtime::keys::Keys;
use crate::realtime::store::{Applied, RedisStore, Watermark};

const FIRST_RETRY: Duration = Duration::from_millis(100);
/// Most scripts refused for stale watermarks in a row before the batch waits a moment (two
/// members briefly writing the same partition during a rebalance).
const MAX_CONFLICTS: usize = 8;

pub struct LiveCounting {
    redis: RedisStore,
    aggregators: Aggregators,
    topic: String,
    watermark_key: String,
    /// What this consumer last learnt of each partition's watermark.
    known: HashMap<i32, Watermark>,
    max_retry: Duration,
}

impl LiveCounting {
    /// `None` without `[redis] url` (the server then counts in its memory) or without
    /// aggregators.
    pub fn for_config(config: &Config) -> Option<LiveCounting> {
        let url = config.redis.url.as_deref()?;
        let keys = Keys::new(&config.redis.key_prefix);
        let aggregators =
            Aggregators::new(Plan::new(keys.clone(), &config.realtime), &config.realtime);
        if aggregators.is_empty() {
            return None;
        }
        let redis = match RedisStore::new(url) {
            Ok(redis) => redis,
            Err(e) => {
                tracing::error!(error = %e, "redis.url does not parse; no live aggregates");
                return None;
            }
        };
        Some(LiveCounting {
            redis,
            aggregators,
            watermark_key: keys.watermark(&config.kafka.topic),
            topic: config.kafka.topic.clone(),
            known: HashMap::new(),
            max_retry: Duration::from_millis(config.redis.max_retry_ms),
        })
    }

    fn known(&self, partition: i32) -> Watermark {
        self.known
            .get(&partition)
            .cloned()
            .unwrap_or(Watermark::Unknown)
    }

    /// Counts the batch's events that no earlier delivery counted.
    pub async fn count(&mut self, batch: &Batch) {
        let next_offsets: Vec<(i32, i64)> = batch
            .next_offsets
            .iter()
            .filter(|((topic, _), _)| *topic == self.topic)
            .map(|((_, partition), next)| (*partition, *next))
            .collect();
        let started = Instant::now();
        let mut delay = FIRST_RETRY;
        let mut conflicts = 0;
        loop {
            let pending: Vec<_> = batch
                .live
                .iter()
                .filter(|placed| !self.known(placed.partition).covers(placed.offset))
                .map(|placed| &placed.event)
                .collect();
            let skipped = batch.live.len() - pending.len();
            if pending.is_empty() {
                metrics::global().realtime.redelivered(skipped);
                return;
            }
            let partitions: Vec<(i32, Watermark, i64)> = next_offsets
                .iter()
                .map(|(partition, next)| {
                    let known = self.known(*partition);
                    let moved = match known {
                        Watermark::At(at) => at.max(*next),
                        Watermark::Unknown | Watermark::Absent => *next,
                    };
                    (*partition, known, moved)
                })
                .collect();
            let ops = self.aggregators.ops(pending.iter().copied());
            match self
                .redis
                .apply_once(&self.watermark_key, &partitions, &ops)
                .await
            {
                Ok(Applied::Written) => {
                    for (partition, _, moved) in partitions {
                        self.known.insert(partition, Watermark::At(moved));
                    }
                    metrics::global().realtime.aggregated(pending.len());
                    metrics::global().realtime.redelivered(skipped);
                    return;
                }
                Ok(Applied::Conflict(current)) => {
                    for ((partition, _, _), watermark) in partitions.iter().zip(current) {
                        self.known.insert(*partition, watermark);
                    }
                    conflicts += 1;
                    if conflicts < MAX_CONFLICTS {
                        continue;
                    }
                    tracing::warn!("offset watermarks keep moving under this consumer");
                }
                Err(e) => {
                    tracing::warn!(error = %e, retry_in = ?delay, "live update failed");
                }
            }
            if started.elapsed() + delay > self.max_retry {
                metrics::global().realtime.given_up(pending.len());
                tracing::warn!(
                    events = pending.len(),
                    "Redis did not take the batch's live update within redis.max_retry_ms; \
                     committing the batch without it"
                );
                // What Redis holds is not known any more: ask again next time.
                self.known.clear();
                return;
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_secs(1));
            conflicts = 0;
        }
    }
}
