//! The real-time layer: cleaning, live aggregates, and their reads.
//!
//! # How an event flows
//!
//! 1. [`clean::Cleaner`] judges each event (filters, outliers, duplicates) and drops what
//!    should not be stored or counted, counting each drop by rule and reason.
//! 2. [`aggregate::Aggregators`] turns the kept events of a batch into merged writes
//!    ([`ops::Ops`]) under the key schema of [`keys`] (docs/realtime.md): counters,
//!    per-minute windows, daily Top-N leaderboards, unique visitors and sessions.
//! 3. A [`store::LiveStore`] applies them: Redis (`[redis] url`) or the collector's memory.
//! 4. [`read`] answers the real-time endpoints and the gRPC service from the same keys.
//!
//! Who runs steps 1-3 depends on the mode. Embedded: the ingest path, cleaning before the
//! SQLite write (so the store and the live numbers hold the same events) and counting after
//! it. Kafka: the consumer (crate::consume) cleans before the ClickHouse insert and counts
//! into Redis exactly once with per-partition offset watermarks ([`store::RedisStore`]);
//! without Redis, the server counts what it ingests into its memory instead (the consumer's
//! memory is no use to the server's readers), judging with its own cleaner.

pub mod aggregate;
pub mod clean;
pub mod event;
pub mod keys;
pub mod ops;
pub mod read;
pub mod store;

use std::sync::{Mutex, PoisonError};

pub use event::{floor_to, LiveEvent};

use crate::config::Config;
use crate::metrics;
use aggregate::{Aggregators, Plan};
use clean::Cleaner;
use keys::Keys;
use store::LiveStore;

/// What the server's ingest path does with the real-time layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IngestRole {
    /// Embedded mode: drop what cleaning drops before the store write, count the rest.
    CleanAndCount,
    /// Kafka mode without Redis: store everything (the consumer cleans), count what
    /// cleaning keeps in memory.
    CountOnly,
    /// Kafka mode with Redis: the consumer does both.
    Nothing,
}

/// The real-time layer as the server holds it.
pub struct Live {
    pub aggregators: Aggregators,
    pub store: LiveStore,
    role: IngestRole,
    cleaner: Mutex<Cleaner>,
}

impl Live {
    /// The layer `config` asks for. A Redis URL that does not parse (which
    /// [`Config::validate`] refuses) keeps the aggregates in memory.
    pub fn for_config(config: &Config) -> Live {
        let store = LiveStore::open(config.redis.url.as_deref()).unwrap_or_else(|e| {
            tracing::error!(error = %e, "keeping the live aggregates in memory");
            LiveStore::Memory(store::MemoryStore::default())
        });
        let role = match (config.kafka.enabled(), store.is_redis()) {
            (false, _) => IngestRole::CleanAndCount,
            (true, false) => IngestRole::CountOnly,
            (true, true) => IngestRole::Nothing,
        };
        let plan = Plan::new(Keys::new(&config.redis.key_prefix), &config.realtime);
        Live {
            aggregators: Aggregators::new(plan, &config.realtime),
            store,
            role,
            cleaner: Mutex::new(Cleaner::new(&config.cleaning)),
        }
    }

    pub fn role(&self) -> IngestRole {
        self.role
    }

    /// Which of `events` the ingest path keeps (`true`) and counts: the cleaning verdict,
    /// or all of them where the consumer cleans.
    pub fn judge(&self, events: &[LiveEvent]) -> Vec<bool> {
        if self.role == IngestRole::Nothing {
            return vec![true; events.len()];
        }
        let mut cleaner = self.cleaner.lock().unwrap_or_else(PoisonError::into_inner);
        events.iter().map(|e| cleaner.judge(e).is_ok()).collect()
    }

    /// The store refused the batch whose `events` [`Live::judge`] kept: forget them, so
    /// that the SDK's retry is judged afresh instead of dropped as a copy.
    pub fn forget(&self, events: &[LiveEvent]) {
        if self.role == IngestRole::Nothing {
            return;
        }
        let mut cleaner = self.cleaner.lock().unwrap_or_else(PoisonError::into_inner);
        cleaner.forget(events);
    }

    /// Counts events the ingest path stored (those [`Live::judge`] kept).
    pub async fn count(&self, events: &[LiveEvent]) {
        if self.role == IngestRole::Nothing || self.aggregators.is_empty() || events.is_empty() {
            return;
        }
        let ops = self.aggregators.ops(events);
        match self.store.apply(&ops).await {
            Ok(()) => metrics::global().realtime.aggregated(events.len()),
            Err(e) => {
                metrics::global().realtime.given_up(events.len());
                tracing::warn!(error = %e, events = events.len(), "live aggregates not updated");
            }
        }
    }
}
