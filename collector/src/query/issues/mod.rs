//! Issues: errors grouped by fingerprint ([`crate::grouping`]), with a status people set.
//!
//! An issue's figures come from its events (count and users in the range, first and last
//! seen and release over all time, a count series for the sparkline, title and culprit from
//! its latest event); its status is the one stored piece of mutable state, changed through
//! the API. A resolved issue is *regressed* when one of its events arrived after it was
//! resolved in a release newer than the one it was resolved in (any release, when none was
//! known then): it then reads as unresolved, flagged `regression`, until someone changes its
//! status again. That rule is applied when reading, so no write path (ingest, consumer) has
//! to know about statuses, and both stores answer it the same way.

mod detail;
mod list;

use std::fmt;

use serde::Serialize;
use serde_json::Value;

use super::release::newer;

pub use detail::{issue, set_status, IssueDetail};
pub use list::{issues, IssueList, IssueQuery, Sort};

/// The most issues one list considers (the ones with the most events in the range).
pub const MAX_GROUPS: usize = 10_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Unresolved,
    Resolved,
    Ignored,
}

impl Status {
    pub fn parse(text: &str) -> Option<Status> {
        match text {
            "unresolved" => Some(Status::Unresolved),
            "resolved" => Some(Status::Resolved),
            "ignored" => Some(Status::Ignored),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Unresolved => "unresolved",
            Status::Resolved => "resolved",
            Status::Ignored => "ignored",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An issue's errors in a scope.
#[derive(Clone, Debug, PartialEq)]
pub struct IssueGroup {
    pub fingerprint: String,
    pub count: u64,
    /// Distinct visitors (`user.visitor_id`, else `user.id`).
    pub users: u64,
    pub first_seen: f64,
    pub last_seen: f64,
}

/// An issue over all time.
#[derive(Clone, Debug, PartialEq)]
pub struct IssueLifetime {
    pub fingerprint: String,
    pub count: u64,
    pub first_seen: f64,
    pub last_seen: f64,
    /// Releases of the first and the latest event (`''` when it had none).
    pub first_release: String,
    pub last_release: String,
    /// The latest event, as sent plus `received_at`.
    pub latest: Value,
}

/// When an issue's last event of one release arrived.
#[derive(Clone, Debug, PartialEq)]
pub struct IssueRelease {
    pub fingerprint: String,
    pub release: String,
    pub last_received_ms: i64,
}

/// An issue's stored status.
#[derive(Clone, Debug, PartialEq)]
pub struct IssueState {
    pub fingerprint: String,
    pub status: Status,
    /// The issue's latest release when it was resolved (`''` when unknown or not resolved).
    pub resolved_release: String,
    /// When the status was set (the collector's clock, ms).
    pub changed_at_ms: i64,
}

/// The status an issue reads as, and whether that is because it regressed.
pub fn effective_status(state: Option<&IssueState>, releases: &[&IssueRelease]) -> (Status, bool) {
    let Some(state) = state else {
        return (Status::Unresolved, false);
    };
    if state.status != Status::Resolved {
        return (state.status, false);
    }
    let regressed = releases.iter().any(|r| {
        r.last_received_ms > state.changed_at_ms
            && (state.resolved_release.is_empty() || newer(&r.release, &state.resolved_release))
    });
    if regressed {
        (Status::Unresolved, true)
    } else {
        (Status::Resolved, false)
    }
}

/// One bucket of an issue's sparkline.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SeriesPoint {
    pub t: i64,
    pub count: u64,
}

/// An issue as the API lists it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Issue {
    pub fingerprint: String,
    pub title: String,
    pub culprit: String,
    pub level: String,
    pub status: Status,
    /// Resolved, then seen again in a newer release.
    pub regression: bool,
    /// Events and distinct users in the range.
    pub count: u64,
    pub users: u64,
    /// Events over all time.
    pub total_count: u64,
    pub first_seen: f64,
    pub last_seen: f64,
    pub first_release: Option<String>,
    pub last_release: Option<String>,
    /// When the status was last changed through the API.
    pub status_changed_at: Option<i64>,
    /// The release it was resolved in, while resolved.
    pub resolved_in_release: Option<String>,
    pub series: Vec<SeriesPoint>,
}

fn non_empty(text: &str) -> Option<String> {
    (!text.is_empty()).then(|| text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolved(release: &str, at: i64) -> IssueState {
        IssueState {
            fingerprint: "f".into(),
            status: Status::Resolved,
            resolved_release: release.into(),
            changed_at_ms: at,
        }
    }

    fn seen(release: &str, at: i64) -> IssueRelease {
        IssueRelease {
            fingerprint: "f".into(),
            release: release.into(),
            last_received_ms: at,
        }
    }

    #[test]
    fn a_resolved_issue_regresses_only_in_a_newer_release_after_the_resolution() {
        let state = resolved("web@1.9.0", 100);
        let check = |releases: &[IssueRelease]| {
            effective_status(Some(&state), &releases.iter().collect::<Vec<_>>())
        };
        assert_eq!(
            check(&[seen("web@1.9.0", 500)]),
            (Status::Resolved, false),
            "old release"
        );
        assert_eq!(
            check(&[seen("web@1.10.0", 50)]),
            (Status::Resolved, false),
            "before"
        );
        assert_eq!(
            check(&[seen("web@1.10.0", 500)]),
            (Status::Unresolved, true)
        );
        let unknown = resolved("", 100);
        assert_eq!(
            effective_status(Some(&unknown), &[&seen("", 200)]),
            (Status::Unresolved, true)
        );
        assert_eq!(effective_status(None, &[]), (Status::Unresolved, false));
        let ignored = IssueState {
            status: Status::Ignored,
            ..resolved("", 0)
        };
        assert_eq!(
            effective_status(Some(&ignored), &[&seen("x", 9)]),
            (Status::Ignored, false)
        );
    }
}
