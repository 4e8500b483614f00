//! `GET /api/{project_id}/overview`: the headline figures of a period, each with its change
//! against the period of equal length before it, and as a series.
//!
//! Definitions (docs/query.md repeats them for users):
//! - page views: `page_view` events (an SPA navigation is one too);
//! - unique visitors: distinct visitor ids (`user.visitor_id`, else `user.id`) among all
//!   events of the period;
//! - sessions: distinct `user.session_id`s; a session's duration is its last event's
//!   timestamp minus its first's; in a series a session counts in the bucket of its first
//!   event;
//! - bounce rate: of the sessions with at least one page view, the share with exactly one
//!   that lasted under 10 s;
//! - error rate: `error` events per 1,000 page views.
//!
//! Rates with nothing to divide by are `null`, and so is a change against a previous value
//! of 0: "+∞ %" helps nobody.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{Aggregate, Dim, QueryStore, Range, Rank, Scope, SessionRow};
use crate::store::StoreError;

/// A count, its value in the previous period and the relative change (`0.25` is +25 %).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Count {
    pub value: u64,
    pub previous: u64,
    pub change: Option<f64>,
}

/// A ratio or an average, which may be undefined in either period.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Rate {
    pub value: Option<f64>,
    pub previous: Option<f64>,
    pub change: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Totals {
    pub events: Count,
    pub page_views: Count,
    pub unique_visitors: Count,
    pub sessions: Count,
    pub avg_session_duration_ms: Rate,
    pub bounce_rate: Rate,
    pub error_rate: Rate,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TypeCount {
    #[serde(rename = "type")]
    pub event_type: String,
    #[serde(flatten)]
    pub count: Count,
}

/// One bucket of the series.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Point {
    /// Start of the bucket, ms since the epoch.
    pub t: i64,
    pub events: u64,
    pub page_views: u64,
    pub errors: u64,
    pub unique_visitors: u64,
    pub sessions: u64,
    pub avg_session_duration_ms: Option<f64>,
    pub bounce_rate: Option<f64>,
    pub error_rate: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Period {
    pub from: i64,
    pub to: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Overview {
    pub from: i64,
    pub to: i64,
    pub interval_ms: i64,
    pub previous: Period,
    pub totals: Totals,
    /// Every type seen in either period, most frequent first.
    pub events_by_type: Vec<TypeCount>,
    pub series: Vec<Point>,
}

/// What one period (or one bucket) is made of.
#[derive(Clone, Debug, Default)]
struct Figures {
    by_type: BTreeMap<String, u64>,
    visitors: u64,
    sessions: SessionRow,
}

impl Figures {
    fn events(&self) -> u64 {
        self.by_type.values().sum()
    }

    fn of(&self, event_type: &str) -> u64 {
        self.by_type.get(event_type).copied().unwrap_or(0)
    }

    fn page_views(&self) -> u64 {
        self.of("page_view")
    }

    fn errors(&self) -> u64 {
        self.of("error")
    }

    fn avg_session_duration_ms(&self) -> Option<f64> {
        ratio(self.sessions.duration_ms_sum, self.sessions.sessions)
    }

    fn bounce_rate(&self) -> Option<f64> {
        ratio(self.sessions.bounces as f64, self.sessions.with_page_views)
    }

    fn error_rate(&self) -> Option<f64> {
        ratio(self.errors() as f64 * 1000.0, self.page_views())
    }
}

fn ratio(part: f64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part / whole as f64)
}

fn change(value: f64, previous: f64) -> Option<f64> {
    (previous != 0.0).then(|| (value - previous) / previous)
}

fn count(value: u64, previous: u64) -> Count {
    Count {
        value,
        previous,
        change: change(value as f64, previous as f64),
    }
}

fn rate(value: Option<f64>, previous: Option<f64>) -> Rate {
    Rate {
        value,
        previous,
        change: value.zip(previous).and_then(|(v, p)| change(v, p)),
    }
}

fn by_type(scope: &Scope, bucket_ms: Option<i64>) -> Aggregate {
    Aggregate {
        scope: scope.clone(),
        types: Vec::new(),
        fingerprints: Vec::new(),
        by: vec![Dim::Type],
        skip_empty: false,
        count_visitors: false,
        bucket_ms,
        top: None,
        rank: Rank::Count,
    }
}

fn visitors(scope: &Scope, bucket_ms: Option<i64>) -> Aggregate {
    Aggregate {
        by: Vec::new(),
        count_visitors: true,
        ..by_type(scope, bucket_ms)
    }
}

/// Figures per bucket start (one entry, 0, without buckets).
fn figures(
    store: &dyn QueryStore,
    scope: &Scope,
    bucket_ms: Option<i64>,
) -> Result<BTreeMap<i64, Figures>, StoreError> {
    let mut out: BTreeMap<i64, Figures> = BTreeMap::new();
    for row in store.aggregate(&by_type(scope, bucket_ms))? {
        let key = row.keys.into_iter().next().unwrap_or_default();
        *out.entry(row.bucket_ms)
            .or_default()
            .by_type
            .entry(key)
            .or_default() += row.count;
    }
    for row in store.aggregate(&visitors(scope, bucket_ms))? {
        out.entry(row.bucket_ms).or_default().visitors = row.visitors;
    }
    for row in store.sessions(scope, bucket_ms)? {
        let bucket = row.bucket_ms;
        out.entry(bucket).or_default().sessions = row;
    }
    Ok(out)
}

/// The start of every bucket of `interval_ms` that overlaps `range`, aligned to the epoch.
pub fn bucket_starts(range: &Range, interval_ms: i64) -> Vec<i64> {
    let first = range.from_ms.div_euclid(interval_ms) * interval_ms;
    (0..)
        .map(|i| first + i * interval_ms)
        .take_while(|t| *t < range.to_ms)
        .collect()
}

pub fn overview(
    store: &dyn QueryStore,
    scope: &Scope,
    interval_ms: i64,
) -> Result<Overview, StoreError> {
    let previous_range = scope.range.previous();
    let before = figures(store, &scope.with_range(previous_range), None)?
        .remove(&0)
        .unwrap_or_default();
    let mut buckets = figures(store, scope, Some(interval_ms))?;
    // The period's counts and sessions are the sums of its buckets' (a session counts in the
    // bucket it started in); only distinct visitors need a query of their own.
    let mut now = Figures::default();
    for bucket in buckets.values() {
        for (kind, n) in &bucket.by_type {
            *now.by_type.entry(kind.clone()).or_default() += n;
        }
        let (total, part) = (&mut now.sessions, &bucket.sessions);
        total.sessions += part.sessions;
        total.with_page_views += part.with_page_views;
        total.bounces += part.bounces;
        total.duration_ms_sum += part.duration_ms_sum;
    }
    now.visitors = store
        .aggregate(&visitors(scope, None))?
        .first()
        .map_or(0, |row| row.visitors);

    let mut types: Vec<TypeCount> = now
        .by_type
        .keys()
        .chain(before.by_type.keys())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .map(|name| TypeCount {
            event_type: name.clone(),
            count: count(now.of(name), before.of(name)),
        })
        .collect();
    types.sort_by_key(|t| std::cmp::Reverse(t.count.value));

    let series = bucket_starts(&scope.range, interval_ms)
        .into_iter()
        .map(|t| {
            let f = buckets.remove(&t).unwrap_or_default();
            Point {
                t,
                events: f.events(),
                page_views: f.page_views(),
                errors: f.errors(),
                unique_visitors: f.visitors,
                sessions: f.sessions.sessions,
                avg_session_duration_ms: f.avg_session_duration_ms(),
                bounce_rate: f.bounce_rate(),
                error_rate: f.error_rate(),
            }
        })
        .collect();

    Ok(Overview {
        from: scope.range.from_ms,
        to: scope.range.to_ms,
        interval_ms,
        previous: Period {
            from: previous_range.from_ms,
            to: previous_range.to_ms,
        },
        totals: Totals {
            events: count(now.events(), before.events()),
            page_views: count(now.page_views(), before.page_views()),
            unique_visitors: count(now.visitors, before.visitors),
            sessions: count(now.sessions.sessions, before.sessions.sessions),
            avg_session_duration_ms: rate(
                now.avg_session_duration_ms(),
                before.avg_session_duration_ms(),
            ),
            bounce_rate: rate(now.bounce_rate(), before.bounce_rate()),
            error_rate: rate(now.error_rate(), before.error_rate()),
        },
        events_by_type: types,
        series,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_aligned_to_the_epoch_and_cover_the_range() {
        let range = Range {
            from_ms: 90_000,
            to_ms: 300_000,
        };
        assert_eq!(
            bucket_starts(&range, 60_000),
            [60_000, 120_000, 180_000, 240_000]
        );
        let exact = Range {
            from_ms: 0,
            to_ms: 120_000,
        };
        assert_eq!(bucket_starts(&exact, 60_000), [0, 60_000]);
    }

    #[test]
    fn changes_and_rates_are_null_without_a_base() {
        assert_eq!(count(5, 4).change, Some(0.25));
        assert_eq!(count(5, 0).change, None);
        assert_eq!(rate(Some(1.0), None).change, None);
        assert_eq!(rate(Some(0.5), Some(0.25)).change, Some(1.0));
        let figures = Figures::default();
        assert_eq!(figures.error_rate(), None);
        assert_eq!(figures.bounce_rate(), None);
        let mut figures = Figures::default();
        figures.by_type.insert("page_view".into(), 4);
        figures.by_type.insert("error".into(), 2);
        assert_eq!(figures.error_rate(), Some(500.0));
    }
}
