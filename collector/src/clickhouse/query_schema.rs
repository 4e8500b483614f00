//! The schema the query API needs beyond the consumer's own: the columns of
//! [`crate::facts::Facts`] on `events` (migration 9), the errors' `fingerprint` and the
//! `issue_status` table (migration 10); web vitals' `attribution` (migration 13).
//!
//! They are computed in Rust when a row is made (row.rs), not by ClickHouse from the payload:
//! 18.16 has no `JSONExtract`, its `visitParam*` functions take the first key of a name at
//! any depth (a breadcrumb's `data` may hold a `user_agent` too), and the embedded store must
//! group by exactly the same values. `ALTER TABLE ... ADD COLUMN` has no `IF NOT EXISTS` on
//! 18.16, so [`super::migrate`] skips a column that is already there (see
//! [`added_column`]); rows inserted before the migration read the columns' defaults (`''`,
//! 0), as docs/clickhouse.md says.

use super::Migration;

/// `(column, type)` added to `events` by migration 9, in the order of [`super::EventRow`].
pub const QUERY_COLUMNS: &[(&str, &str)] = &[
    ("visitor_id", "String"),
    ("page_path", "String"),
    ("referrer_host", "String"),
    ("browser", "String"),
    ("os", "String"),
    ("device", "String"),
    ("value", "Float64"),
    ("rating", "String"),
    ("metric_id", "String"),
];

/// An issue's status, the one piece of mutable state: a row per change, the latest
/// (`changed_at_ms`) winning; read with `FINAL`.
const ISSUE_STATUS: &str = "CREATE TABLE IF NOT EXISTS {db}.issue_status (
    project_id       UInt64,
    fingerprint      String,
    status           String,
    resolved_release String,
    changed_at_ms    UInt64
)
ENGINE = ReplacingMergeTree(changed_at_ms)
ORDER BY (project_id, fingerprint)";

/// The migrations of the query side, for every server version.
pub fn query_migrations(db: &str) -> Vec<Migration> {
    vec![
        Migration {
            version: 9,
            name: "events: query columns",
            statements: QUERY_COLUMNS
                .iter()
                .map(|(column, kind)| format!("ALTER TABLE {db}.events ADD COLUMN {column} {kind}"))
                .collect(),
        },
        Migration {
            version: 10,
            name: "issues: fingerprint, issue_status",
            statements: vec![
                format!("ALTER TABLE {db}.events ADD COLUMN fingerprint String"),
                ISSUE_STATUS.replace("{db}", db),
            ],
        },
        Migration {
            version: 13,
            name: "events: web vitals' attribution",
            statements: vec![format!(
                "ALTER TABLE {db}.events ADD COLUMN attribution String"
            )],
        },
    ]
}

/// `(table, column)` when `statement` is one of the `ADD COLUMN`s made here, so that the
/// migration can skip a column an earlier, interrupted run (or another consumer starting at
/// the same time) already added.
pub fn added_column(statement: &str) -> Option<(&str, &str)> {
    let rest = statement.strip_prefix("ALTER TABLE ")?;
    let (table, rest) = rest.split_once(' ')?;
    let rest = rest.strip_prefix("ADD COLUMN ")?;
    let (column, _) = rest.split_once(' ')?;
    let (_, table) = table.split_once('.')?;
    Some((table, column))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_query_column_is_one_recognisable_add_column() {
        let migration = &query_migrations("m")[0];
        assert_eq!(migration.statements.len(), QUERY_COLUMNS.len());
        for (statement, (column, _)) in migration.statements.iter().zip(QUERY_COLUMNS) {
            assert_eq!(added_column(statement), Some(("events", *column)));
        }
        assert_eq!(
            migration.statements[6],
            "ALTER TABLE m.events ADD COLUMN value Float64"
        );
        assert_eq!(
            added_column("CREATE TABLE IF NOT EXISTS m.events (a String)"),
            None
        );
    }
}
