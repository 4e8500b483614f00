//! The embedded store's schema, as numbered migrations recorded in `PRAGMA user_version`.
//!
//! 1. `events` as the first collector wrote it (idempotent, so a file from before migrations
//!    existed passes through it unchanged);
//! 2. the columns of [`Facts`], filled for the rows already there, and indexes for the query
//!    API: by time, by type and time, by session;
//! 3. issues: the errors' `fingerprint` (filled for the errors already there), an index by
//!    issue, and `issue_status`, the one table of mutable state;
//! 4. a covering index for the range scans of the overview and behaviour lists: a row with
//!    its payload is about a kilobyte, so reading the rows of a day to count them costs far
//!    more than reading the index entries (measured: about 2x on 1M events,
//!    scripts/bench/query.mjs);
//! 5. web vitals' `attribution` (what each report blames), filled for the reports already
//!    there.
//!
//! Each migration runs in one transaction together with its `user_version`, so a crash
//! leaves either the old schema or the new one.

use rusqlite::{params, Connection, Transaction};

use crate::facts::Facts;
use crate::store::StoreError;
use crate::validate::EventType;

const V1_EVENTS: &str = "
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

/// `(column, SQL type)` of the facts, in the order `insert` binds them.
pub const FACT_COLUMNS: &[(&str, &str)] = &[
    ("message", "TEXT"),
    ("level", "TEXT"),
    ("release", "TEXT"),
    ("environment", "TEXT"),
    ("user_id", "TEXT"),
    ("visitor_id", "TEXT"),
    ("session_id", "TEXT"),
    ("page_url", "TEXT"),
    ("page_path", "TEXT"),
    ("referrer_host", "TEXT"),
    ("browser", "TEXT"),
    ("os", "TEXT"),
    ("device", "TEXT"),
    ("value", "REAL"),
    ("rating", "TEXT"),
    ("metric_id", "TEXT"),
];

/// Lists are newest first by the event's timestamp now, not by arrival: the old indexes by
/// `id` serve no query any more.
const V2_INDEXES: &str = "
DROP INDEX IF EXISTS events_by_project;
DROP INDEX IF EXISTS events_by_type;
CREATE INDEX IF NOT EXISTS events_by_time ON events (project_id, timestamp, event_id);
CREATE INDEX IF NOT EXISTS events_by_type_time ON events (project_id, type, timestamp);
CREATE INDEX IF NOT EXISTS events_by_session ON events (project_id, session_id, timestamp);
";

const V3_ISSUES: &str = "
CREATE INDEX IF NOT EXISTS events_by_issue ON events (project_id, fingerprint, timestamp)
    WHERE fingerprint != '';
CREATE TABLE IF NOT EXISTS issue_status (
    project_id       INTEGER NOT NULL,
    fingerprint      TEXT    NOT NULL,
    status           TEXT    NOT NULL,
    resolved_release TEXT    NOT NULL,
    changed_at       INTEGER NOT NULL,
    PRIMARY KEY (project_id, fingerprint)
) WITHOUT ROWID;
";

const V4_FACTS_INDEX: &str = "
CREATE INDEX IF NOT EXISTS events_facts ON events (project_id, timestamp, type, session_id,
    visitor_id, page_path, browser, os, device, referrer_host, release, environment, value);
";

/// The version this code writes; a file with a newer one came from a newer collector.
pub const VERSION: i64 = 5;

/// Brings the file's schema to [`VERSION`].
pub fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let current: i64 = conn.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    if current > VERSION {
        return Err(StoreError::Corrupt(format!(
            "events.db has schema version {current}; this collector knows up to {VERSION}"
        )));
    }
    for version in current + 1..=VERSION {
        let tx = conn.transaction()?;
        match version {
            1 => tx.execute_batch(V1_EVENTS)?,
            2 => add_facts(&tx)?,
            3 => add_issues(&tx)?,
            4 => tx.execute_batch(V4_FACTS_INDEX)?,
            5 => add_attribution(&tx)?,
            _ => unreachable!("no migration {version}"),
        }
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
        tracing::info!(version, "sqlite store migrated");
    }
    Ok(())
}

fn add_facts(tx: &Transaction) -> Result<(), StoreError> {
    for (column, kind) in FACT_COLUMNS {
        let default = if *kind == "REAL" { "0" } else { "''" };
        tx.execute_batch(&format!(
            "ALTER TABLE events ADD COLUMN {column} {kind} NOT NULL DEFAULT {default}"
        ))?;
    }
    backfill(tx)?;
    tx.execute_batch(V2_INDEXES)?;
    Ok(())
}

fn add_issues(tx: &Transaction) -> Result<(), StoreError> {
    add_derived_column(tx, "fingerprint", EventType::Error, |event| {
        crate::grouping::fingerprint(event).unwrap_or_default()
    })?;
    tx.execute_batch(V3_ISSUES)?;
    Ok(())
}

fn add_attribution(tx: &Transaction) -> Result<(), StoreError> {
    add_derived_column(tx, "attribution", EventType::WebVital, |event| {
        Facts::of(EventType::WebVital, event).attribution
    })
}

/// Adds text column `column` and fills it, from each payload, for the rows of `event_type`
/// already there (the others keep `''`).
fn add_derived_column(
    tx: &Transaction,
    column: &str,
    event_type: EventType,
    derive: impl Fn(&serde_json::Value) -> String,
) -> Result<(), StoreError> {
    tx.execute_batch(&format!(
        "ALTER TABLE events ADD COLUMN {column} TEXT NOT NULL DEFAULT ''"
    ))?;
    let rows: Vec<(i64, String)> = tx
        .prepare("SELECT id, payload FROM events WHERE type = ?1")?
        .query_map([event_type.as_str()], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let mut update = tx.prepare(&format!("UPDATE events SET {column} = ?2 WHERE id = ?1"))?;
    for (id, payload) in rows {
        let Ok(event) = serde_json::from_str(&payload) else {
            continue;
        };
        let value = derive(&event);
        if !value.is_empty() {
            update.execute(params![id, value])?;
        }
    }
    Ok(())
}

/// Computes the facts of the rows written before they existed.
fn backfill(tx: &Transaction) -> Result<(), StoreError> {
    let rows: Vec<(i64, String, String)> = tx
        .prepare("SELECT id, type, payload FROM events")?
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
        .collect::<Result<_, _>>()?;
    let assignments: Vec<String> = FACT_COLUMNS
        .iter()
        .enumerate()
        .map(|(i, (column, _))| format!("{column} = ?{}", i + 2))
        .collect();
    let mut update = tx.prepare(&format!(
        "UPDATE events SET {} WHERE id = ?1",
        assignments.join(", ")
    ))?;
    for (id, event_type, payload) in rows {
        let (Some(event_type), Ok(event)) = (
            EventType::parse(&event_type),
            serde_json::from_str(&payload),
        ) else {
            continue;
        };
        let f = Facts::of(event_type, &event);
        update.execute(params![
            id,
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
        ])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_of_the_first_collector_gets_the_facts_of_its_rows() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(V1_EVENTS).unwrap();
        let event = r#"{"event_id":"a","type":"page_view","timestamp":5,"user":{"id":"u"},"page":{"url":"https://x.example/p?q"}}"#;
        conn.execute(
            "INSERT INTO events (project_id, event_id, type, timestamp, received_at, payload)
             VALUES (1, 'a', 'page_view', 5, 6, ?1)",
            [event],
        )
        .unwrap();
        let error = r#"{"event_id":"b","type":"error","timestamp":5,"exception":{"values":[{"type":"E","value":"boom"}]}}"#;
        conn.execute(
            "INSERT INTO events (project_id, event_id, type, timestamp, received_at, payload)
             VALUES (1, 'b', 'error', 5, 6, ?1)",
            [error],
        )
        .unwrap();
        let vital = r#"{"event_id":"c","type":"web_vital","timestamp":5,"name":"INP","value":300,"attribution":{"interaction_target":"button.buy"}}"#;
        conn.execute(
            "INSERT INTO events (project_id, event_id, type, timestamp, received_at, payload)
             VALUES (1, 'c', 'web_vital', 5, 6, ?1)",
            [vital],
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        let blamed: String = conn
            .query_row(
                "SELECT attribution FROM events WHERE event_id = 'c'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(blamed, "button.buy", "old vitals get their attribution");
        let (path, visitor): (String, String) = conn
            .query_row(
                "SELECT page_path, visitor_id FROM events WHERE event_id = 'a'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!((path.as_str(), visitor.as_str()), ("/p", "u"));
        let fingerprint: String = conn
            .query_row(
                "SELECT fingerprint FROM events WHERE event_id = 'b'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(fingerprint.len(), 32, "old errors get their issue");
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, VERSION);
        migrate(&mut conn).unwrap();
    }

    #[test]
    fn a_newer_file_is_refused() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", VERSION + 1)
            .unwrap();
        assert!(matches!(migrate(&mut conn), Err(StoreError::Corrupt(_))));
    }
}
