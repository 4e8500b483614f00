//! Web vitals and entry/exit pages in SQLite.
//!
//! Each metric instance's last report is found with a window function (`ROW_NUMBER()` over
//! the instance, newest `(timestamp, event_id)` first), the same choice as ClickHouse's
//! `argMax(..., (timestamp_ms, event_id))`. SQLite has no percentile function, so the values
//! of each group come back to Rust and [`crate::query::quantile`] computes the percentiles
//! with ClickHouse's interpolation.

use std::collections::BTreeMap;

use rusqlite::params_from_iter;

use super::query::{bucket, Bound};
use super::{lock, sql_id, SqliteStore};
use crate::query::quantile::quantiles;
use crate::query::sql::{scope_conditions, where_clause, Dialect};
use crate::query::vitals::LEVELS;
use crate::query::{Scope, VitalQuery, VitalRow};
use crate::store::StoreError;

/// One group's values and ratings.
#[derive(Default)]
struct Values {
    values: Vec<f64>,
    ratings: [u64; 3],
}

pub(super) fn vitals(store: &SqliteStore, query: &VitalQuery) -> Result<Vec<VitalRow>, StoreError> {
    sql_id(query.scope.project_id)?;
    let mut bound = Bound::default();
    let mut conditions = scope_conditions(&query.scope, &mut bound);
    conditions.push("type = 'web_vital'".to_owned());
    if !query.pages.is_empty() {
        let pages: Vec<String> = query.pages.iter().map(|p| bound.text(p)).collect();
        conditions.push(format!("page_path IN ({})", pages.join(", ")));
    }
    let key = query.group.column().unwrap_or("''");
    let partition_key = if query.group.splits_instances() {
        key
    } else {
        "''"
    };
    let sql = format!(
        "SELECT name, group_key, bucket, value, rating FROM (
             SELECT message AS name, {key} AS group_key, {} AS bucket, value, rating,
                    ROW_NUMBER() OVER (
                        PARTITION BY message,
                                     CASE WHEN metric_id = '' THEN event_id ELSE metric_id END,
                                     {partition_key}
                        ORDER BY timestamp DESC, event_id DESC) AS newest
             FROM events WHERE {})
         WHERE newest = 1",
        bucket("timestamp", query.bucket_ms),
        where_clause(&conditions)
    );
    let conn = lock(&store.reader);
    let mut statement = conn.prepare_cached(&sql)?;
    let mut groups: BTreeMap<(String, String, i64), Values> = BTreeMap::new();
    let mut rows = statement.query(params_from_iter(bound.values))?;
    while let Some(row) = rows.next()? {
        let group = groups
            .entry((row.get(0)?, row.get(1)?, row.get(2)?))
            .or_default();
        group.values.push(row.get(3)?);
        match row.get::<_, String>(4)?.as_str() {
            "good" => group.ratings[0] += 1,
            "needs-improvement" => group.ratings[1] += 1,
            "poor" => group.ratings[2] += 1,
            _ => {}
        }
    }
    Ok(groups
        .into_iter()
        .map(|((name, key, bucket_ms), mut group)| VitalRow {
            name,
            key,
            bucket_ms,
            count: group.values.len() as u64,
            percentiles: quantiles(&mut group.values, &LEVELS).unwrap_or_default(),
            good: group.ratings[0],
            needs_improvement: group.ratings[1],
            poor: group.ratings[2],
        })
        .collect())
}

pub(super) fn entry_pages(
    store: &SqliteStore,
    scope: &Scope,
    exit: bool,
    top: usize,
) -> Result<Vec<(String, u64)>, StoreError> {
    sql_id(scope.project_id)?;
    let mut bound = Bound::default();
    let conditions = scope_conditions(scope, &mut bound);
    let direction = if exit { "DESC" } else { "ASC" };
    let sql = format!(
        "SELECT page_path, COUNT(*) AS n FROM (
             SELECT page_path, ROW_NUMBER() OVER (
                 PARTITION BY session_id ORDER BY timestamp {direction}, event_id {direction}) AS nth
             FROM events WHERE {} AND type = 'page_view' AND session_id != '')
         WHERE nth = 1 GROUP BY page_path ORDER BY n DESC, page_path LIMIT {top}",
        where_clause(&conditions)
    );
    let conn = lock(&store.reader);
    let mut statement = conn.prepare_cached(&sql)?;
    let rows = statement
        .query_map(params_from_iter(bound.values), |row| {
            Ok((row.get(0)?, row.get::<_, i64>(1)? as u64))
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}
