//! Retention of the embedded store: events older than `retention_days` (by their own
//! `timestamp`, as ClickHouse's TTL) are deleted, at start-up and then every hour.
//!
//! The delete goes in chunks of [`CHUNK`] rows, one transaction each, so that ingest (which
//! needs the same single writer) waits at most one chunk, not the whole sweep. Deleted rows
//! leave free pages that SQLite reuses; the file does not shrink (no `VACUUM`, which would
//! rewrite it and block writes for as long).

use std::sync::Arc;
use std::time::Duration;

use rusqlite::params;

use super::{lock, SqliteStore};
use crate::store::{now_ms, StoreError};

/// Rows deleted per transaction.
pub const CHUNK: usize = 5000;
/// How often the sweep runs.
pub const EVERY: Duration = Duration::from_secs(3600);
const DAY_MS: i64 = 86_400_000;

impl SqliteStore {
    /// Deletes the events with `timestamp < cutoff_ms`; returns how many.
    pub fn delete_older_than(&self, cutoff_ms: i64) -> Result<usize, StoreError> {
        let mut deleted = 0;
        loop {
            let conn = lock(&self.writer);
            let n = conn.execute(
                "DELETE FROM events WHERE id IN
                     (SELECT id FROM events WHERE timestamp < ?1 LIMIT ?2)",
                params![cutoff_ms as f64, CHUNK as i64],
            )?;
            drop(conn);
            deleted += n;
            if n < CHUNK {
                return Ok(deleted);
            }
        }
    }
}

/// Starts the hourly sweep for `retention_days` (nothing for 0: keep forever).
pub fn spawn(store: Arc<SqliteStore>, retention_days: u32) {
    if retention_days == 0 {
        return;
    }
    tokio::spawn(async move {
        let mut every = tokio::time::interval(EVERY);
        loop {
            every.tick().await;
            let store = store.clone();
            let cutoff = now_ms() - i64::from(retention_days) * DAY_MS;
            let swept = tokio::task::spawn_blocking(move || store.delete_older_than(cutoff)).await;
            match swept {
                Ok(Ok(0)) => {}
                Ok(Ok(deleted)) => {
                    tracing::info!(deleted, retention_days, "retention: deleted old events")
                }
                Ok(Err(error)) => {
                    tracing::warn!(%error, "retention sweep failed; retrying in an hour")
                }
                Err(error) => tracing::warn!(%error, "retention sweep task failed"),
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::QueryStore;
    use crate::store::EventSink;
    use crate::validate::validate_batch;
    use serde_json::json;

    #[test]
    fn deletes_what_is_older_than_the_cutoff_in_chunks() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("events.db")).unwrap();
        let events: Vec<_> = (0..CHUNK as u64 + 7)
            .map(|n| {
                json!({"event_id": format!("{n:032x}"), "type": "custom",
                "timestamp": 1000 + n, "name": "x"})
            })
            .collect();
        let (valid, _) = validate_batch(events);
        store.write_batch(1, 1, &valid).unwrap();
        let keep_from = 1000 + CHUNK as i64;
        assert_eq!(store.delete_older_than(keep_from).unwrap(), CHUNK);
        assert_eq!(store.delete_older_than(keep_from).unwrap(), 0);
        let left = store
            .search(&crate::query::Search {
                scope: crate::query::Scope {
                    project_id: 1,
                    range: crate::query::Range {
                        from_ms: 0,
                        to_ms: i64::MAX,
                    },
                    filters: Default::default(),
                },
                event_type: None,
                user_id: None,
                session_id: None,
                text: None,
                fingerprint: None,
                before: None,
                limit: 100,
            })
            .unwrap();
        assert_eq!(left.len(), 7);
    }
}
