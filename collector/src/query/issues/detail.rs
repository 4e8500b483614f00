//! One issue: `GET /api/{project_id}/issues/{fingerprint}` (its figures and its latest
//! event), and the status change (`PATCH`/`POST` on the same path).

use serde::Serialize;
use serde_json::Value;

use super::list::{build, statuses};
use super::{Issue, IssueGroup, IssueLifetime, IssueState, Status};
use crate::query::{QueryStore, Scope};
use crate::store::StoreError;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct IssueDetail {
    #[serde(flatten)]
    pub issue: Issue,
    pub interval_ms: i64,
    /// The latest event of the issue, whole, as sent plus `received_at`.
    pub latest_event: Value,
}

/// The lifetime of the one issue in `only`, `None` when it has no events at all.
fn lifetime(
    store: &dyn QueryStore,
    project_id: u64,
    only: &[String; 1],
) -> Result<Option<IssueLifetime>, StoreError> {
    Ok(store.issue_lifetimes(project_id, only)?.into_iter().next())
}

/// The issue `fingerprint` with its figures in `scope`; `None` when it has no events at all.
pub fn issue(
    store: &dyn QueryStore,
    scope: &Scope,
    fingerprint: &str,
    interval_ms: i64,
) -> Result<Option<IssueDetail>, StoreError> {
    let only = [fingerprint.to_owned()];
    let Some(lifetime) = lifetime(store, scope.project_id, &only)? else {
        return Ok(None);
    };
    // No events in the range is fine: the issue exists, it was just quiet.
    let group = store
        .issue_groups(scope, &only)?
        .into_iter()
        .next()
        .unwrap_or(IssueGroup {
            fingerprint: fingerprint.to_owned(),
            count: 0,
            users: 0,
            first_seen: lifetime.first_seen,
            last_seen: lifetime.last_seen,
        });
    let statuses = statuses(store, scope.project_id, &only)?;
    let issue = build(store, scope, interval_ms, &[group], &statuses)?
        .into_iter()
        .next();
    Ok(issue.map(|issue| IssueDetail {
        issue,
        interval_ms,
        latest_event: lifetime.latest,
    }))
}

/// Sets the status of issue `fingerprint` (resolving records its latest release) and gives
/// it back as [`issue`] would; `None` when the issue has no events at all.
pub fn set_status(
    store: &dyn QueryStore,
    scope: &Scope,
    fingerprint: &str,
    status: Status,
    now_ms: i64,
    interval_ms: i64,
) -> Result<Option<IssueDetail>, StoreError> {
    let only = [fingerprint.to_owned()];
    let Some(lifetime) = lifetime(store, scope.project_id, &only)? else {
        return Ok(None);
    };
    let resolved_release = match status {
        Status::Resolved => lifetime.last_release,
        _ => String::new(),
    };
    store.set_issue_state(
        scope.project_id,
        &IssueState {
            fingerprint: fingerprint.to_owned(),
            status,
            resolved_release,
            changed_at_ms: now_ms,
        },
    )?;
    issue(store, scope, fingerprint, interval_ms)
}
