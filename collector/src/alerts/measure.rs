//! What a rule measures: errors and page views over its window from the live aggregates
//! (the per-minute windows), an issue's events and new issues from the query API.

use crate::config::{AlertKind, AlertRule};
use crate::query::issues::{issues, Issue, IssueQuery, Sort};
use crate::query::{Filters, Range, Scope};
use crate::realtime::keys::Stat;
use crate::realtime::read;
use crate::AppState;

use super::Reading;

pub async fn measure(app: &AppState, rule: &AlertRule, now: i64) -> Result<Reading, String> {
    let window_ms = i64::try_from(rule.window_minutes).unwrap_or(1440) * 60_000;
    let reading = |value: f64, breached: bool| Reading {
        value,
        breached,
        new_issues: Vec::new(),
    };
    match (rule.kind, &rule.issue) {
        (AlertKind::ErrorCount, None) => {
            let value = live_sum(app, rule, now, "error").await?;
            Ok(reading(value, value > rule.threshold))
        }
        (AlertKind::PageViewsBelow, _) => {
            let value = live_sum(app, rule, now, "page_view").await?;
            Ok(reading(value, value < rule.threshold))
        }
        (AlertKind::ErrorCount, Some(fingerprint)) => {
            let found = recent_issues(app, rule.project, now - window_ms, now).await?;
            let value = found
                .iter()
                .find(|i| &i.fingerprint == fingerprint)
                .map_or(0.0, |i| i.count as f64);
            Ok(reading(value, value > rule.threshold))
        }
        (AlertKind::NewIssue, _) => {
            let since = now - window_ms;
            let found = recent_issues(app, rule.project, since, now).await?;
            let new_issues: Vec<(String, String)> = found
                .into_iter()
                .filter(|i| i.first_seen >= since as f64)
                .map(|i| (i.fingerprint, i.title))
                .collect();
            Ok(Reading {
                value: new_issues.len() as f64,
                breached: !new_issues.is_empty(),
                new_issues,
            })
        }
    }
}

/// The events of `event_type` in the rule's last `window_minutes` minutes (the current
/// minute included), from the live windows.
async fn live_sum(
    app: &AppState,
    rule: &AlertRule,
    now: i64,
    event_type: &str,
) -> Result<f64, String> {
    let live = &app.live;
    let minutes = usize::try_from(rule.window_minutes).unwrap_or(1440);
    let window = read::window(
        &live.store,
        &live.aggregators,
        rule.project,
        Stat::Events,
        minutes,
        now as f64,
    )
    .await
    .map_err(|e| e.to_string())?;
    Ok(window
        .minutes
        .iter()
        .map(|m| m.counts.get(event_type).copied().unwrap_or(0) as f64)
        .sum())
}

async fn recent_issues(
    app: &AppState,
    project_id: u64,
    from_ms: i64,
    to_ms: i64,
) -> Result<Vec<Issue>, String> {
    let query = IssueQuery {
        scope: Scope {
            project_id,
            range: Range {
                from_ms,
                to_ms: to_ms + 1,
            },
            filters: Filters::default(),
        },
        status: None,
        sort: Sort::Count,
        limit: 100,
        interval_ms: (to_ms + 1 - from_ms).max(60_000),
    };
    let store = app.reader.clone();
    tokio::task::spawn_blocking(move || issues(store.as_ref(), &query))
        .await
        .map_err(|e| e.to_string())?
        .map(|list| list.issues)
        .map_err(|e| e.to_string())
}
