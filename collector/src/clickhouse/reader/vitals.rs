//! Web vitals and entry/exit pages in ClickHouse.
//!
//! Each metric instance's last report is `argMax(..., (timestamp_ms, event_id))` over the
//! instance; the percentiles are ClickHouse's `quantiles` (exact, interpolated, up to 8192
//! values per group: see [`crate::query::quantile`]).

use serde_json::Value;

use super::sql::{bucket, Literal};
use super::{int, text, uint, ClickHouseStore};
use crate::query::sql::{scope_conditions, where_clause, Dialect};
use crate::query::vitals::LEVELS;
use crate::query::{Scope, VitalQuery, VitalRow};
use crate::store::StoreError;

impl ClickHouseStore {
    pub(super) fn vital_rows(&self, query: &VitalQuery) -> Result<Vec<VitalRow>, StoreError> {
        let mut conditions = scope_conditions(&query.scope, &mut Literal);
        conditions.push("type = 'web_vital'".to_owned());
        if !query.pages.is_empty() {
            let pages: Vec<String> = query.pages.iter().map(|p| Literal.text(p)).collect();
            conditions.push(format!("page_path IN ({})", pages.join(", ")));
        }
        let newest = "(timestamp_ms, event_id)";
        let (key, group_by) = match query.group.column() {
            Some(column) if query.group.splits_instances() => {
                (column.to_owned(), format!(", {column}"))
            }
            // The instance's last report's value, as in SQLite.
            Some(column) => (format!("argMax({column}, {newest})"), String::new()),
            None => ("''".to_owned(), String::new()),
        };
        let levels: Vec<String> = LEVELS.iter().map(|l| l.to_string()).collect();
        let sql = format!(
            "SELECT name, group_key, bucket, count() AS n, quantiles({})(v) AS q,
                    countIf(r = 'good') AS good, countIf(r = 'needs-improvement') AS ni,
                    countIf(r = 'poor') AS poor
             FROM (SELECT message AS name, {key} AS group_key, {} AS bucket,
                          argMax(value, {newest}) AS v, argMax(rating, {newest}) AS r
                   FROM {}.events FINAL WHERE {}
                   GROUP BY message, if(metric_id = '', event_id, metric_id){group_by})
             GROUP BY name, group_key, bucket ORDER BY name, group_key, bucket",
            levels.join(", "),
            bucket("max(timestamp_ms)", query.bucket_ms),
            self.db,
            where_clause(&conditions)
        );
        Ok(self
            .rows(&sql)?
            .iter()
            .map(|row| VitalRow {
                name: text(row, "name"),
                key: text(row, "group_key"),
                bucket_ms: int(row, "bucket"),
                count: uint(row, "n"),
                percentiles: row
                    .get("q")
                    .and_then(Value::as_array)
                    .map(|q| q.iter().filter_map(Value::as_f64).collect())
                    .unwrap_or_default(),
                good: uint(row, "good"),
                needs_improvement: uint(row, "ni"),
                poor: uint(row, "poor"),
            })
            .collect())
    }

    pub(super) fn entries(
        &self,
        scope: &Scope,
        exit: bool,
        top: usize,
    ) -> Result<Vec<(String, u64)>, StoreError> {
        let conditions = scope_conditions(scope, &mut Literal);
        let pick = if exit { "argMax" } else { "argMin" };
        let sql = format!(
            "SELECT page, count() AS n FROM (
                 SELECT {pick}(page_path, (timestamp_ms, event_id)) AS page
                 FROM {}.events FINAL
                 WHERE {} AND type = 'page_view' AND session_id != ''
                 GROUP BY session_id)
             GROUP BY page ORDER BY n DESC, page LIMIT {top}",
            self.db,
            where_clause(&conditions)
        );
        Ok(self
            .rows(&sql)?
            .iter()
            .map(|row| (text(row, "page"), uint(row, "n")))
            .collect())
    }
}
