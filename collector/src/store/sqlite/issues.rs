//! The issue primitives of [`crate::query::QueryStore`] in SQLite: groups, lifetimes,
//! releases and the `issue_status` table.
//!
//! "The release of the first event" is a correlated subquery ordered by
//! `(timestamp, event_id)`, the same tie-break ClickHouse's `argMin(..., (timestamp_ms,
//! event_id))` uses; `events_by_issue` serves it. Every condition repeats
//! `fingerprint != ''`, which is what lets SQLite use that partial index.

use rusqlite::params_from_iter;

use super::query::{stored, Bound};
use super::{lock, sql_id, SqliteStore};
use crate::query::issues::MAX_GROUPS;
use crate::query::sql::{fingerprints_condition, scope_conditions, where_clause};
use crate::query::{IssueGroup, IssueLifetime, IssueRelease, IssueState, Scope, Status};
use crate::store::StoreError;

fn issue_conditions(
    project_id: u64,
    fingerprints: &[String],
    bound: &mut Bound,
) -> Result<Vec<String>, StoreError> {
    let mut conditions = vec![
        format!("project_id = {}", sql_id(project_id)?),
        "fingerprint != ''".to_owned(),
    ];
    conditions.extend(fingerprints_condition(fingerprints, bound));
    Ok(conditions)
}

pub(super) fn groups(
    store: &SqliteStore,
    scope: &Scope,
    only: &[String],
) -> Result<Vec<IssueGroup>, StoreError> {
    sql_id(scope.project_id)?;
    let mut bound = Bound::default();
    let mut conditions = scope_conditions(scope, &mut bound);
    conditions.push("type = 'error' AND fingerprint != ''".to_owned());
    conditions.extend(fingerprints_condition(only, &mut bound));
    let sql = format!(
        "SELECT fingerprint, COUNT(*) AS n, COUNT(DISTINCT NULLIF(visitor_id, '')),
                MIN(timestamp), MAX(timestamp)
         FROM events WHERE {} GROUP BY fingerprint ORDER BY n DESC, fingerprint LIMIT {MAX_GROUPS}",
        where_clause(&conditions)
    );
    let conn = lock(&store.reader);
    let mut statement = conn.prepare_cached(&sql)?;
    let rows = statement
        .query_map(params_from_iter(bound.values), |row| {
            Ok(IssueGroup {
                fingerprint: row.get(0)?,
                count: row.get::<_, i64>(1)? as u64,
                users: row.get::<_, i64>(2)? as u64,
                first_seen: row.get(3)?,
                last_seen: row.get(4)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

pub(super) fn lifetimes(
    store: &SqliteStore,
    project_id: u64,
    fingerprints: &[String],
) -> Result<Vec<IssueLifetime>, StoreError> {
    if fingerprints.is_empty() {
        return Ok(Vec::new());
    }
    let mut bound = Bound::default();
    let conditions = issue_conditions(project_id, fingerprints, &mut bound)?;
    let same_issue =
        "FROM events f WHERE f.project_id = e.project_id AND f.fingerprint = e.fingerprint";
    let sql = format!(
        "SELECT fingerprint, COUNT(*), MIN(timestamp), MAX(timestamp),
            (SELECT release {same_issue} ORDER BY timestamp, event_id LIMIT 1),
            (SELECT release {same_issue} ORDER BY timestamp DESC, event_id DESC LIMIT 1),
            (SELECT payload {same_issue} ORDER BY timestamp DESC, event_id DESC LIMIT 1),
            (SELECT received_at {same_issue} ORDER BY timestamp DESC, event_id DESC LIMIT 1)
         FROM events e WHERE {} GROUP BY fingerprint",
        where_clause(&conditions)
    );
    let conn = lock(&store.reader);
    let mut statement = conn.prepare_cached(&sql)?;
    let rows: Vec<(IssueLifetime, String, i64)> = statement
        .query_map(params_from_iter(bound.values), |row| {
            Ok((
                IssueLifetime {
                    fingerprint: row.get(0)?,
                    count: row.get::<_, i64>(1)? as u64,
                    first_seen: row.get(2)?,
                    last_seen: row.get(3)?,
                    first_release: row.get(4)?,
                    last_release: row.get(5)?,
                    latest: serde_json::Value::Null,
                },
                row.get(6)?,
                row.get(7)?,
            ))
        })?
        .collect::<Result<_, _>>()?;
    rows.into_iter()
        .map(|(mut lifetime, payload, received_at)| {
            lifetime.latest = stored(&payload, received_at)?;
            Ok(lifetime)
        })
        .collect()
}

pub(super) fn releases(
    store: &SqliteStore,
    project_id: u64,
    fingerprints: &[String],
) -> Result<Vec<IssueRelease>, StoreError> {
    if fingerprints.is_empty() {
        return Ok(Vec::new());
    }
    let mut bound = Bound::default();
    let conditions = issue_conditions(project_id, fingerprints, &mut bound)?;
    let sql = format!(
        "SELECT fingerprint, release, MAX(received_at) FROM events WHERE {}
         GROUP BY fingerprint, release",
        where_clause(&conditions)
    );
    let conn = lock(&store.reader);
    let mut statement = conn.prepare_cached(&sql)?;
    let rows = statement
        .query_map(params_from_iter(bound.values), |row| {
            Ok(IssueRelease {
                fingerprint: row.get(0)?,
                release: row.get(1)?,
                last_received_ms: row.get(2)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

pub(super) fn states(
    store: &SqliteStore,
    project_id: u64,
    fingerprints: &[String],
) -> Result<Vec<IssueState>, StoreError> {
    if fingerprints.is_empty() {
        return Ok(Vec::new());
    }
    let mut bound = Bound::default();
    let mut conditions = vec![format!("project_id = {}", sql_id(project_id)?)];
    conditions.extend(fingerprints_condition(fingerprints, &mut bound));
    let sql = format!(
        "SELECT fingerprint, status, resolved_release, changed_at FROM issue_status WHERE {}",
        where_clause(&conditions)
    );
    let conn = lock(&store.reader);
    let mut statement = conn.prepare_cached(&sql)?;
    let rows: Vec<(String, String, String, i64)> = statement
        .query_map(params_from_iter(bound.values), |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
        })?
        .collect::<Result<_, _>>()?;
    rows.into_iter()
        .map(|(fingerprint, status, resolved_release, changed_at_ms)| {
            let status = Status::parse(&status)
                .ok_or_else(|| StoreError::Corrupt(format!("issue status {status:?}")))?;
            Ok(IssueState {
                fingerprint,
                status,
                resolved_release,
                changed_at_ms,
            })
        })
        .collect()
}

pub(super) fn set_state(
    store: &SqliteStore,
    project_id: u64,
    state: &IssueState,
) -> Result<(), StoreError> {
    let conn = lock(&store.writer);
    conn.execute(
        "INSERT OR REPLACE INTO issue_status
             (project_id, fingerprint, status, resolved_release, changed_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        rusqlite::params![
            sql_id(project_id)?,
            state.fingerprint,
            state.status.as_str(),
            state.resolved_release,
            state.changed_at_ms
        ],
    )?;
    Ok(())
}
