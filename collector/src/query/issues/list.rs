//! `GET /api/{project_id}/issues`: the issues with errors in the range, filtered by status,
//! sorted, a page of them with their figures.

use std::collections::HashMap;

use serde::Serialize;

use super::{
    effective_status, non_empty, Issue, IssueGroup, IssueRelease, IssueState, SeriesPoint, Status,
};
use crate::query::overview::bucket_starts;
use crate::query::{Aggregate, Dim, QueryStore, Rank, Scope};
use crate::store::StoreError;
use crate::validate::EventType;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sort {
    /// Most events in the range first.
    Count,
    /// Most distinct users in the range first.
    Users,
    /// Most recently seen first.
    LastSeen,
}

impl Sort {
    pub fn parse(text: &str) -> Option<Sort> {
        match text {
            "count" => Some(Sort::Count),
            "users" => Some(Sort::Users),
            "last_seen" => Some(Sort::LastSeen),
            _ => None,
        }
    }
}

#[derive(Clone, Debug)]
pub struct IssueQuery {
    pub scope: Scope,
    /// Only issues reading as this status; `None` for all.
    pub status: Option<Status>,
    pub sort: Sort,
    pub limit: usize,
    pub interval_ms: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct IssueList {
    pub from: i64,
    pub to: i64,
    pub interval_ms: i64,
    /// Issues matching the status filter (the list holds at most `limit` of them).
    pub total: usize,
    pub issues: Vec<Issue>,
}

/// How an issue's status reads now, and the stored state it comes from.
#[derive(Clone, Debug)]
pub(super) struct Reading {
    status: Status,
    regression: bool,
    state: Option<IssueState>,
}

/// Statuses and regressions of these issues, as they read now.
pub(super) fn statuses(
    store: &dyn QueryStore,
    project_id: u64,
    fingerprints: &[String],
) -> Result<HashMap<String, Reading>, StoreError> {
    let states: HashMap<String, IssueState> = store
        .issue_states(project_id, fingerprints)?
        .into_iter()
        .map(|s| (s.fingerprint.clone(), s))
        .collect();
    let resolved: Vec<String> = states
        .values()
        .filter(|s| s.status == Status::Resolved)
        .map(|s| s.fingerprint.clone())
        .collect();
    let releases = if resolved.is_empty() {
        Vec::new()
    } else {
        store.issue_releases(project_id, &resolved)?
    };
    let mut by_issue: HashMap<&str, Vec<&IssueRelease>> = HashMap::new();
    for release in &releases {
        by_issue
            .entry(release.fingerprint.as_str())
            .or_default()
            .push(release);
    }
    Ok(fingerprints
        .iter()
        .map(|f| {
            let state = states.get(f);
            let seen = by_issue.get(f.as_str()).map_or(&[][..], Vec::as_slice);
            let (status, regression) = effective_status(state, seen);
            let reading = Reading {
                status,
                regression,
                state: state.cloned(),
            };
            (f.clone(), reading)
        })
        .collect())
}

/// The issues of `groups` with their lifetimes, statuses and sparklines, in the given order.
pub(super) fn build(
    store: &dyn QueryStore,
    scope: &Scope,
    interval_ms: i64,
    groups: &[IssueGroup],
    statuses: &HashMap<String, Reading>,
) -> Result<Vec<Issue>, StoreError> {
    let fingerprints: Vec<String> = groups.iter().map(|g| g.fingerprint.clone()).collect();
    if fingerprints.is_empty() {
        return Ok(Vec::new());
    }
    let lifetimes: HashMap<String, _> = store
        .issue_lifetimes(scope.project_id, &fingerprints)?
        .into_iter()
        .map(|l| (l.fingerprint.clone(), l))
        .collect();
    let mut counts: HashMap<(String, i64), u64> = HashMap::new();
    let series = Aggregate {
        scope: scope.clone(),
        types: vec![EventType::Error],
        fingerprints: fingerprints.clone(),
        by: vec![Dim::Fingerprint],
        skip_empty: true,
        count_visitors: false,
        bucket_ms: Some(interval_ms),
        top: None,
        rank: Rank::Count,
    };
    for row in store.aggregate(&series)? {
        let key = row.keys.into_iter().next().unwrap_or_default();
        counts.insert((key, row.bucket_ms), row.count);
    }
    let buckets = bucket_starts(&scope.range, interval_ms);
    let mut issues = Vec::with_capacity(groups.len());
    for group in groups {
        // An issue whose events were deleted meanwhile (retention) is left out.
        let Some(lifetime) = lifetimes.get(&group.fingerprint) else {
            continue;
        };
        let summary = crate::grouping::summary(&lifetime.latest);
        let Reading {
            status,
            regression,
            state,
        } = statuses
            .get(&group.fingerprint)
            .cloned()
            .unwrap_or(Reading {
                status: Status::Unresolved,
                regression: false,
                state: None,
            });
        issues.push(Issue {
            fingerprint: group.fingerprint.clone(),
            title: summary.title,
            culprit: summary.culprit,
            level: summary.level,
            status,
            regression,
            count: group.count,
            users: group.users,
            total_count: lifetime.count,
            first_seen: lifetime.first_seen,
            last_seen: lifetime.last_seen,
            first_release: non_empty(&lifetime.first_release),
            last_release: non_empty(&lifetime.last_release),
            status_changed_at: state.as_ref().map(|s| s.changed_at_ms),
            resolved_in_release: state
                .as_ref()
                .filter(|_| status == Status::Resolved)
                .and_then(|s| non_empty(&s.resolved_release)),
            series: buckets
                .iter()
                .map(|t| SeriesPoint {
                    t: *t,
                    count: counts
                        .get(&(group.fingerprint.clone(), *t))
                        .copied()
                        .unwrap_or(0),
                })
                .collect(),
        });
    }
    Ok(issues)
}

pub fn issues(store: &dyn QueryStore, query: &IssueQuery) -> Result<IssueList, StoreError> {
    let scope = &query.scope;
    let mut groups = store.issue_groups(scope, &[])?;
    let fingerprints: Vec<String> = groups.iter().map(|g| g.fingerprint.clone()).collect();
    let statuses = statuses(store, scope.project_id, &fingerprints)?;
    groups.retain(|g| {
        query
            .status
            .is_none_or(|wanted| statuses.get(&g.fingerprint).map(|s| s.status) == Some(wanted))
    });
    // The store's order (count, then fingerprint) breaks the ties of the other sorts too.
    match query.sort {
        Sort::Count => {}
        Sort::Users => groups.sort_by_key(|g| std::cmp::Reverse(g.users)),
        Sort::LastSeen => groups.sort_by(|a, b| b.last_seen.total_cmp(&a.last_seen)),
    }
    let total = groups.len();
    groups.truncate(query.limit);
    Ok(IssueList {
        from: scope.range.from_ms,
        to: scope.range.to_ms,
        interval_ms: query.interval_ms,
        total,
        issues: build(store, scope, query.interval_ms, &groups, &statuses)?,
    })
}
