//! Where accepted events go, and where the read API finds them.
//!
//! Writing ([`EventSink`]) and reading ([`crate::query::QueryStore`]) are separate traits
//! because they need not be the same system: the embedded SQLite store ([`SqliteStore`])
//! does both, while in Kafka mode `crate::kafka::KafkaSink` writes and
//! `crate::clickhouse::ClickHouseStore` reads. Both traits are blocking; the endpoints call
//! them through `spawn_blocking` so that a slow disk never stalls the async workers.

pub mod sqlite;

use std::fmt;

use crate::validate::ValidEvent;

pub use sqlite::SqliteStore;

/// Takes accepted events. Returning `Ok` promises the events are durable: the ingest endpoint
/// answers 2xx only after that.
pub trait EventSink: Send + Sync + 'static {
    /// Writes one batch. Events whose `(project_id, event_id)` is already stored are skipped
    /// silently, so a retried batch is not stored twice.
    fn write_batch(
        &self,
        project_id: u64,
        received_at_ms: i64,
        events: &[ValidEvent],
    ) -> Result<(), StoreError>;
}

/// Why the store could not do its job. Every case is the collector's problem, not the
/// client's, so all of them become 503 with `Retry-After`.
#[derive(Debug)]
pub enum StoreError {
    Sqlite(rusqlite::Error),
    Io(std::io::Error),
    /// A stored payload no longer parses (only possible if the file was edited by hand).
    Corrupt(String),
    /// The blocking task running the store call died.
    TaskFailed(String),
    /// Kafka did not acknowledge every event of the batch in time (Kafka mode).
    Kafka(String),
    /// Kafka cannot take events and the on-disk spool is at its bound (`kafka.spool_max_bytes`).
    SpoolFull(u64),
    /// The store cannot answer this now (ClickHouse without the schema yet, unreachable).
    Unavailable(String),
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Sqlite(e) => write!(f, "sqlite: {e}"),
            StoreError::Io(e) => write!(f, "io: {e}"),
            StoreError::Corrupt(e) => write!(f, "corrupt stored event: {e}"),
            StoreError::TaskFailed(e) => write!(f, "store task failed: {e}"),
            StoreError::Kafka(e) => write!(f, "kafka: {e}"),
            StoreError::SpoolFull(max) => {
                write!(f, "kafka unavailable and spool full ({max} bytes)")
            }
            StoreError::Unavailable(e) => write!(f, "unavailable: {e}"),
        }
    }
}

impl std::error::Error for StoreError {}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Sqlite(e)
    }
}

impl From<std::io::Error> for StoreError {
    fn from(e: std::io::Error) -> Self {
        StoreError::Io(e)
    }
}

impl From<tokio::task::JoinError> for StoreError {
    fn from(e: tokio::task::JoinError) -> Self {
        StoreError::TaskFailed(e.to_string())
    }
}

/// Milliseconds since the Unix epoch, the unit of every timestamp in the protocol.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}
