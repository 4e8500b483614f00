//! The embedded store: one SQLite file, `{data_dir}/events.db`.
//!
//! WAL mode with `synchronous=FULL` makes every commit fsync the log, which is what lets the
//! ingest endpoint promise that a 2xx is durable; WAL also lets the read connection work
//! while a batch is being written. Each connection sits behind its own mutex: SQLite has one
//! writer at a time anyway, and a batch is one transaction.
//!
//! Each row is the event as sent plus its [`Facts`], the columns the query API filters and
//! groups by ([`schema`]); [`query`] answers the query API from them.

use std::path::Path;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

mod issues;
mod query;
pub mod retention;
pub mod schema;
mod vitals;

use rusqlite::{params, Connection, OpenFlags};

use super::{EventSink, StoreError};
use crate::facts::Facts;
use crate::validate::ValidEvent;

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
        let mut writer = Connection::open(path)?;
        writer.busy_timeout(Duration::from_secs(5))?;
        let mode: String = writer.query_row("PRAGMA journal_mode=WAL", [], |row| row.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            tracing::warn!(%mode, "sqlite refused WAL mode; reads will wait for writes");
        }
        writer.pragma_update(None, "synchronous", "FULL")?;
        schema::migrate(&mut writer)?;

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

/// The columns in the order [`schema::FACT_COLUMNS`] lists the facts.
const INSERT: &str = "INSERT OR IGNORE INTO events
    (project_id, event_id, type, timestamp, received_at, payload,
     message, level, release, environment, user_id, visitor_id, session_id, page_url,
     page_path, referrer_host, browser, os, device, value, rating, metric_id, fingerprint,
     attribution)
 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,
         ?19, ?20, ?21, ?22, ?23, ?24)";

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
            let mut insert = tx.prepare_cached(INSERT)?;
            for event in events {
                let f = Facts::of(event.event_type, &event.payload);
                insert.execute(params![
                    project_id,
                    event.event_id,
                    event.event_type.as_str(),
                    event.timestamp,
                    received_at_ms,
                    event.payload.to_string(),
                    f.message,
                    f.level,
                    f.release,
                    f.environment,
                    f.user_id,
                    f.visitor_id,
                    f.session_id,
                    f.page_url,
                    f.page_path,
                    f.referrer_host,
                    f.browser,
                    f.os,
                    f.device,
                    f.value,
                    f.rating,
                    f.metric_id,
                    f.fingerprint,
                    f.attribution,
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }
}
