//! The query API's primitives ([`QueryStore`]) in ClickHouse: the reader of Kafka mode.
//!
//! Every query reads `events FINAL`, so an event that reached the table twice (a redelivery,
//! a retried batch; see docs/clickhouse.md) counts once: ReplacingMergeTree merges copies at
//! unknown times, `FINAL` merges them at read time. The per-minute tables are not used here
//! because they count duplicates.
//!
//! Values go into the SQL as quoted literals ([`Literal`]): 18.16 takes no server-side
//! parameters, and the client's `?` binding would also treat a `?` inside user text as a
//! placeholder. Answers come as `JSONEachRow` and are parsed by name, so a column added to a
//! query cannot silently shift the others (RowBinary carries no names).
//!
//! The trait is blocking: its methods run on the blocking pool (`spawn_blocking`) and wait
//! there for the async client on the runtime captured at construction.

mod issues;
mod sql;
mod vitals;

use std::time::Duration;

use ::clickhouse::Client;
use serde_json::{Map, Value};

use crate::config::ClickHouseConfig;
use crate::query::sessions::SessionSummary;
use crate::query::sql::{
    aggregate_conditions, aggregate_shape, scope_conditions, search_conditions, where_clause,
    AggregateShape,
};
use crate::query::{
    Aggregate, AggregateRow, IssueGroup, IssueLifetime, IssueRelease, IssueState, QueryStore,
    Scope, Search, SessionRow, VitalQuery, VitalRow, BOUNCE_BELOW_MS,
};
use crate::store::StoreError;

use sql::{bucket, Literal};

/// Longest a query may take before it counts as failed (503).
pub const QUERY_TIMEOUT: Duration = Duration::from_secs(30);

pub struct ClickHouseStore {
    client: Client,
    db: String,
    runtime: tokio::runtime::Handle,
}

type Row = Map<String, Value>;

impl ClickHouseStore {
    /// A reader of `config.database`. Must be called inside the Tokio runtime it will use.
    pub fn new(config: &ClickHouseConfig) -> ClickHouseStore {
        ClickHouseStore {
            client: super::client(config),
            db: config.database.clone(),
            runtime: tokio::runtime::Handle::current(),
        }
    }

    /// Runs `sql` and parses each line of the answer.
    fn rows(&self, sql: &str) -> Result<Vec<Row>, StoreError> {
        tracing::trace!(%sql, "clickhouse query");
        let query = self
            .client
            .query_raw(sql)
            // Numbers as numbers: 64-bit integers are quoted by default.
            .with_setting("output_format_json_quote_64bit_integers", "0");
        let bytes = self
            .runtime
            .block_on(async {
                let mut cursor = query.fetch_bytes("JSONEachRow")?;
                tokio::time::timeout(QUERY_TIMEOUT, cursor.collect())
                    .await
                    .unwrap_or_else(|_| {
                        Err(::clickhouse::error::Error::Custom(format!(
                            "no answer within {} s",
                            QUERY_TIMEOUT.as_secs()
                        )))
                    })
            })
            .map_err(|e| {
                tracing::debug!(%sql, error = %e, "clickhouse query failed");
                StoreError::Unavailable(format!("clickhouse: {e}"))
            })?;
        bytes
            .split(|b| *b == b'\n')
            .filter(|line| !line.is_empty())
            .map(|line| {
                serde_json::from_slice(line)
                    .map_err(|e| StoreError::Corrupt(format!("clickhouse answer: {e}")))
            })
            .collect()
    }

    /// Runs a statement that answers nothing (an insert).
    fn execute(&self, sql: &str) -> Result<(), StoreError> {
        tracing::trace!(%sql, "clickhouse query");
        let query = self.client.query_raw(sql);
        self.runtime
            .block_on(async {
                tokio::time::timeout(QUERY_TIMEOUT, query.execute())
                    .await
                    .unwrap_or_else(|_| {
                        Err(::clickhouse::error::Error::Custom(
                            "no answer in time".into(),
                        ))
                    })
            })
            .map_err(|e| StoreError::Unavailable(format!("clickhouse: {e}")))
    }

    fn events(&self, conditions: &[String], order_limit: &str) -> Result<Vec<Value>, StoreError> {
        let sql = format!(
            "SELECT payload, received_at_ms FROM {}.events FINAL WHERE {} {order_limit}",
            self.db,
            where_clause(conditions)
        );
        self.rows(&sql)?
            .iter()
            .map(|row| stored(row, "payload", "received_at_ms"))
            .collect()
    }
}

fn text(row: &Row, key: &str) -> String {
    row.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

fn int(row: &Row, key: &str) -> i64 {
    row.get(key).and_then(Value::as_i64).unwrap_or(0)
}

fn uint(row: &Row, key: &str) -> u64 {
    row.get(key).and_then(Value::as_u64).unwrap_or(0)
}

fn float(row: &Row, key: &str) -> f64 {
    row.get(key).and_then(Value::as_f64).unwrap_or(0.0)
}

/// An event as the API gives it: as sent (the `payload` column), plus `received_at` (the
/// `received` column).
fn stored(row: &Row, payload: &str, received: &str) -> Result<Value, StoreError> {
    let mut event: Value = serde_json::from_str(&text(row, payload))
        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
    if let Some(map) = event.as_object_mut() {
        map.insert("received_at".to_owned(), Value::from(uint(row, received)));
    }
    Ok(event)
}

impl QueryStore for ClickHouseStore {
    fn ping(&self) -> Result<(), StoreError> {
        self.rows(&format!("SELECT 1 AS one FROM {}.events LIMIT 1", self.db))
            .map(drop)
    }

    fn event(&self, project_id: u64, event_id: &str) -> Result<Option<Value>, StoreError> {
        let conditions = [
            format!("project_id = {project_id}"),
            format!("event_id = {}", sql::quote(event_id)),
        ];
        Ok(self.events(&conditions, "LIMIT 1")?.into_iter().next())
    }

    fn search(&self, search: &Search) -> Result<Vec<Value>, StoreError> {
        let conditions = search_conditions(search, &mut Literal);
        let order = format!(
            "ORDER BY timestamp_ms DESC, event_id DESC LIMIT {}",
            search.limit
        );
        self.events(&conditions, &order)
    }

    fn aggregate(&self, query: &Aggregate) -> Result<Vec<AggregateRow>, StoreError> {
        let conditions = aggregate_conditions(query, &mut Literal);
        let AggregateShape {
            dims,
            keys,
            order,
            limit,
        } = aggregate_shape(query);
        let visitors = if query.count_visitors {
            "uniqExactIf(visitor_id, visitor_id != '')"
        } else {
            "toUInt64(0)"
        };
        let sql = format!(
            "SELECT {} AS bucket{keys}, count() AS n,
                    {visitors} AS visitors, sum(value) AS value_sum
             FROM {}.events FINAL WHERE {}
             GROUP BY bucket{keys} ORDER BY {order}{limit}",
            bucket("timestamp_ms", query.bucket_ms),
            self.db,
            where_clause(&conditions),
        );
        Ok(self
            .rows(&sql)?
            .iter()
            .map(|row| AggregateRow {
                bucket_ms: int(row, "bucket"),
                keys: dims.iter().map(|c| text(row, c)).collect(),
                count: uint(row, "n"),
                visitors: uint(row, "visitors"),
                value_sum: float(row, "value_sum"),
            })
            .collect())
    }

    fn sessions(
        &self,
        scope: &Scope,
        bucket_ms: Option<i64>,
    ) -> Result<Vec<SessionRow>, StoreError> {
        let conditions = scope_conditions(scope, &mut Literal);
        let sql = format!(
            "SELECT bucket, count() AS sessions, countIf(views > 0) AS with_views,
                    countIf(views = 1 AND duration < {BOUNCE_BELOW_MS}) AS bounces,
                    sum(duration) AS duration_sum
             FROM (SELECT session_id, {} AS bucket, countIf(type = 'page_view') AS views,
                          max(timestamp_ms) - min(timestamp_ms) AS duration
                   FROM {}.events FINAL WHERE {} AND session_id != ''
                   GROUP BY session_id)
             GROUP BY bucket ORDER BY bucket",
            bucket("min(timestamp_ms)", bucket_ms),
            self.db,
            where_clause(&conditions),
        );
        Ok(self
            .rows(&sql)?
            .iter()
            .map(|row| SessionRow {
                bucket_ms: int(row, "bucket"),
                sessions: uint(row, "sessions"),
                with_page_views: uint(row, "with_views"),
                bounces: uint(row, "bounces"),
                duration_ms_sum: float(row, "duration_sum"),
            })
            .collect())
    }

    fn recent_sessions(
        &self,
        scope: &Scope,
        limit: usize,
    ) -> Result<Vec<SessionSummary>, StoreError> {
        let conditions = scope_conditions(scope, &mut Literal);
        let order = "(timestamp_ms, event_id)";
        // No alias may be a column's name: ClickHouse would read the filters' `browser = ...`
        // as a condition on the aggregate.
        let sql = format!(
            "SELECT session_id, max(visitor_id) AS visitor, min(timestamp_ms) AS started,
                    max(timestamp_ms) AS ended, countIf(type = 'page_view') AS views,
                    count() AS n, countIf(type = 'error') AS errors,
                    argMinIf(page_path, {order}, type = 'page_view') AS entry,
                    argMaxIf(page_path, {order}, type = 'page_view') AS exit,
                    max(browser) AS s_browser, max(os) AS s_os, max(device) AS s_device
             FROM {}.events FINAL WHERE {} AND session_id != ''
             GROUP BY session_id ORDER BY ended DESC, session_id DESC LIMIT {limit}",
            self.db,
            where_clause(&conditions),
        );
        Ok(self
            .rows(&sql)?
            .iter()
            .map(|row| {
                let (started_at, ended_at) = (float(row, "started"), float(row, "ended"));
                SessionSummary {
                    session_id: text(row, "session_id"),
                    visitor_id: text(row, "visitor"),
                    started_at,
                    ended_at,
                    duration_ms: ended_at - started_at,
                    page_views: uint(row, "views"),
                    events: uint(row, "n"),
                    errors: uint(row, "errors"),
                    entry_page: text(row, "entry"),
                    exit_page: text(row, "exit"),
                    browser: text(row, "s_browser"),
                    os: text(row, "s_os"),
                    device: text(row, "s_device"),
                }
            })
            .collect())
    }

    fn issue_groups(&self, scope: &Scope, only: &[String]) -> Result<Vec<IssueGroup>, StoreError> {
        self.groups(scope, only)
    }

    fn issue_lifetimes(
        &self,
        project_id: u64,
        fingerprints: &[String],
    ) -> Result<Vec<IssueLifetime>, StoreError> {
        self.lifetimes(project_id, fingerprints)
    }

    fn issue_releases(
        &self,
        project_id: u64,
        fingerprints: &[String],
    ) -> Result<Vec<IssueRelease>, StoreError> {
        self.releases(project_id, fingerprints)
    }

    fn issue_states(
        &self,
        project_id: u64,
        fingerprints: &[String],
    ) -> Result<Vec<IssueState>, StoreError> {
        self.states(project_id, fingerprints)
    }

    fn set_issue_state(&self, project_id: u64, state: &IssueState) -> Result<(), StoreError> {
        self.set_state(project_id, state)
    }

    fn vitals(&self, query: &VitalQuery) -> Result<Vec<VitalRow>, StoreError> {
        self.vital_rows(query)
    }

    fn entry_pages(
        &self,
        scope: &Scope,
        exit: bool,
        top: usize,
    ) -> Result<Vec<(String, u64)>, StoreError> {
        self.entries(scope, exit, top)
    }
}
