//! The query API's primitives ([`QueryStore`]) in SQLite.
//!
//! The conditions come from [`crate::query::sql`], shared with ClickHouse; values are bound
//! as parameters. Grouping happens in SQL; the few things SQLite has no function for are
//! spelled out: distinct non-empty visitors are `COUNT(DISTINCT NULLIF(visitor_id, ''))`,
//! time buckets integer division of the truncated timestamp.

use rusqlite::types::Value as SqlValue;
use rusqlite::{params_from_iter, Connection};
use serde_json::Value;

use super::issues;
use super::{lock, sql_id, SqliteStore};
use crate::query::sessions::SessionSummary;
use crate::query::sql::{
    aggregate_conditions, aggregate_shape, scope_conditions, search_conditions, where_clause,
    AggregateShape, Dialect,
};
use crate::query::{
    Aggregate, AggregateRow, IssueGroup, IssueLifetime, IssueRelease, IssueState, QueryStore,
    Scope, Search, SessionRow, VitalQuery, VitalRow, BOUNCE_BELOW_MS,
};
use crate::store::StoreError;

/// Collects the bound values as the conditions are written.
#[derive(Default)]
pub(super) struct Bound {
    pub values: Vec<SqlValue>,
}

impl Dialect for Bound {
    fn text(&mut self, value: &str) -> String {
        self.values.push(SqlValue::Text(value.to_owned()));
        format!("?{}", self.values.len())
    }

    fn float(&mut self, value: f64) -> String {
        self.values.push(SqlValue::Real(value));
        format!("?{}", self.values.len())
    }

    fn timestamp(&self) -> &'static str {
        "timestamp"
    }

    fn position(&self, haystack: &str, needle: &str) -> String {
        format!("instr({haystack}, {needle})")
    }
}

/// `(CAST(timestamp AS INTEGER) / I) * I`: the bucket of an event, or 0 without buckets.
pub(super) fn bucket(column: &str, bucket_ms: Option<i64>) -> String {
    match bucket_ms {
        Some(ms) => format!("(CAST({column} AS INTEGER) / {ms}) * {ms}"),
        None => "0".to_owned(),
    }
}

/// An event as the API gives it: as sent, plus `received_at`.
pub(super) fn stored(payload: &str, received_at: i64) -> Result<Value, StoreError> {
    let mut event: Value =
        serde_json::from_str(payload).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    if let Some(map) = event.as_object_mut() {
        map.insert("received_at".to_owned(), Value::from(received_at));
    }
    Ok(event)
}

fn events(conn: &Connection, sql: &str, bound: Bound) -> Result<Vec<Value>, StoreError> {
    let rows: Vec<(String, i64)> = conn
        .prepare_cached(sql)?
        .query_map(params_from_iter(bound.values), |row| {
            Ok((row.get(0)?, row.get(1)?))
        })?
        .collect::<Result<_, _>>()?;
    rows.iter()
        .map(|(payload, received_at)| stored(payload, *received_at))
        .collect()
}

impl QueryStore for SqliteStore {
    fn ping(&self) -> Result<(), StoreError> {
        let conn = lock(&self.reader);
        conn.query_row(
            "SELECT count(*) FROM (SELECT 1 FROM events LIMIT 1)",
            [],
            |_| Ok(()),
        )?;
        Ok(())
    }

    fn event(&self, project_id: u64, event_id: &str) -> Result<Option<Value>, StoreError> {
        let mut bound = Bound::default();
        let id = bound.text(event_id);
        let sql = format!(
            "SELECT payload, received_at FROM events WHERE project_id = {} AND event_id = {id}",
            sql_id(project_id)?
        );
        let conn = lock(&self.reader);
        Ok(events(&conn, &sql, bound)?.into_iter().next())
    }

    fn search(&self, search: &Search) -> Result<Vec<Value>, StoreError> {
        sql_id(search.scope.project_id)?;
        let mut bound = Bound::default();
        let conditions = search_conditions(search, &mut bound);
        let sql = format!(
            "SELECT payload, received_at FROM events WHERE {}
             ORDER BY timestamp DESC, event_id DESC LIMIT {}",
            where_clause(&conditions),
            search.limit
        );
        let conn = lock(&self.reader);
        events(&conn, &sql, bound)
    }

    fn aggregate(&self, query: &Aggregate) -> Result<Vec<AggregateRow>, StoreError> {
        sql_id(query.scope.project_id)?;
        let mut bound = Bound::default();
        let conditions = aggregate_conditions(query, &mut bound);
        let AggregateShape {
            dims,
            keys,
            order,
            limit,
        } = aggregate_shape(query);
        let visitors = if query.count_visitors {
            "COUNT(DISTINCT NULLIF(visitor_id, ''))"
        } else {
            "0"
        };
        let sql = format!(
            "SELECT {} AS bucket{keys}, COUNT(*) AS n,
                    {visitors} AS visitors, TOTAL(value) AS value_sum
             FROM events WHERE {}
             GROUP BY bucket{keys} ORDER BY {order}{limit}",
            bucket("timestamp", query.bucket_ms),
            where_clause(&conditions),
        );
        let conn = lock(&self.reader);
        let mut statement = conn.prepare_cached(&sql)?;
        let width = dims.len();
        let rows = statement
            .query_map(params_from_iter(bound.values), |row| {
                let keys = (0..width)
                    .map(|i| row.get::<_, String>(i + 1))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(AggregateRow {
                    bucket_ms: row.get(0)?,
                    keys,
                    count: row.get::<_, i64>(width + 1)? as u64,
                    visitors: row.get::<_, i64>(width + 2)? as u64,
                    value_sum: row.get(width + 3)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    fn sessions(
        &self,
        scope: &Scope,
        bucket_ms: Option<i64>,
    ) -> Result<Vec<SessionRow>, StoreError> {
        sql_id(scope.project_id)?;
        let mut bound = Bound::default();
        let conditions = scope_conditions(scope, &mut bound);
        let sql = format!(
            "SELECT bucket, COUNT(*), SUM(views > 0), SUM(views = 1 AND duration < {BOUNCE_BELOW_MS}),
                    TOTAL(duration)
             FROM (SELECT {} AS bucket, SUM(type = 'page_view') AS views,
                          MAX(timestamp) - MIN(timestamp) AS duration
                   FROM events WHERE {} AND session_id != ''
                   GROUP BY session_id)
             GROUP BY bucket ORDER BY bucket",
            bucket("MIN(timestamp)", bucket_ms),
            where_clause(&conditions),
        );
        let conn = lock(&self.reader);
        let mut statement = conn.prepare_cached(&sql)?;
        let rows = statement
            .query_map(params_from_iter(bound.values), |row| {
                Ok(SessionRow {
                    bucket_ms: row.get(0)?,
                    sessions: row.get::<_, i64>(1)? as u64,
                    with_page_views: row.get::<_, i64>(2)? as u64,
                    bounces: row.get::<_, i64>(3)? as u64,
                    duration_ms_sum: row.get(4)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    fn recent_sessions(
        &self,
        scope: &Scope,
        limit: usize,
    ) -> Result<Vec<SessionSummary>, StoreError> {
        sql_id(scope.project_id)?;
        let mut bound = Bound::default();
        let conditions = scope_conditions(scope, &mut bound);
        // Page views sort first in each session's window, so the first value over it is the
        // first page view's path (NULL without page views), as ClickHouse's argMinIf.
        let page = "CASE WHEN type = 'page_view' THEN page_path END";
        let views_first = "PARTITION BY session_id ORDER BY type != 'page_view'";
        let sql = format!(
            "SELECT session_id, MAX(visitor_id), MIN(timestamp), MAX(timestamp),
                    SUM(type = 'page_view'), COUNT(*), SUM(type = 'error'),
                    COALESCE(MAX(entry), ''), COALESCE(MAX(exit), ''),
                    MAX(browser), MAX(os), MAX(device)
             FROM (SELECT session_id, visitor_id, timestamp, type, browser, os, device,
                          FIRST_VALUE({page}) OVER ({views_first}, timestamp, event_id) AS entry,
                          FIRST_VALUE({page}) OVER ({views_first}, timestamp DESC, event_id DESC)
                              AS exit
                   FROM events WHERE {} AND session_id != '')
             GROUP BY session_id ORDER BY MAX(timestamp) DESC, session_id DESC LIMIT {limit}",
            where_clause(&conditions),
        );
        let conn = lock(&self.reader);
        let mut statement = conn.prepare_cached(&sql)?;
        let rows = statement
            .query_map(params_from_iter(bound.values), |row| {
                let (started_at, ended_at): (f64, f64) = (row.get(2)?, row.get(3)?);
                Ok(SessionSummary {
                    session_id: row.get(0)?,
                    visitor_id: row.get(1)?,
                    started_at,
                    ended_at,
                    duration_ms: ended_at - started_at,
                    page_views: row.get::<_, i64>(4)? as u64,
                    events: row.get::<_, i64>(5)? as u64,
                    errors: row.get::<_, i64>(6)? as u64,
                    entry_page: row.get(7)?,
                    exit_page: row.get(8)?,
                    browser: row.get(9)?,
                    os: row.get(10)?,
                    device: row.get(11)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    fn issue_groups(&self, scope: &Scope, only: &[String]) -> Result<Vec<IssueGroup>, StoreError> {
        issues::groups(self, scope, only)
    }

    fn issue_lifetimes(
        &self,
        project_id: u64,
        fingerprints: &[String],
    ) -> Result<Vec<IssueLifetime>, StoreError> {
        issues::lifetimes(self, project_id, fingerprints)
    }

    fn issue_releases(
        &self,
        project_id: u64,
        fingerprints: &[String],
    ) -> Result<Vec<IssueRelease>, StoreError> {
        issues::releases(self, project_id, fingerprints)
    }

    fn issue_states(
        &self,
        project_id: u64,
        fingerprints: &[String],
    ) -> Result<Vec<IssueState>, StoreError> {
        issues::states(self, project_id, fingerprints)
    }

    fn set_issue_state(&self, project_id: u64, state: &IssueState) -> Result<(), StoreError> {
        issues::set_state(self, project_id, state)
    }

    fn vitals(&self, query: &VitalQuery) -> Result<Vec<VitalRow>, StoreError> {
        super::vitals::vitals(self, query)
    }

    fn entry_pages(
        &self,
        scope: &Scope,
        exit: bool,
        top: usize,
    ) -> Result<Vec<(String, u64)>, StoreError> {
        super::vitals::entry_pages(self, scope, exit, top)
    }
}

/// The whole range of a project, for the tests.
#[cfg(test)]
fn everything(project_id: u64) -> Scope {
    Scope {
        project_id,
        range: crate::query::Range {
            from_ms: 0,
            to_ms: i64::MAX,
        },
        filters: Default::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::Cursor;
    use crate::store::EventSink;
    use crate::validate::validate_batch;
    use serde_json::json;

    fn store() -> (tempfile::TempDir, SqliteStore) {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("sub/events.db")).unwrap();
        (dir, store)
    }

    fn write(store: &SqliteStore, project_id: u64, received_at: i64, events: Vec<Value>) {
        let (valid, rejected) = validate_batch(events);
        assert!(rejected.is_empty(), "{rejected:?}");
        store.write_batch(project_id, received_at, &valid).unwrap();
    }

    fn custom(id: char, timestamp: f64) -> Value {
        json!({"event_id": id.to_string().repeat(32), "type": "custom", "timestamp": timestamp, "name": "n"})
    }

    fn search(project_id: u64, limit: usize, before: Option<Cursor>) -> Search {
        Search {
            scope: everything(project_id),
            event_type: None,
            user_id: None,
            session_id: None,
            text: None,
            fingerprint: None,
            before,
            limit,
        }
    }

    #[test]
    fn writes_dedupe_and_search_pages_newest_first() {
        let (_dir, store) = store();
        write(
            &store,
            1,
            10,
            vec![custom('a', 5.0), custom('b', 5.0), custom('c', 7.0)],
        );
        write(&store, 1, 20, vec![custom('b', 5.0)]);
        write(&store, 2, 30, vec![custom('a', 5.0)]);

        let ids = |events: &[Value]| -> Vec<String> {
            events
                .iter()
                .map(|e| e["event_id"].as_str().unwrap()[..1].to_owned())
                .collect()
        };
        let all = store.search(&search(1, 10, None)).unwrap();
        assert_eq!(
            ids(&all),
            ["c", "b", "a"],
            "timestamp, then id, descending; b once"
        );
        assert_eq!(all[1]["received_at"], json!(10), "the first copy is kept");
        let first = store.search(&search(1, 2, None)).unwrap();
        let next = Cursor::after(&first[1]).unwrap();
        // An event inserted meanwhile, newer than the cursor, does not shift the next page.
        write(&store, 1, 40, vec![custom('d', 9.0)]);
        assert_eq!(
            ids(&store.search(&search(1, 2, Some(next))).unwrap()),
            ["a"]
        );
        assert_eq!(store.search(&search(2, 10, None)).unwrap().len(), 1);
        assert_eq!(
            store.event(1, &"c".repeat(32)).unwrap().unwrap()["timestamp"],
            json!(7.0)
        );
        assert_eq!(store.event(2, &"c".repeat(32)).unwrap(), None);
        store.ping().unwrap();
    }
}
