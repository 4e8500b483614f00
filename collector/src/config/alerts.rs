//! The `[alerts]` section: rules evaluated on a schedule against the live aggregates and the
//! query API, and where their notifications go ([`crate::alerts`], docs/alerts.md).

use serde::Deserialize;

use super::{invalid, ConfigError};

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct AlertsConfig {
    /// How often every rule is evaluated, in seconds.
    pub evaluate_every_secs: u64,
    /// The rules (`[[alerts.rules]]`).
    pub rules: Vec<AlertRule>,
    /// The collector's address as its users reach it (`https://monitor.example.com`): the
    /// notifications' dashboard links start with it. Without it they are paths.
    pub public_url: Option<String>,
}

impl Default for AlertsConfig {
    fn default() -> Self {
        AlertsConfig {
            evaluate_every_secs: 30,
            rules: Vec::new(),
            public_url: None,
        }
    }
}

/// What a rule watches.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// Errors (of `issue`, or all) in the last `window_minutes` above `threshold`.
    ErrorCount,
    /// Page views in the last `window_minutes` below `threshold` (the site may be down).
    PageViewsBelow,
    /// An issue first seen within the last `window_minutes`: one notification per new issue.
    NewIssue,
    /// A resolved issue seen again in a newer release within the window: one notification
    /// per regressed issue.
    Regression,
    /// Distinct users of `issue` (or of the most affected issue) in the window above
    /// `threshold`.
    UsersAffected,
    /// The P75 of web vital `vital` (on `page`, or all pages) over the window above
    /// `threshold` (ms; unitless for CLS).
    VitalP75,
    /// Events of any type in the window below `threshold`: ingest stalled, or the SDK gone
    /// from the site.
    EventsBelow,
    /// Messages the consumer group has yet to move from Kafka into ClickHouse above
    /// `threshold` (Kafka mode only): the platform falling behind.
    ConsumerLag,
}

#[derive(Clone, Debug, Deserialize, PartialEq, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct AlertRule {
    /// Unique among the rules; names its state and history.
    pub name: String,
    pub project: u64,
    pub kind: AlertKind,
    #[serde(default)]
    pub threshold: f64,
    #[serde(default = "default_window")]
    pub window_minutes: u64,
    /// Only this issue (fingerprint), for `error_count` and `users_affected`.
    #[serde(default)]
    pub issue: Option<String>,
    /// The web vital of a `vital_p75` rule (`LCP`, `INP`, `CLS`, `FCP`, `TTFB`, ...).
    #[serde(default)]
    pub vital: Option<String>,
    /// Only this page path, for `vital_p75`.
    #[serde(default)]
    pub page: Option<String>,
    /// A firing rule notifies again at most once per interval, in seconds.
    #[serde(default = "default_interval")]
    pub action_interval_secs: u64,
    /// Where the notification is POSTed.
    pub webhook: String,
    /// `json` (the documented payload) or `slack` (`{"text": ...}`, for Slack-compatible
    /// incoming webhooks).
    #[serde(default)]
    pub format: WebhookFormat,
}

#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WebhookFormat {
    #[default]
    Json,
    Slack,
}

fn default_window() -> u64 {
    5
}

fn default_interval() -> u64 {
    3600
}

impl AlertsConfig {
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.evaluate_every_secs == 0 {
            return Err(invalid("alerts.evaluate_every_secs must be positive"));
        }
        if let Some(url) = &self.public_url {
            let http = url.starts_with("http://") || url.starts_with("https://");
            if !http || url.ends_with('/') {
                return Err(invalid(format!(
                    "alerts.public_url must be an http(s) URL without a trailing slash ({url:?})"
                )));
            }
        }
        let mut names = std::collections::BTreeSet::new();
        for rule in &self.rules {
            if !names.insert(rule.name.as_str()) {
                return Err(invalid(format!(
                    "alerts.rules: every rule needs a name of its own ({:?})",
                    rule.name
                )));
            }
            rule.validate()
                .map_err(|reason| invalid(format!("alerts.rules: {reason}")))?;
        }
        Ok(())
    }
}

impl AlertRule {
    /// What is wrong with the rule on its own, if anything (a file's rules and those
    /// created through the API are held to the same checks).
    pub fn validate(&self) -> Result<(), String> {
        let name = &self.name;
        if name.trim().is_empty() || name.len() > 100 || name.chars().any(char::is_control) {
            return Err(format!(
                "every rule needs a name of 1 to 100 printable characters ({name:?})"
            ));
        }
        if !(1..=1440).contains(&self.window_minutes) {
            return Err(format!("{name:?}: window_minutes must be 1 to 1440"));
        }
        if !(self.webhook.starts_with("http://") || self.webhook.starts_with("https://")) {
            return Err(format!("{name:?}: webhook must be an http(s) URL"));
        }
        if self.kind == AlertKind::VitalP75 && self.vital.as_deref().is_none_or(str::is_empty) {
            return Err(format!(
                "{name:?}: a vital_p75 rule names its vital (vital = \"LCP\")"
            ));
        }
        if !self.threshold.is_finite() || self.threshold < 0.0 {
            return Err(format!("{name:?}: threshold must be a number ≥ 0"));
        }
        Ok(())
    }
}

#[cfg(test)]
impl AlertRule {
    /// A rule for the alerts' unit tests: project 1, threshold 2 over 5 minutes, a 60 s
    /// interval, a webhook nobody listens on.
    pub fn example(name: &str, kind: AlertKind) -> AlertRule {
        AlertRule {
            name: name.into(),
            project: 1,
            kind,
            threshold: 2.0,
            window_minutes: 5,
            issue: None,
            vital: None,
            page: None,
            action_interval_secs: 60,
            webhook: "http://127.0.0.1:1/".into(),
            format: WebhookFormat::Json,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<AlertsConfig, String> {
        let config: AlertsConfig = toml::from_str(text).map_err(|e| e.to_string())?;
        config.validate().map_err(|e| e.to_string())?;
        Ok(config)
    }

    const RULE: &str = "[[rules]]\nname = \"e\"\nproject = 1\nkind = \"error_count\"\nthreshold = 5\nwebhook = \"http://h/\"\n";

    #[test]
    fn rules_parse_with_defaults() {
        let config = parse(RULE).unwrap();
        let rule = &config.rules[0];
        assert_eq!(
            (rule.kind, rule.window_minutes, rule.action_interval_secs),
            (AlertKind::ErrorCount, 5, 3600)
        );
        assert_eq!(rule.format, WebhookFormat::Json);
    }

    #[test]
    fn bad_rules_are_refused_with_the_reason() {
        let cases = [
            (RULE.replace("error_count", "cpu"), "unknown variant"),
            (
                RULE.replace("http://h/", "ftp://h/"),
                "webhook must be an http(s) URL",
            ),
            (
                format!("{RULE}window_minutes = 0\n"),
                "window_minutes must be 1 to 1440",
            ),
            (
                RULE.replace("threshold = 5", "threshold = -1"),
                "threshold must be",
            ),
            (format!("{RULE}{RULE}"), "a name of its own"),
            (
                format!("public_url = \"https://m.example/\"\n{RULE}"),
                "without a trailing slash",
            ),
        ];
        for (text, reason) in cases {
            let error = parse(&text).unwrap_err();
            assert!(error.contains(reason), "{reason}: {error}");
        }
    }
}
