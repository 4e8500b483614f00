//! `GET /api/{project_id}/sessions`: the sessions of the range (events sharing a non-empty
//! `user.session_id`), the most recently active first, each summed up: when it started and
//! ended, its page views, events and errors, the page it entered and left by, its browser,
//! OS and device. A session is seen through the range and filters: its events outside them
//! are not counted.

use serde::Serialize;

use super::{QueryStore, Scope};
use crate::store::StoreError;

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct SessionSummary {
    pub session_id: String,
    /// The greatest of its visitor ids (a session has one; the rule keeps both stores equal
    /// when a client sent two).
    pub visitor_id: String,
    /// Its first and last event's timestamp, ms since the epoch.
    pub started_at: f64,
    pub ended_at: f64,
    pub duration_ms: f64,
    pub page_views: u64,
    pub events: u64,
    pub errors: u64,
    /// The path of its first and last page view (`(timestamp, event_id)` order); empty
    /// without page views.
    pub entry_page: String,
    pub exit_page: String,
    /// The greatest of its events' browser, OS and device (one each, but for a client that
    /// changed user agent).
    pub browser: String,
    pub os: String,
    pub device: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SessionList {
    pub from: i64,
    pub to: i64,
    pub sessions: Vec<SessionSummary>,
}

pub fn session_list(
    store: &dyn QueryStore,
    scope: &Scope,
    limit: usize,
) -> Result<SessionList, StoreError> {
    Ok(SessionList {
        from: scope.range.from_ms,
        to: scope.range.to_ms,
        sessions: store.recent_sessions(scope, limit)?,
    })
}
