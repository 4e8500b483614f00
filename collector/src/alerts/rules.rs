//! The rule book: the rules of the configuration file, which only the file changes, and the
//! rules created through the API, kept in `{data_dir}/alert_rules.json` (replaced atomically
//! after every change). A change is applied in memory only once it is on disk, so a rule the
//! API acknowledged survives a restart, and one it refused leaves nothing behind.

use std::path::PathBuf;

use serde::Serialize;

use super::state::write_json_atomically;
use crate::config::{AlertKind, AlertRule};

/// Where a rule comes from, and so who may change it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Config,
    Api,
}

/// Why a change was refused.
#[derive(Debug, PartialEq)]
pub enum RuleError {
    Invalid(String),
    Exists(String),
    Unknown(String),
    Configured(String),
    NotSaved(String),
}

impl std::fmt::Display for RuleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RuleError::Invalid(reason) => f.write_str(reason),
            RuleError::Exists(name) => write!(f, "a rule named {name:?} exists already"),
            RuleError::Unknown(name) => write!(f, "no rule named {name:?}"),
            RuleError::Configured(name) => write!(
                f,
                "rule {name:?} is defined in the configuration file; change it there"
            ),
            RuleError::NotSaved(reason) => write!(f, "the rule could not be saved: {reason}"),
        }
    }
}

pub struct RuleBook {
    path: PathBuf,
    configured: Vec<AlertRule>,
    created: Vec<AlertRule>,
    /// Whether a `consumer_lag` rule can measure anything (Kafka mode).
    kafka_mode: bool,
}

impl RuleBook {
    /// The file's rules plus those saved earlier through the API. A saved rule that no longer
    /// passes (its name now taken by the file, say) is left out and logged rather than keep
    /// the collector from starting.
    pub fn open(path: PathBuf, configured: Vec<AlertRule>, kafka_mode: bool) -> RuleBook {
        let saved: Vec<AlertRule> = match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                tracing::error!(path = %path.display(), error = %e, "saved alert rules unreadable; ignored");
                Vec::new()
            }),
            Err(_) => Vec::new(),
        };
        let mut book = RuleBook {
            path,
            configured,
            created: Vec::new(),
            kafka_mode,
        };
        for rule in saved {
            match book.check(&rule, None) {
                Ok(()) => book.created.push(rule),
                Err(e) => {
                    tracing::error!(rule = %rule.name, error = %e, "saved alert rule left out")
                }
            }
        }
        book
    }

    /// Every rule with where it comes from: the file's first.
    pub fn all(&self) -> Vec<(AlertRule, Source)> {
        let configured = self.configured.iter().map(|r| (r.clone(), Source::Config));
        let created = self.created.iter().map(|r| (r.clone(), Source::Api));
        configured.chain(created).collect()
    }

    pub fn get(&self, name: &str) -> Option<(&AlertRule, Source)> {
        let configured = self.configured.iter().find(|r| r.name == name);
        configured.map(|r| (r, Source::Config)).or_else(|| {
            self.created
                .iter()
                .find(|r| r.name == name)
                .map(|r| (r, Source::Api))
        })
    }

    pub fn create(&mut self, rule: AlertRule) -> Result<(), RuleError> {
        self.check(&rule, None)?;
        let mut next = self.created.clone();
        next.push(rule);
        self.commit(next)
    }

    /// Replaces the API rule `name` (the new rule may rename it); returns the old one.
    pub fn replace(&mut self, name: &str, rule: AlertRule) -> Result<AlertRule, RuleError> {
        let index = self.created_index(name)?;
        self.check(&rule, Some(name))?;
        let mut next = self.created.clone();
        let old = std::mem::replace(&mut next[index], rule);
        self.commit(next)?;
        Ok(old)
    }

    pub fn remove(&mut self, name: &str) -> Result<AlertRule, RuleError> {
        let index = self.created_index(name)?;
        let mut next = self.created.clone();
        let old = next.remove(index);
        self.commit(next)?;
        Ok(old)
    }

    fn created_index(&self, name: &str) -> Result<usize, RuleError> {
        if self.configured.iter().any(|r| r.name == name) {
            return Err(RuleError::Configured(name.to_owned()));
        }
        self.created
            .iter()
            .position(|r| r.name == name)
            .ok_or_else(|| RuleError::Unknown(name.to_owned()))
    }

    /// Whether `rule` may join the book, `replacing` the rule of that name if given.
    fn check(&self, rule: &AlertRule, replacing: Option<&str>) -> Result<(), RuleError> {
        rule.validate().map_err(RuleError::Invalid)?;
        if rule.kind == AlertKind::ConsumerLag && !self.kafka_mode {
            return Err(RuleError::Invalid(
                "a consumer_lag rule needs Kafka mode (kafka.brokers); the embedded store has no consumer"
                    .to_owned(),
            ));
        }
        let taken = self
            .configured
            .iter()
            .chain(&self.created)
            .any(|r| r.name == rule.name && Some(r.name.as_str()) != replacing);
        if taken {
            return Err(RuleError::Exists(rule.name.clone()));
        }
        Ok(())
    }

    fn commit(&mut self, next: Vec<AlertRule>) -> Result<(), RuleError> {
        write_json_atomically(&self.path, &next).map_err(|e| RuleError::NotSaved(e.to_string()))?;
        self.created = next;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_rules_are_kept_across_a_reopen_and_file_rules_stay_read_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("alert_rules.json");
        let from_file = vec![AlertRule::example("file", AlertKind::ErrorCount)];
        let mut book = RuleBook::open(path.clone(), from_file.clone(), false);
        book.create(AlertRule::example("api", AlertKind::NewIssue))
            .unwrap();
        assert_eq!(
            book.create(AlertRule::example("file", AlertKind::NewIssue)),
            Err(RuleError::Exists("file".into()))
        );
        assert_eq!(
            book.remove("file").unwrap_err(),
            RuleError::Configured("file".into())
        );
        let mut renamed = AlertRule::example("api 2", AlertKind::NewIssue);
        renamed.threshold = 7.0;
        book.replace("api", renamed).unwrap();

        let mut reopened = RuleBook::open(path.clone(), from_file.clone(), false);
        let names: Vec<(String, Source)> = reopened
            .all()
            .into_iter()
            .map(|(r, s)| (r.name, s))
            .collect();
        assert_eq!(
            names,
            [
                ("file".into(), Source::Config),
                ("api 2".into(), Source::Api)
            ]
        );
        assert_eq!(reopened.get("api 2").unwrap().0.threshold, 7.0);
        reopened.remove("api 2").unwrap();
        assert_eq!(
            reopened.remove("api 2").unwrap_err(),
            RuleError::Unknown("api 2".into())
        );
        assert_eq!(RuleBook::open(path, from_file, false).all().len(), 1);
    }

    #[test]
    fn refused_rules_change_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mut book = RuleBook::open(dir.path().join("alert_rules.json"), Vec::new(), false);
        let mut bad = AlertRule::example("bad", AlertKind::ErrorCount);
        bad.window_minutes = 0;
        assert!(
            matches!(book.create(bad), Err(RuleError::Invalid(reason)) if reason.contains("window_minutes"))
        );
        let lag = book.create(AlertRule::example("lag", AlertKind::ConsumerLag));
        assert!(matches!(lag, Err(RuleError::Invalid(reason)) if reason.contains("Kafka mode")));
        assert!(book.all().is_empty());

        // A data directory that cannot be written: refused, and not half-applied.
        let mut unwritable = RuleBook::open(
            dir.path().join("missing/alert_rules.json"),
            Vec::new(),
            true,
        );
        let refused = unwritable.create(AlertRule::example("lag", AlertKind::ConsumerLag));
        assert!(
            matches!(refused, Err(RuleError::NotSaved(_))),
            "{refused:?}"
        );
        assert!(unwritable.all().is_empty());
    }
}
