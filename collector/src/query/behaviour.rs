//! `GET /api/{project_id}/behaviour`: what visitors do, as top-N lists: pages by views, by
//! time on page and by errors; entry and exit pages; referrers; browsers, operating systems
//! and device types; clicked and rage-clicked targets; submitted forms.
//!
//! Every list is ordered by its measure, descending, then by name, ascending, so ties come
//! out the same from every store.

use serde::Serialize;

use super::{Aggregate, AggregateRow, Dim, QueryStore, Rank, Scope};
use crate::store::StoreError;
use crate::validate::EventType;

/// One entry of a list: a name and its measures (those that make sense for the list).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Entry {
    pub name: String,
    /// Events: page views, clicks, rage-click bursts, submits, errors; sessions for entry
    /// and exit pages.
    pub count: u64,
    /// Distinct visitors (not for entry and exit pages).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub visitors: Option<u64>,
    /// Time on page: total visible time, and per page view (a view may send several
    /// `time_on_page` reports, one per time it was visible), ms.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_ms: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub average_ms: Option<f64>,
    /// Rage clicks: the clicks in all the bursts (their `count`s).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clicks: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Behaviour {
    pub from: i64,
    pub to: i64,
    pub pages_by_views: Vec<Entry>,
    pub pages_by_time: Vec<Entry>,
    pub pages_by_errors: Vec<Entry>,
    pub entry_pages: Vec<Entry>,
    pub exit_pages: Vec<Entry>,
    pub referrers: Vec<Entry>,
    pub browsers: Vec<Entry>,
    pub operating_systems: Vec<Entry>,
    pub devices: Vec<Entry>,
    pub clicks: Vec<Entry>,
    pub rage_clicks: Vec<Entry>,
    pub form_submits: Vec<Entry>,
}

fn entry(row: AggregateRow) -> Entry {
    Entry {
        name: row.keys.into_iter().next().unwrap_or_default(),
        count: row.count,
        visitors: Some(row.visitors),
        total_ms: None,
        average_ms: None,
        clicks: None,
    }
}

pub fn behaviour(
    store: &dyn QueryStore,
    scope: &Scope,
    top: usize,
) -> Result<Behaviour, StoreError> {
    let aggregate = |event_type: EventType,
                     dim: Dim,
                     rank: Rank,
                     top: Option<usize>|
     -> Result<Vec<AggregateRow>, StoreError> {
        store.aggregate(&Aggregate {
            scope: scope.clone(),
            types: vec![event_type],
            fingerprints: Vec::new(),
            by: vec![dim],
            skip_empty: true,
            count_visitors: top.is_some(),
            bucket_ms: None,
            top,
            rank,
        })
    };
    let list = |event_type, dim, rank| aggregate(event_type, dim, rank, Some(top));
    let simple = |event_type, dim| -> Result<Vec<Entry>, StoreError> {
        Ok(list(event_type, dim, Rank::Count)?
            .into_iter()
            .map(entry)
            .collect())
    };
    let sessions = |exit| -> Result<Vec<Entry>, StoreError> {
        Ok(store
            .entry_pages(scope, exit, top)?
            .into_iter()
            .map(|(name, count)| Entry {
                name,
                count,
                visitors: None,
                total_ms: None,
                average_ms: None,
                clicks: None,
            })
            .collect())
    };
    // Every page's views, not only the top ones: the pages with the most time on them need
    // not be the most viewed.
    let views: std::collections::HashMap<String, u64> =
        aggregate(EventType::PageView, Dim::PagePath, Rank::Count, None)?
            .into_iter()
            .map(|row| (row.keys.into_iter().next().unwrap_or_default(), row.count))
            .collect();
    let pages_by_time = list(EventType::TimeOnPage, Dim::PagePath, Rank::ValueSum)?
        .into_iter()
        .map(|row| {
            let total = row.value_sum;
            let viewed = row.keys.first().and_then(|page| views.get(page)).copied();
            Entry {
                total_ms: Some(total),
                average_ms: viewed.filter(|n| *n > 0).map(|n| total / n as f64),
                ..entry(row)
            }
        })
        .collect();
    let rage_clicks = list(EventType::RageClick, Dim::Message, Rank::Count)?
        .into_iter()
        .map(|row| Entry {
            clicks: Some(row.value_sum),
            ..entry(row)
        })
        .collect();
    Ok(Behaviour {
        from: scope.range.from_ms,
        to: scope.range.to_ms,
        pages_by_views: simple(EventType::PageView, Dim::PagePath)?,
        pages_by_time,
        pages_by_errors: simple(EventType::Error, Dim::PagePath)?,
        entry_pages: sessions(false)?,
        exit_pages: sessions(true)?,
        referrers: simple(EventType::PageView, Dim::ReferrerHost)?,
        browsers: simple(EventType::PageView, Dim::Browser)?,
        operating_systems: simple(EventType::PageView, Dim::Os)?,
        devices: simple(EventType::PageView, Dim::Device)?,
        clicks: simple(EventType::Click, Dim::Message)?,
        rage_clicks,
        form_submits: simple(EventType::FormSubmit, Dim::Message)?,
    })
}
