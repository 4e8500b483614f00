//! `GET /api/{project_id}/vitals`: web vitals as percentiles and rating shares, overall,
//! per page (the most viewed), per browser and per device type; a P75 series per metric;
//! the performance score ([`super::score`]) overall and per page; and attribution: the LCP
//! elements, INP interaction targets and CLS shift targets blamed most often, each with its
//! own percentiles.
//!
//! A metric instance (one `id` of one page load) may be reported several times (CLS and INP
//! grow while the page lives; see docs/sdk.md): only its last report counts, so a page that
//! reported CLS three times weighs as much as one that reported it once. Reports without an
//! `id` count each on their own.

use std::collections::BTreeMap;

use serde::Serialize;

use super::overview::bucket_starts;
use super::score::{score, Score};
use super::{Aggregate, Dim, QueryStore, Rank, Scope};
use crate::store::StoreError;
use crate::validate::EventType;

/// The percentiles every answer has.
pub const LEVELS: [f64; 5] = [0.5, 0.75, 0.9, 0.95, 0.99];
/// The metrics whose attribution names an element, and how many of their targets are listed.
pub const BLAMED: [&str; 3] = ["LCP", "INP", "CLS"];
pub const TOP_TARGETS: usize = 10;

/// The order metrics are listed in.
pub const METRICS: [&str; 7] = ["LCP", "INP", "CLS", "FCP", "TTFB", "FP", "TBT"];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VitalGroup {
    All,
    Page,
    Browser,
    Device,
    /// What each report blames (`attribution`): an instance counts under its last report's.
    Attribution,
}

impl VitalGroup {
    pub fn column(self) -> Option<&'static str> {
        match self {
            VitalGroup::All => None,
            VitalGroup::Page => Some("page_path"),
            VitalGroup::Browser => Some("browser"),
            VitalGroup::Device => Some("device"),
            VitalGroup::Attribution => Some("attribution"),
        }
    }

    /// Whether the group's value is part of what names an instance. A page load's page,
    /// browser and device do not change, but what its INP or CLS blames can between
    /// reports; such an instance must count once, under its last report's value.
    pub fn splits_instances(self) -> bool {
        !matches!(self, VitalGroup::Attribution)
    }
}

/// Vitals in `scope`, by metric and `group` (and bucket).
#[derive(Clone, Debug, PartialEq)]
pub struct VitalQuery {
    pub scope: Scope,
    pub group: VitalGroup,
    /// With [`VitalGroup::Page`]: only these pages.
    pub pages: Vec<String>,
    pub bucket_ms: Option<i64>,
}

/// One metric in one group (and bucket), from the instances' last reports.
#[derive(Clone, Debug, PartialEq)]
pub struct VitalRow {
    pub name: String,
    /// The group's value (`''` for [`VitalGroup::All`]).
    pub key: String,
    pub bucket_ms: i64,
    pub count: u64,
    /// At [`LEVELS`].
    pub percentiles: Vec<f64>,
    pub good: u64,
    pub needs_improvement: u64,
    pub poor: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Metric {
    pub name: String,
    pub count: u64,
    pub p50: f64,
    pub p75: f64,
    pub p90: f64,
    pub p95: f64,
    pub p99: f64,
    /// Shares of the instances rated good, needs-improvement and poor.
    pub good: f64,
    pub needs_improvement: f64,
    pub poor: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Group {
    /// The page path, browser or device type.
    pub key: String,
    /// Pages only: their page views in the range (what "most viewed" ranks by).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page_views: Option<u64>,
    pub score: Score,
    pub metrics: Vec<Metric>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct P75Point {
    pub t: i64,
    pub p75: Option<f64>,
    pub count: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Series {
    pub name: String,
    pub points: Vec<P75Point>,
}

/// One element or interaction target a metric's reports blame, with the percentiles of
/// those reports.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Blamed {
    pub target: String,
    #[serde(flatten)]
    pub metric: Metric,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Vitals {
    pub from: i64,
    pub to: i64,
    pub interval_ms: i64,
    pub score: Score,
    pub metrics: Vec<Metric>,
    pub pages: Vec<Group>,
    pub browsers: Vec<Group>,
    pub devices: Vec<Group>,
    pub series: Vec<Series>,
    /// Per metric of [`BLAMED`], its most blamed targets, most reports first.
    pub attribution: Vec<Blamed>,
}

fn share(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

fn order(name: &str) -> usize {
    METRICS
        .iter()
        .position(|m| *m == name)
        .unwrap_or(METRICS.len())
}

fn metric(row: &VitalRow) -> Metric {
    let p = |i: usize| row.percentiles.get(i).copied().unwrap_or(0.0);
    Metric {
        name: row.name.clone(),
        count: row.count,
        p50: p(0),
        p75: p(1),
        p90: p(2),
        p95: p(3),
        p99: p(4),
        good: share(row.good, row.count),
        needs_improvement: share(row.needs_improvement, row.count),
        poor: share(row.poor, row.count),
    }
}

fn metrics(rows: &[&VitalRow]) -> Vec<Metric> {
    let mut out: Vec<Metric> = rows.iter().map(|r| metric(r)).collect();
    out.sort_by(|a, b| {
        order(&a.name)
            .cmp(&order(&b.name))
            .then(a.name.cmp(&b.name))
    });
    out
}

fn score_of(metrics: &[Metric]) -> Score {
    let p75s: Vec<(&str, f64)> = metrics.iter().map(|m| (m.name.as_str(), m.p75)).collect();
    score(&p75s)
}

/// Groups `rows` by key, in key order.
fn groups(rows: &[VitalRow]) -> Vec<Group> {
    let mut by_key: BTreeMap<&str, Vec<&VitalRow>> = BTreeMap::new();
    for row in rows {
        by_key.entry(&row.key).or_default().push(row);
    }
    by_key
        .into_iter()
        .filter(|(key, _)| !key.is_empty())
        .map(|(key, rows)| {
            let metrics = metrics(&rows);
            Group {
                key: key.to_owned(),
                page_views: None,
                score: score_of(&metrics),
                metrics,
            }
        })
        .collect()
}

pub fn vitals(
    store: &dyn QueryStore,
    scope: &Scope,
    interval_ms: i64,
    top_pages: usize,
) -> Result<Vitals, StoreError> {
    let query = |group, pages: Vec<String>, bucket_ms| VitalQuery {
        scope: scope.clone(),
        group,
        pages,
        bucket_ms,
    };
    let overall = store.vitals(&query(VitalGroup::All, Vec::new(), None))?;
    let overall_metrics = metrics(&overall.iter().collect::<Vec<_>>());

    let viewed = store.aggregate(&Aggregate {
        scope: scope.clone(),
        types: vec![EventType::PageView],
        fingerprints: Vec::new(),
        by: vec![Dim::PagePath],
        skip_empty: true,
        count_visitors: false,
        bucket_ms: None,
        top: Some(top_pages),
        rank: Rank::Count,
    })?;
    let top: Vec<String> = viewed.iter().map(|r| r.keys[0].clone()).collect();
    let mut pages = if top.is_empty() {
        Vec::new()
    } else {
        groups(&store.vitals(&query(VitalGroup::Page, top.clone(), None))?)
    };
    for page in &mut pages {
        page.page_views = viewed
            .iter()
            .find(|r| r.keys[0] == page.key)
            .map(|r| r.count);
    }
    // Most viewed first, as ranked.
    pages.sort_by_key(|p| top.iter().position(|t| *t == p.key));

    let by_time = store.vitals(&query(VitalGroup::All, Vec::new(), Some(interval_ms)))?;
    let buckets = bucket_starts(&scope.range, interval_ms);
    let series = overall_metrics
        .iter()
        .map(|m| Series {
            name: m.name.clone(),
            points: buckets
                .iter()
                .map(|t| {
                    let row = by_time
                        .iter()
                        .find(|r| r.name == m.name && r.bucket_ms == *t);
                    P75Point {
                        t: *t,
                        p75: row.and_then(|r| r.percentiles.get(1).copied()),
                        count: row.map_or(0, |r| r.count),
                    }
                })
                .collect(),
        })
        .collect();

    let mut attribution: Vec<Blamed> = store
        .vitals(&query(VitalGroup::Attribution, Vec::new(), None))?
        .iter()
        .filter(|row| !row.key.is_empty() && BLAMED.contains(&row.name.as_str()))
        .map(|row| Blamed {
            target: row.key.clone(),
            metric: metric(row),
        })
        .collect();
    attribution.sort_by(|a, b| {
        order(&a.metric.name)
            .cmp(&order(&b.metric.name))
            .then(b.metric.count.cmp(&a.metric.count))
            .then(a.target.cmp(&b.target))
    });
    let mut listed: BTreeMap<String, usize> = BTreeMap::new();
    attribution.retain(|blamed| {
        let n = listed.entry(blamed.metric.name.clone()).or_default();
        *n += 1;
        *n <= TOP_TARGETS
    });

    Ok(Vitals {
        from: scope.range.from_ms,
        to: scope.range.to_ms,
        interval_ms,
        score: score_of(&overall_metrics),
        metrics: overall_metrics,
        pages,
        browsers: groups(&store.vitals(&query(VitalGroup::Browser, Vec::new(), None))?),
        devices: groups(&store.vitals(&query(VitalGroup::Device, Vec::new(), None))?),
        series,
        attribution,
    })
}
