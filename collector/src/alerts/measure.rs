//! What a rule measures: errors, page views and all events over its window from the live
//! aggregates (the per-minute windows); an issue's events and users, new and regressed
//! issues, and a vital's P75 from the query API; the consumer group's lag from the brokers.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use rdkafka::consumer::BaseConsumer;

use crate::config::{AlertKind, AlertRule, Config};
use crate::consume::progress::{read_partitions, PartitionReading};
use crate::query::issues::{issues, Issue, IssueQuery, Sort};
use crate::query::vitals::vitals;
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
        (AlertKind::EventsBelow, _) => {
            let value = live_sum(app, rule, now, "total").await?;
            Ok(reading(value, value < rule.threshold))
        }
        (AlertKind::ConsumerLag, _) => {
            let value = app.alerts.lag.total(&app.config).await?;
            Ok(reading(value as f64, value as f64 > rule.threshold))
        }
        (AlertKind::UsersAffected, issue) => {
            let found = recent_issues(app, rule.project, now - window_ms, now).await?;
            let value = found
                .iter()
                .filter(|i| issue.as_ref().is_none_or(|f| &i.fingerprint == f))
                .map(|i| i.users as f64)
                .fold(0.0, f64::max);
            Ok(reading(value, value > rule.threshold))
        }
        (AlertKind::VitalP75, _) => {
            let value = vital_p75(app, rule, now - window_ms, now).await?;
            Ok(reading(
                value.unwrap_or(0.0),
                value.is_some_and(|p75| p75 > rule.threshold),
            ))
        }
        (AlertKind::Regression, _) => {
            let found = recent_issues(app, rule.project, now - window_ms, now).await?;
            let regressed: Vec<(String, String)> = found
                .into_iter()
                .filter(|i| i.regression)
                .map(|i| (i.fingerprint, i.title))
                .collect();
            Ok(Reading {
                value: regressed.len() as f64,
                breached: !regressed.is_empty(),
                new_issues: regressed,
            })
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

/// The P75 of the rule's vital over `[from, to]`, on its page if it names one; `None`
/// without reports.
async fn vital_p75(
    app: &AppState,
    rule: &AlertRule,
    from_ms: i64,
    to_ms: i64,
) -> Result<Option<f64>, String> {
    let scope = Scope {
        project_id: rule.project,
        range: Range {
            from_ms,
            to_ms: to_ms + 1,
        },
        filters: Filters {
            page: rule.page.clone(),
            ..Filters::default()
        },
    };
    let name = rule.vital.clone().unwrap_or_default();
    let store = app.reader.clone();
    let interval_ms = (to_ms + 1 - from_ms).max(60_000);
    let answer =
        tokio::task::spawn_blocking(move || vitals(store.as_ref(), &scope, interval_ms, 1))
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())?;
    Ok(answer
        .metrics
        .into_iter()
        .find(|m| m.name == name && m.count > 0)
        .map(|m| m.p75))
}

/// Reads the consumer group's lag the way the consumer's own progress check does, with a
/// client that shares the group id but never joins, made on first use and kept.
#[derive(Default)]
pub struct LagReader {
    client: OnceLock<Arc<BaseConsumer>>,
}

impl LagReader {
    /// Messages in the topic past the group's committed offsets, over all partitions.
    pub async fn total(&self, config: &Config) -> Result<i64, String> {
        if config.kafka.brokers.is_empty() {
            return Err("consumer_lag needs Kafka mode".to_owned());
        }
        let client = match self.client.get() {
            Some(client) => client.clone(),
            None => {
                let created: BaseConsumer = crate::kafka::client_config(&config.kafka)
                    .set("group.id", &config.kafka.consumer_group)
                    .set("enable.auto.commit", "false")
                    .create()
                    .map_err(|e| e.to_string())?;
                self.client.get_or_init(|| Arc::new(created)).clone()
            }
        };
        let topic = config.kafka.topic.clone();
        let partitions = tokio::task::spawn_blocking(move || {
            read_partitions(&client, &topic, Duration::from_secs(5))
        })
        .await
        .map_err(|e| e.to_string())??;
        Ok(partitions.iter().map(PartitionReading::lag).sum())
    }
}
