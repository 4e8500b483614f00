//! The read side: what the query API asks a store, and how the answers are put together.
//!
//! Every store (the embedded SQLite file, ClickHouse in Kafka mode) implements one trait,
//! [`QueryStore`], made of a few primitive queries: find events, count events grouped by a
//! few dimensions, summarise sessions, summarise web vitals, find issues. The endpoints'
//! answers (changes against the previous period, rates, scores, regressions) are computed
//! from those primitives here, in Rust, once, so the stores cannot disagree about anything
//! but the primitives themselves; the shared query suite (collector/tests/query_suite.rs)
//! holds them to the same answers. [`sql`] builds the conditions both stores' SQL share.
//!
//! The trait is blocking, like the write side: the endpoints call it through
//! `spawn_blocking`; the ClickHouse implementation blocks on its async client there.

pub mod behaviour;
pub mod cursor;
pub mod issues;
pub mod overview;
pub mod quantile;
pub mod release;
pub mod score;
pub mod sessions;
pub mod sql;
pub mod vitals;

use serde_json::Value;

use crate::store::StoreError;
use crate::validate::EventType;

pub use cursor::Cursor;
pub use issues::{IssueGroup, IssueLifetime, IssueRelease, IssueState, Status};
pub use vitals::{VitalGroup, VitalQuery, VitalRow};

/// A time range, `[from_ms, to_ms)` in milliseconds since the epoch, on the events' own
/// `timestamp`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Range {
    pub from_ms: i64,
    pub to_ms: i64,
}

impl Range {
    pub fn len_ms(&self) -> i64 {
        self.to_ms - self.from_ms
    }

    /// The period of equal length just before this one (clamped at the epoch).
    pub fn previous(&self) -> Range {
        Range {
            from_ms: (self.from_ms - self.len_ms()).max(0),
            to_ms: self.from_ms,
        }
    }
}

/// The filters every query takes; `None` means "any".
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Filters {
    pub release: Option<String>,
    pub environment: Option<String>,
    /// A URL path (`/checkout`), matched exactly against the page's path.
    pub page: Option<String>,
    /// A browser family as the API lists them (`Chrome`, `Firefox`, `Safari`, ...).
    pub browser: Option<String>,
    /// A device type: `desktop`, `mobile` or `tablet`.
    pub device: Option<String>,
}

/// Which events a query looks at: one project, a range, the filters.
#[derive(Clone, Debug, PartialEq)]
pub struct Scope {
    pub project_id: u64,
    pub range: Range,
    pub filters: Filters,
}

impl Scope {
    pub fn with_range(&self, range: Range) -> Scope {
        Scope {
            range,
            ..self.clone()
        }
    }
}

/// A column events are grouped by. The names are the same in both stores.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dim {
    Type,
    PagePath,
    Browser,
    Os,
    Device,
    ReferrerHost,
    /// The event's headline: a click's target, a vital's name, an error's message.
    Message,
    /// An error's issue.
    Fingerprint,
}

impl Dim {
    pub fn column(self) -> &'static str {
        match self {
            Dim::Type => "type",
            Dim::PagePath => "page_path",
            Dim::Browser => "browser",
            Dim::Os => "os",
            Dim::Device => "device",
            Dim::ReferrerHost => "referrer_host",
            Dim::Message => "message",
            Dim::Fingerprint => "fingerprint",
        }
    }
}

/// Count events, grouped by `by` (and by time bucket when `bucket_ms` is set).
#[derive(Clone, Debug, PartialEq)]
pub struct Aggregate {
    pub scope: Scope,
    /// Only these types; empty means all.
    pub types: Vec<EventType>,
    /// Only the errors of these issues; empty means no such condition.
    pub fingerprints: Vec<String>,
    pub by: Vec<Dim>,
    /// Groups whose `by` values are all empty are left out (a click without a target).
    pub skip_empty: bool,
    /// Count distinct visitors per group ([`AggregateRow::visitors`], 0 otherwise): the
    /// costly part of the query, so only when the answer shows it.
    pub count_visitors: bool,
    /// Buckets of this many ms, aligned to the epoch (a day is a UTC day).
    pub bucket_ms: Option<i64>,
    /// Only the `top` largest groups by `rank`, descending, then by key, ascending, so that
    /// ties come out in the same order from every store.
    pub top: Option<usize>,
    pub rank: Rank,
}

/// What [`Aggregate::top`] ranks groups by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rank {
    Count,
    /// The sum of the events' `value` (time on page, rage clicks).
    ValueSum,
}

impl Rank {
    pub fn column(self) -> &'static str {
        match self {
            Rank::Count => "n",
            Rank::ValueSum => "value_sum",
        }
    }
}

/// One group of an [`Aggregate`].
#[derive(Clone, Debug, PartialEq)]
pub struct AggregateRow {
    /// Start of the bucket (0 without buckets).
    pub bucket_ms: i64,
    /// The values of `by`, in order.
    pub keys: Vec<String>,
    pub count: u64,
    /// Distinct non-empty visitor ids, when [`Aggregate::count_visitors`].
    pub visitors: u64,
    /// Sum of the events' `value` (durations, counts; see [`crate::facts::Facts::value`]).
    pub value_sum: f64,
}

/// Sessions (events sharing a non-empty `user.session_id`), bucketed by their first event.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SessionRow {
    pub bucket_ms: i64,
    pub sessions: u64,
    /// Sessions with at least one page view.
    pub with_page_views: u64,
    /// Sessions with exactly one page view that lasted less than [`BOUNCE_BELOW_MS`].
    pub bounces: u64,
    /// Sum of the sessions' durations (last minus first event timestamp).
    pub duration_ms_sum: f64,
}

/// A single-page session shorter than this is a bounce.
pub const BOUNCE_BELOW_MS: i64 = 10_000;

/// An event search: the scope plus finer conditions, newest first, after `before`.
#[derive(Clone, Debug, PartialEq)]
pub struct Search {
    pub scope: Scope,
    pub event_type: Option<EventType>,
    pub user_id: Option<String>,
    pub session_id: Option<String>,
    /// Case-insensitive (ASCII) substring of the event's headline.
    pub text: Option<String>,
    /// Only the events of this issue.
    pub fingerprint: Option<String>,
    /// Only events older than this position (the cursor of the previous page).
    pub before: Option<Cursor>,
    pub limit: usize,
}

/// What every store answers. Events come back as sent plus `received_at` (ms).
pub trait QueryStore: Send + Sync + 'static {
    /// A cheap query that fails when the store cannot answer (readiness).
    fn ping(&self) -> Result<(), StoreError>;

    /// One event by id.
    fn event(&self, project_id: u64, event_id: &str) -> Result<Option<Value>, StoreError>;

    /// Events matching `search`, ordered by `(timestamp, event_id)` descending, at most
    /// `search.limit`.
    fn search(&self, search: &Search) -> Result<Vec<Value>, StoreError>;

    fn aggregate(&self, query: &Aggregate) -> Result<Vec<AggregateRow>, StoreError>;

    /// Sessions in `scope`, one row per bucket (one row, bucket 0, without buckets), ordered
    /// by bucket.
    fn sessions(
        &self,
        scope: &Scope,
        bucket_ms: Option<i64>,
    ) -> Result<Vec<SessionRow>, StoreError>;

    /// The `limit` sessions of `scope` last active most recently (by their last event, then
    /// session id, descending).
    fn recent_sessions(
        &self,
        scope: &Scope,
        limit: usize,
    ) -> Result<Vec<sessions::SessionSummary>, StoreError>;

    /// The issues with errors in `scope` (all, or those of `only`): at most
    /// [`issues::MAX_GROUPS`], most frequent first, then by fingerprint.
    fn issue_groups(&self, scope: &Scope, only: &[String]) -> Result<Vec<IssueGroup>, StoreError>;

    /// What is known of these issues over all time, with their latest event.
    fn issue_lifetimes(
        &self,
        project_id: u64,
        fingerprints: &[String],
    ) -> Result<Vec<IssueLifetime>, StoreError>;

    /// For each of these issues and each release it was seen in: when its last event of
    /// that release arrived.
    fn issue_releases(
        &self,
        project_id: u64,
        fingerprints: &[String],
    ) -> Result<Vec<IssueRelease>, StoreError>;

    /// The stored statuses of these issues (an issue never changed has none).
    fn issue_states(
        &self,
        project_id: u64,
        fingerprints: &[String],
    ) -> Result<Vec<IssueState>, StoreError>;

    fn set_issue_state(&self, project_id: u64, state: &IssueState) -> Result<(), StoreError>;

    /// Web vitals by metric, group and bucket, from each instance's last report, ordered by
    /// name, key, bucket.
    fn vitals(&self, query: &VitalQuery) -> Result<Vec<VitalRow>, StoreError>;

    /// Sessions by their first (`exit: false`) or last page view's page: the `top` pages with
    /// the most sessions, ties by page.
    fn entry_pages(
        &self,
        scope: &Scope,
        exit: bool,
        top: usize,
    ) -> Result<Vec<(String, u64)>, StoreError>;
}
