//! Alerts: rules from `[alerts]` and from the API ([`rules`]) evaluated on a schedule,
//! notifications by webhook.
//!
//! Every `alerts.evaluate_every_secs` each rule is measured ([`measure`]: the live
//! aggregates for error counts and page views, the query API's issues for new issues, the
//! brokers for the consumer's lag) and its
//! state moves ok → firing → resolved (ok again) ([`state`]). A rule notifies when it starts
//! firing, again at most once per `action_interval_secs` while it keeps firing, and once when
//! it resolves; a new-issue rule once per issue. States, what was notified, and the history
//! of notifications with their delivery results are kept in `{data_dir}/alerts.json`, written
//! after every change, so a restart neither re-fires nor forgets. Delivery ([`notify`]) is a
//! POST retried with backoff. docs/alerts.md has the payload.

pub mod measure;
pub mod notify;
pub mod rules;
pub mod state;

use std::time::Duration;

use serde::Serialize;
use tokio::sync::Mutex;

use crate::config::{AlertRule, Config};
use crate::AppState;
use rules::{RuleBook, RuleError, Source};
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
    rules: Mutex<RuleBook>,
    store: Mutex<AlertStore>,
    every: Duration,
    /// Where `consumer_lag` rules read the lag.
    pub lag: measure::LagReader,
}

impl Alerts {
    pub fn for_config(config: &Config) -> Alerts {
        Alerts {
            rules: Mutex::new(RuleBook::open(
                config.alert_rules_path(),
                config.alerts.rules.clone(),
                !config.kafka.brokers.is_empty(),
            )),
            store: Mutex::new(AlertStore::open(config.alerts_path())),
            every: Duration::from_secs(config.alerts.evaluate_every_secs),
            lag: measure::LagReader::default(),
        }
    }

    /// Every rule, the configuration file's first, with where it comes from.
    pub async fn rules(&self) -> Vec<(AlertRule, Source)> {
        self.rules.lock().await.all()
    }

    pub async fn rule(&self, name: &str) -> Option<(AlertRule, Source)> {
        let book = self.rules.lock().await;
        book.get(name).map(|(rule, source)| (rule.clone(), source))
    }

    pub async fn create(&self, rule: AlertRule) -> Result<(), RuleError> {
        let name = rule.name.clone();
        self.rules.lock().await.create(rule)?;
        // A state left by an earlier rule of this name is not this rule's.
        self.store.lock().await.forget(&name);
        Ok(())
    }

    /// Replaces an API rule. Its state carries over while it measures the same thing (same
    /// name, project and kind): a firing rule whose threshold is raised resolves, rather
    /// than fire again.
    pub async fn replace(&self, name: &str, rule: AlertRule) -> Result<(), RuleError> {
        let new = rule.clone();
        let old = self.rules.lock().await.replace(name, rule)?;
        let same = old.name == new.name && old.project == new.project && old.kind == new.kind;
        if !same {
            let mut store = self.store.lock().await;
            store.forget(&old.name);
            store.forget(&new.name);
        }
        Ok(())
    }

    pub async fn remove(&self, name: &str) -> Result<AlertRule, RuleError> {
        let old = self.rules.lock().await.remove(name)?;
        self.store.lock().await.forget(name);
        Ok(old)
    }

    /// Sends rule `name` a test notification (`"state": "test"`) with its last measured
    /// value, and keeps it in the history; no state changes.
    pub async fn test(&self, name: &str, app: &AppState) -> Result<notify::Delivery, RuleError> {
        let (rule, _) = self
            .rule(name)
            .await
            .ok_or_else(|| RuleError::Unknown(name.to_owned()))?;
        let value = self
            .snapshot()
            .await
            .rules
            .get(name)
            .map_or(0.0, |s| s.last_value);
        let reading = Reading {
            value,
            breached: false,
            new_issues: Vec::new(),
        };
        let delivery = notify::deliver(&rule, &state::Transition::Test, &reading, app).await;
        let now = crate::store::now_ms();
        self.store.lock().await.record(
            &rule,
            &state::Transition::Test,
            &reading,
            delivery.clone(),
            now,
        );
        Ok(delivery)
    }

    /// The persisted states and history, for the API.
    pub async fn snapshot(&self) -> state::Snapshot {
        self.store.lock().await.snapshot()
    }

    /// Evaluates every rule once, notifying what changed.
    pub async fn evaluate(&self, app: &AppState) {
        let now = crate::store::now_ms();
        for (rule, _) in self.rules().await {
            let rule = &rule;
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
            // The rule may have been deleted or replaced while it was measured.
            if self
                .rule(&rule.name)
                .await
                .is_none_or(|(current, _)| &current != rule)
            {
                continue;
            }
            self.store
                .lock()
                .await
                .record(rule, &transition, &reading, delivered, now);
        }
    }
}

/// Runs the evaluation loop for the server's lifetime. It runs without rules too: the API
/// may create some.
pub fn spawn(app: AppState) {
    let alerts = app.alerts.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(alerts.every);
        loop {
            tick.tick().await;
            alerts.evaluate(&app).await;
        }
    });
}
