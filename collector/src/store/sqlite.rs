//! The embedded store: one SQLite file, `{data_dir}/events.db`.
//!
//! WAL mode with `synchronous=FULL` makes every commit fsync the log, which is what lets the
//! ingest endpoint promise that a 2xx is durable; WAL also lets the read connection work
//! while a batch is being written. Each connection sits behind its own mutex: SQLite has one
//! writer at a time anyway, and a batch is one transaction.

use std::path::Path;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use rusqlite::{params, Connection, OpenFlags};
use serde_json::Value;

use super::{EventQuery, EventReader, EventSink, StoreError};
use crate::validate::ValidEvent;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS events (
    id          INTEGER PRIMARY KEY,
    project_id  INTEGER NOT NULL,
    event_id    TEXT    NOT NULL,
    type        TEXT    NOT NULL,
    timestamp   REAL    NOT NULL,
    received_at INTEGER NOT NULL,
    payload     TEXT    NOT NULL,
    UNIQUE (project_id, event_id)
);
CREATE INDEX IF NOT EXISTS events_by_project ON events (project_id, id);
CREATE INDEX IF NOT EXISTS events_by_type ON events (project_id, type, id);
";

pub struct SqliteStore {
    writer: Mutex<Connection>,
    reader: Mutex<Connection>,
}

impl SqliteStore {
    /// Opens (creating if needed) the database file and its directory.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let writer = Connection::open(path)?;
        writer.busy_timeout(Duration::from_secs(5))?;
        let mode: String = writer.query_row("PRAGMA journal_mode=WAL", [], |row| row.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            tracing::warn!(%mode, "sqlite refused WAL mode; reads will wait for writes");
        }
        writer.pragma_update(None, "synchronous", "FULL")?;
        writer.execute_batch(SCHEMA)?;

        let reader = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        reader.busy_timeout(Duration::from_secs(5))?;
        Ok(SqliteStore {
            writer: Mutex::new(writer),
            reader: Mutex::new(reader),
        })
    }
}

/// A panic while holding the lock cannot leave a half-written batch behind (the transaction
/// rolls back when dropped), so a poisoned mutex is safe to keep using.
fn lock(mutex: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

fn sql_id(project_id: u64) -> Result<i64, StoreError> {
    i64::try_from(project_id)
        .map_err(|_| StoreError::Corrupt(format!("project id {project_id} does not fit SQLite")))
}

impl EventSink for SqliteStore {
    fn write_batch(
        &self,
        project_id: u64,
        received_at_ms: i64,
        events: &[ValidEvent],
    ) -> Result<(), StoreError> {
        let project_id = sql_id(project_id)?;
        let mut conn = lock(&self.writer);
        let tx = conn.transaction()?;
        {
            let mut insert = tx.prepare_cached(
                "INSERT OR IGNORE INTO events
                     (project_id, event_id, type, timestamp, received_at, payload)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            for event in events {
                insert.execute(params![
                    project_id,
                    event.event_id,
                    event.event_type.as_str(),
                    event.timestamp,
                    received_at_ms,
                    event.payload.to_string(),
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }
}

impl EventReader for SqliteStore {
    fn query(&self, query: &EventQuery) -> Result<Vec<Value>, StoreError> {
        let project_id = sql_id(query.project_id)?;
        let limit = i64::try_from(query.limit).unwrap_or(i64::MAX);
        let conn = lock(&self.reader);
        // Insertion order is arrival order, which a skewed client clock cannot disturb.
        let rows: Vec<(String, i64)> = match query.event_type {
            Some(event_type) => conn
                .prepare_cached(
                    "SELECT payload, received_at FROM events
                     WHERE project_id = ?1 AND type = ?2 ORDER BY id DESC LIMIT ?3",
                )?
                .query_map(params![project_id, event_type.as_str(), limit], |row| {
                    Ok((row.get(0)?, row.get(1)?))
                })?
                .collect::<Result<_, _>>()?,
            None => conn
                .prepare_cached(
                    "SELECT payload, received_at FROM events
                     WHERE project_id = ?1 ORDER BY id DESC LIMIT ?2",
                )?
                .query_map(params![project_id, limit], |row| {
                    Ok((row.get(0)?, row.get(1)?))
                })?
                .collect::<Result<_, _>>()?,
        };
        rows.into_iter()
            .map(|(payload, received_at)| {
                let mut event: Value = serde_json::from_str(&payload)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                if let Some(map) = event.as_object_mut() {
                    map.insert("received_at".to_owned(), Value::from(received_at));
                }
                Ok(event)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::validate_batch;
    use serde_json::json;

    fn events(ids: &[&str]) -> Vec<ValidEvent> {
        let values = ids
            .iter()
            .map(|id| json!({"event_id": id, "type": "custom", "timestamp": 1, "name": "n"}))
            .collect();
        validate_batch(values).0
    }

    #[test]
    fn writes_dedupes_and_reads_newest_first() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("sub/events.db")).unwrap();
        let a = "a".repeat(32);
        let b = "b".repeat(32);
        store.write_batch(1, 10, &events(&[&a, &b])).unwrap();
        store.write_batch(1, 20, &events(&[&b])).unwrap();
        store.write_batch(2, 30, &events(&[&a])).unwrap();

        let query = |project_id, limit| {
            store
                .query(&EventQuery {
                    project_id,
                    event_type: None,
                    limit,
                })
                .unwrap()
        };
        let found = query(1, 10);
        assert_eq!(found.len(), 2, "the retried event is stored once");
        assert_eq!(found[0]["event_id"], json!(b));
        assert_eq!(found[0]["received_at"], json!(10));
        assert_eq!(query(1, 1).len(), 1);
        assert_eq!(query(2, 10).len(), 1);
        let errors = EventQuery {
            project_id: 1,
            event_type: Some(crate::validate::EventType::Error),
            limit: 10,
        };
        assert!(store.query(&errors).unwrap().is_empty());
    }
}
