//! Each rule's state and the history of notifications, persisted in one JSON file
//! (`{data_dir}/alerts.json`, replaced atomically after every change) so that a restart
//! neither fires a firing rule again nor forgets a notified issue.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::notify::Delivery;
use super::Reading;
use crate::config::{AlertKind, AlertRule};

/// Most history entries kept; the oldest go first.
const MAX_HISTORY: usize = 500;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    #[default]
    Ok,
    Firing,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RuleState {
    pub state: State,
    /// Since when it is in this state, ms since the epoch.
    pub since: i64,
    pub last_value: f64,
    pub last_evaluated_at: i64,
    pub last_notified_at: Option<i64>,
    /// The issues a `new_issue` rule notified already.
    #[serde(default)]
    pub notified_issues: BTreeSet<String>,
}

/// One notification and how its delivery went.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub at: i64,
    pub rule: String,
    pub project_id: u64,
    pub kind: AlertKind,
    /// `firing`, `resolved`, `new_issue` or `regression`.
    pub event: String,
    pub value: f64,
    pub threshold: f64,
    pub delivered: bool,
    pub attempts: u32,
    pub status: Option<u16>,
    pub error: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub rules: BTreeMap<String, RuleState>,
    pub history: Vec<HistoryEntry>,
}

/// What an evaluation changed, and so what to notify.
#[derive(Clone, Debug, PartialEq)]
pub enum Transition {
    Firing,
    /// Still firing, and the action interval has passed since the last notification.
    StillFiring,
    Resolved,
    /// Issues a `new_issue` or `regression` rule has not notified yet.
    NewIssues(Vec<(String, String)>),
    /// Asked for through the API, to try the webhook: changes no state.
    Test,
}

impl Transition {
    /// What the notification says happened: `firing`, `resolved`, `new_issue`,
    /// `regression` or `test`.
    pub fn event(&self, kind: AlertKind) -> &'static str {
        match self {
            Transition::Test => "test",
            Transition::Firing | Transition::StillFiring => "firing",
            Transition::Resolved => "resolved",
            Transition::NewIssues(_) if kind == AlertKind::Regression => "regression",
            Transition::NewIssues(_) => "new_issue",
        }
    }
}

pub struct AlertStore {
    path: PathBuf,
    data: Snapshot,
}

impl AlertStore {
    /// Reads the file; a missing or unreadable one starts empty (logged), rather than keep
    /// the collector from starting.
    pub fn open(path: PathBuf) -> AlertStore {
        let data = match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                tracing::error!(path = %path.display(), error = %e, "alert states unreadable; starting afresh");
                Snapshot::default()
            }),
            Err(_) => Snapshot::default(),
        };
        AlertStore { path, data }
    }

    pub fn snapshot(&self) -> Snapshot {
        self.data.clone()
    }

    /// The transition `reading` makes, if any; remembers the value either way.
    pub fn judge(&mut self, rule: &AlertRule, reading: &Reading, now: i64) -> Option<Transition> {
        let state = self.data.rules.entry(rule.name.clone()).or_default();
        state.last_value = reading.value;
        state.last_evaluated_at = now;
        if matches!(rule.kind, AlertKind::NewIssue | AlertKind::Regression) {
            let new: Vec<(String, String)> = reading
                .new_issues
                .iter()
                .filter(|(fingerprint, _)| !state.notified_issues.contains(fingerprint))
                .cloned()
                .collect();
            return (!new.is_empty()).then_some(Transition::NewIssues(new));
        }
        let interval_ms =
            i64::try_from(rule.action_interval_secs.saturating_mul(1000)).unwrap_or(i64::MAX);
        match (state.state, reading.breached) {
            (State::Ok, true) => Some(Transition::Firing),
            (State::Firing, true) => state
                .last_notified_at
                .is_none_or(|at| now.saturating_sub(at) >= interval_ms)
                .then_some(Transition::StillFiring),
            (State::Firing, false) => Some(Transition::Resolved),
            (State::Ok, false) => None,
        }
    }

    /// Applies a transition after its notification, and persists.
    pub fn record(
        &mut self,
        rule: &AlertRule,
        transition: &Transition,
        reading: &Reading,
        delivery: Delivery,
        now: i64,
    ) {
        let state = self.data.rules.entry(rule.name.clone()).or_default();
        match transition {
            Transition::Firing => {
                state.state = State::Firing;
                state.since = now;
            }
            Transition::StillFiring => {}
            Transition::Resolved => {
                state.state = State::Ok;
                state.since = now;
            }
            Transition::NewIssues(issues) => {
                state
                    .notified_issues
                    .extend(issues.iter().map(|(f, _)| f.clone()));
            }
            Transition::Test => {}
        }
        if *transition != Transition::Test {
            state.last_notified_at = Some(now);
        }
        self.data.history.push(HistoryEntry {
            at: now,
            rule: rule.name.clone(),
            project_id: rule.project,
            kind: rule.kind,
            event: transition.event(rule.kind).to_owned(),
            value: reading.value,
            threshold: rule.threshold,
            delivered: delivery.delivered,
            attempts: delivery.attempts,
            status: delivery.status,
            error: delivery.error,
        });
        let excess = self.data.history.len().saturating_sub(MAX_HISTORY);
        self.data.history.drain(..excess);
        self.save();
    }

    /// Drops a rule's state (it was deleted, or replaced by one that measures otherwise),
    /// so that a later rule of the same name starts afresh. Its history stays.
    pub fn forget(&mut self, name: &str) {
        if self.data.rules.remove(name).is_some() {
            self.save();
        }
    }

    fn save(&self) {
        if let Err(e) = write_json_atomically(&self.path, &self.data) {
            tracing::error!(path = %self.path.display(), error = %e, "alert states not saved");
        }
    }
}

/// Writes `value` as JSON to a temporary file beside `path`, then renames it over `path`, so
/// that a crash leaves the old file or the new one, never half of one.
pub fn write_json_atomically(path: &Path, value: &impl Serialize) -> std::io::Result<()> {
    let temporary = path.with_extension("json.tmp");
    let bytes = serde_json::to_vec_pretty(value).map_err(std::io::Error::other)?;
    std::fs::write(&temporary, bytes)?;
    std::fs::rename(&temporary, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reading(breached: bool) -> Reading {
        Reading {
            value: if breached { 3.0 } else { 0.0 },
            breached,
            new_issues: Vec::new(),
        }
    }

    fn delivered() -> Delivery {
        Delivery {
            delivered: true,
            attempts: 1,
            status: Some(200),
            error: None,
        }
    }

    #[test]
    fn fires_once_per_interval_resolves_and_survives_a_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("alerts.json");
        let rule = AlertRule::example("r", AlertKind::ErrorCount);
        let mut store = AlertStore::open(path.clone());
        assert_eq!(store.judge(&rule, &reading(false), 0), None);
        let fired = store.judge(&rule, &reading(true), 1_000);
        assert_eq!(fired, Some(Transition::Firing));
        store.record(
            &rule,
            &Transition::Firing,
            &reading(true),
            delivered(),
            1_000,
        );
        assert_eq!(
            store.judge(&rule, &reading(true), 30_000),
            None,
            "within the interval"
        );

        let mut reopened = AlertStore::open(path);
        assert_eq!(
            reopened.judge(&rule, &reading(true), 30_000),
            None,
            "a restart does not re-fire"
        );
        assert_eq!(
            reopened.judge(&rule, &reading(true), 61_000),
            Some(Transition::StillFiring)
        );
        assert_eq!(
            reopened.judge(&rule, &reading(false), 62_000),
            Some(Transition::Resolved)
        );
        reopened.record(
            &rule,
            &Transition::Resolved,
            &reading(false),
            delivered(),
            62_000,
        );
        assert_eq!(reopened.judge(&rule, &reading(false), 63_000), None);
        let history = reopened.snapshot().history;
        let events: Vec<&str> = history.iter().map(|h| h.event.as_str()).collect();
        assert_eq!(events, ["firing", "resolved"]);
    }

    #[test]
    fn a_new_issue_is_notified_once() {
        let dir = tempfile::tempdir().unwrap();
        let rule = AlertRule::example("r", AlertKind::NewIssue);
        let mut store = AlertStore::open(dir.path().join("alerts.json"));
        let found = Reading {
            value: 1.0,
            breached: true,
            new_issues: vec![("f1".into(), "E".into())],
        };
        let transition = store.judge(&rule, &found, 1).unwrap();
        assert_eq!(
            transition,
            Transition::NewIssues(vec![("f1".into(), "E".into())])
        );
        store.record(&rule, &transition, &found, delivered(), 1);
        assert_eq!(store.judge(&rule, &found, 2), None);
    }
}
