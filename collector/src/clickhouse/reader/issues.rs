//! The issue primitives of [`crate::query::QueryStore`] in ClickHouse.
//!
//! "The release of the first event" is `argMin(release, (timestamp_ms, event_id))`, ordered
//! by the same pair as the embedded store's subqueries, so ties come out the same. Statuses
//! are rows of `issue_status` (ReplacingMergeTree by `changed_at_ms`), read with `FINAL`:
//! the latest change wins. No alias repeats a column's name (`argMax(payload, ...) AS
//! payload`): some server versions resolve such a name to the alias, nesting the aggregate
//! in itself.

use super::sql::{quote, Literal};
use super::{float, int, text, uint, ClickHouseStore};
use crate::query::issues::MAX_GROUPS;
use crate::query::sql::{fingerprints_condition, scope_conditions, where_clause};
use crate::query::{IssueGroup, IssueLifetime, IssueRelease, IssueState, Scope, Status};
use crate::store::StoreError;

fn issue_conditions(project_id: u64, fingerprints: &[String]) -> Vec<String> {
    let mut conditions = vec![
        format!("project_id = {project_id}"),
        "type = 'error'".to_owned(),
        "fingerprint != ''".to_owned(),
    ];
    conditions.extend(fingerprints_condition(fingerprints, &mut Literal));
    conditions
}

impl ClickHouseStore {
    pub(super) fn groups(
        &self,
        scope: &Scope,
        only: &[String],
    ) -> Result<Vec<IssueGroup>, StoreError> {
        let mut conditions = scope_conditions(scope, &mut Literal);
        conditions.push("type = 'error' AND fingerprint != ''".to_owned());
        conditions.extend(fingerprints_condition(only, &mut Literal));
        let sql = format!(
            "SELECT fingerprint, count() AS n, uniqExactIf(visitor_id, visitor_id != '') AS users,
                    min(timestamp_ms) AS first_seen, max(timestamp_ms) AS last_seen
             FROM {}.events FINAL WHERE {}
             GROUP BY fingerprint ORDER BY n DESC, fingerprint LIMIT {MAX_GROUPS}",
            self.db,
            where_clause(&conditions)
        );
        Ok(self
            .rows(&sql)?
            .iter()
            .map(|row| IssueGroup {
                fingerprint: text(row, "fingerprint"),
                count: uint(row, "n"),
                users: uint(row, "users"),
                first_seen: float(row, "first_seen"),
                last_seen: float(row, "last_seen"),
            })
            .collect())
    }

    pub(super) fn lifetimes(
        &self,
        project_id: u64,
        fingerprints: &[String],
    ) -> Result<Vec<IssueLifetime>, StoreError> {
        if fingerprints.is_empty() {
            return Ok(Vec::new());
        }
        let order = "(timestamp_ms, event_id)";
        let sql = format!(
            "SELECT fingerprint, count() AS n, min(timestamp_ms) AS first_seen,
                    max(timestamp_ms) AS last_seen,
                    argMin(release, {order}) AS first_release,
                    argMax(release, {order}) AS last_release,
                    argMax(payload, {order}) AS latest_payload,
                    argMax(received_at_ms, {order}) AS latest_received_at_ms
             FROM {}.events FINAL WHERE {} GROUP BY fingerprint",
            self.db,
            where_clause(&issue_conditions(project_id, fingerprints))
        );
        self.rows(&sql)?
            .iter()
            .map(|row| {
                Ok(IssueLifetime {
                    fingerprint: text(row, "fingerprint"),
                    count: uint(row, "n"),
                    first_seen: float(row, "first_seen"),
                    last_seen: float(row, "last_seen"),
                    first_release: text(row, "first_release"),
                    last_release: text(row, "last_release"),
                    latest: super::stored(row, "latest_payload", "latest_received_at_ms")?,
                })
            })
            .collect()
    }

    pub(super) fn releases(
        &self,
        project_id: u64,
        fingerprints: &[String],
    ) -> Result<Vec<IssueRelease>, StoreError> {
        if fingerprints.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT fingerprint, release, max(received_at_ms) AS last_received
             FROM {}.events FINAL WHERE {} GROUP BY fingerprint, release",
            self.db,
            where_clause(&issue_conditions(project_id, fingerprints))
        );
        Ok(self
            .rows(&sql)?
            .iter()
            .map(|row| IssueRelease {
                fingerprint: text(row, "fingerprint"),
                release: text(row, "release"),
                last_received_ms: int(row, "last_received"),
            })
            .collect())
    }

    pub(super) fn states(
        &self,
        project_id: u64,
        fingerprints: &[String],
    ) -> Result<Vec<IssueState>, StoreError> {
        if fingerprints.is_empty() {
            return Ok(Vec::new());
        }
        let mut conditions = vec![format!("project_id = {project_id}")];
        conditions.extend(fingerprints_condition(fingerprints, &mut Literal));
        let sql = format!(
            "SELECT fingerprint, status, resolved_release, changed_at_ms
             FROM {}.issue_status FINAL WHERE {}",
            self.db,
            where_clause(&conditions)
        );
        self.rows(&sql)?
            .iter()
            .map(|row| {
                let status = text(row, "status");
                Ok(IssueState {
                    fingerprint: text(row, "fingerprint"),
                    status: Status::parse(&status)
                        .ok_or_else(|| StoreError::Corrupt(format!("issue status {status:?}")))?,
                    resolved_release: text(row, "resolved_release"),
                    changed_at_ms: int(row, "changed_at_ms"),
                })
            })
            .collect()
    }

    pub(super) fn set_state(&self, project_id: u64, state: &IssueState) -> Result<(), StoreError> {
        let sql = format!(
            "INSERT INTO {}.issue_status
                 (project_id, fingerprint, status, resolved_release, changed_at_ms)
             VALUES ({project_id}, {}, {}, {}, {})",
            self.db,
            quote(&state.fingerprint),
            quote(state.status.as_str()),
            quote(&state.resolved_release),
            state.changed_at_ms.max(0)
        );
        self.execute(&sql)
    }
}
