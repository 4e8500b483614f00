//! Alerts: rules from `[alerts]` evaluated on a schedule, notifications by webhook.
//!
//! Every `alerts.evaluate_every_secs` each rule is measured ([`measure`]: the live
//! aggregates for error counts and page views, the query API's issues for new issues) and its
//! state moves ok → firing → resolved (ok again) ([`state`]). A rule notifies when it starts
//! firing, again at most once per `action_interval_secs` while it keeps firing, and once when
//! it resolves; a new-issue rule once per issue. States, what was notified, and the history
//! of notifications with their delivery results are kept in `{data_dir}/alerts.json`, written
//! after every change, so a restart neither re-fires nor forgets. Delivery ([`notify`]) is a
//! POST retried with backoff. docs/alerts.md has the payload.

pub mod measure;
pub mod notify;
pub mod state;

use std::time::Duration;

use serde::Serialize;
use tokio::sync::Mutex;

use crate::config::{AlertRule, Config};
use crate::AppState;
use state::AlertStore;

/// What one evaluation found for a rule.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Reading {
    pub value: f64,
    pub breached: bool,
    /// New issues (fingerprint, title) for a `new_issue` rule.
    pub new_issues: Vec<(String, String)>,
}

/// The alerting part of the server: the rules, their persisted states, the evaluation loop.
pub struct Alerts {
    rules: Vec<AlertRule>,
    store: Mutex<AlertStore>,
    every: Duration,
}

impl Alerts {
    pub fn for_config(config: &Config) -> Alerts {
        Alerts {
            rules: config.alerts.rules.clone(),
            store: Mutex::new(AlertStore::open(config.alerts_path())),
            every: Duration::from_secs(config.alerts.evaluate_every_secs),
        }
    }

    pub fn rules(&self) -> &[AlertRule] {
        &self.rules
    }

    /// The persisted states and history, for the API.
    pub async fn snapshot(&self) -> state::Snapshot {
        self.store.lock().await.snapshot()
    }

    /// Evaluates every rule once, notifying what changed.
    pub async fn evaluate(&self, app: &AppState) {
        let now = crate::store::now_ms();
        for rule in &self.rules {
            let reading = match measure::measure(app, rule, now).await {
                Ok(reading) => reading,
                Err(e) => {
                    tracing::warn!(rule = %rule.name, error = %e, "alert rule not evaluated");
                    continue;
                }
            };
            let transition = self.store.lock().await.judge(rule, &reading, now);
            let Some(transition) = transition else {
                continue;
            };
            let delivered = notify::deliver(rule, &transition, &reading, app).await;
            self.store
                .lock()
                .await
                .record(rule, &transition, &reading, delivered, now);
        }
    }
}

/// Runs the evaluation loop for the server's lifetime (nothing to do without rules).
pub fn spawn(app: AppState) {
    let alerts = app.alerts.clone();
    if alerts.rules.is_empty() {
        return;
    }
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(alerts.every);
        loop {
            tick.tick().await;
            alerts.evaluate(&app).await;
        }
    });
}
