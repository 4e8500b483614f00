//! Delivering a notification: a POST of the documented JSON payload (or, with
//! `format = "slack"`, a Slack-compatible `{"text": ...}`), retried with backoff.

use std::time::Duration;

use serde_json::{json, Value};

use super::state::Transition;
use super::Reading;
use crate::config::{AlertKind, AlertRule, WebhookFormat};
use crate::AppState;

const ATTEMPTS: u32 = 3;
const FIRST_BACKOFF: Duration = Duration::from_secs(1);
const TIMEOUT: Duration = Duration::from_secs(5);

/// How a delivery went.
#[derive(Clone, Debug, PartialEq)]
pub struct Delivery {
    pub delivered: bool,
    pub attempts: u32,
    pub status: Option<u16>,
    pub error: Option<String>,
}

/// Where in the dashboard a rule's notification leads: its issue, the issues, the vitals
/// (of its page), or the overview. `base` is `alerts.public_url` ('' for a path).
pub fn link(base: &str, rule: &AlertRule) -> String {
    let project = rule.project;
    let view = match (rule.kind, &rule.issue) {
        (AlertKind::ErrorCount | AlertKind::UsersAffected, Some(issue)) => {
            format!("issues/{}?project={project}", encode(issue))
        }
        (
            AlertKind::ErrorCount
            | AlertKind::UsersAffected
            | AlertKind::NewIssue
            | AlertKind::Regression,
            _,
        ) => format!("issues?project={project}"),
        (AlertKind::VitalP75, _) => match &rule.page {
            Some(page) => format!("vitals?project={project}&page={}", encode(page)),
            None => format!("vitals?project={project}"),
        },
        _ => format!("overview?project={project}"),
    };
    format!("{base}/dashboard/#/{view}")
}

/// Percent-encodes what is not unreserved, for a path segment or query value.
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The payload of docs/alerts.md.
pub fn payload(
    rule: &AlertRule,
    transition: &Transition,
    reading: &Reading,
    now: i64,
    base: &str,
) -> Value {
    let issues: Vec<Value> = match transition {
        Transition::NewIssues(issues) => issues
            .iter()
            .map(|(fingerprint, title)| {
                json!({"fingerprint": fingerprint, "title": title,
                "link": format!("{base}/dashboard/#/issues/{}?project={}", encode(fingerprint), rule.project)})
            })
            .collect(),
        _ => Vec::new(),
    };
    json!({
        "rule": rule.name,
        "kind": rule.kind,
        "project_id": rule.project,
        "state": transition.event(rule.kind),
        "value": reading.value,
        "threshold": rule.threshold,
        "window_minutes": rule.window_minutes,
        "at": now,
        "issues": issues,
        "link": link(base, rule),
    })
}

fn slack_text(rule: &AlertRule, transition: &Transition, reading: &Reading, base: &str) -> String {
    let text = summary(rule, transition, reading);
    if base.is_empty() {
        return text;
    }
    // Slack's link markup: <url|label>.
    format!("{text} <{}|Open in the dashboard>", link(base, rule))
}

fn summary(rule: &AlertRule, transition: &Transition, reading: &Reading) -> String {
    match transition {
        Transition::NewIssues(issues) => {
            let titles: Vec<&str> = issues.iter().map(|(_, title)| title.as_str()).collect();
            let what = if rule.kind == AlertKind::Regression {
                "Regression"
            } else {
                "New issue"
            };
            format!(
                "{what} in project {} ({}): {}",
                rule.project,
                rule.name,
                titles.join("; ")
            )
        }
        Transition::Test => format!(
            "Test of {} (project {}): this webhook receives its notifications",
            rule.name, rule.project
        ),
        Transition::Resolved => format!(
            "Resolved: {} (project {}): {} now, threshold {}",
            rule.name, rule.project, reading.value, rule.threshold
        ),
        Transition::Firing | Transition::StillFiring => format!(
            "Firing: {} (project {}): {} in {} min, threshold {}",
            rule.name, rule.project, reading.value, rule.window_minutes, rule.threshold
        ),
    }
}

/// POSTs the notification, up to [`ATTEMPTS`] times with doubling backoff.
pub async fn deliver(
    rule: &AlertRule,
    transition: &Transition,
    reading: &Reading,
    app: &AppState,
) -> Delivery {
    let now = crate::store::now_ms();
    let base = app.config.alerts.public_url.as_deref().unwrap_or("");
    let body = match rule.format {
        WebhookFormat::Json => payload(rule, transition, reading, now, base),
        WebhookFormat::Slack => json!({"text": slack_text(rule, transition, reading, base)}),
    }
    .to_string();
    let url = rule.webhook.clone();
    let mut delivery = Delivery {
        delivered: false,
        attempts: 0,
        status: None,
        error: None,
    };
    let mut backoff = FIRST_BACKOFF;
    for attempt in 1..=ATTEMPTS {
        delivery.attempts = attempt;
        let (url, body) = (url.clone(), body.clone());
        let sent = tokio::task::spawn_blocking(move || post(&url, &body)).await;
        match sent {
            Ok(Ok(status)) if (200..300).contains(&status) => {
                delivery.delivered = true;
                delivery.status = Some(status);
                delivery.error = None;
                return delivery;
            }
            Ok(Ok(status)) => {
                delivery.status = Some(status);
                delivery.error = Some(format!("answered {status}"));
            }
            Ok(Err(e)) => delivery.error = Some(e),
            Err(e) => delivery.error = Some(e.to_string()),
        }
        if attempt < ATTEMPTS {
            tokio::time::sleep(backoff).await;
            backoff *= 2;
        }
    }
    tracing::warn!(rule = %rule.name, error = ?delivery.error, "alert notification not delivered");
    delivery
}

fn post(url: &str, body: &str) -> Result<u16, String> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(TIMEOUT))
        .build()
        .into();
    agent
        .post(url)
        .header("content-type", "application/json")
        .send(body)
        .map(|response| response.status().as_u16())
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(kind: AlertKind) -> AlertRule {
        AlertRule {
            project: 3,
            vital: Some("LCP".into()),
            format: WebhookFormat::Slack,
            ..AlertRule::example("r", kind)
        }
    }

    #[test]
    fn links_lead_to_the_view_a_rule_is_about() {
        let base = "https://monitor.example";
        let cases = [
            (rule(AlertKind::ErrorCount), "issues?project=3"),
            (rule(AlertKind::NewIssue), "issues?project=3"),
            (rule(AlertKind::EventsBelow), "overview?project=3"),
            (rule(AlertKind::ConsumerLag), "overview?project=3"),
            (rule(AlertKind::VitalP75), "vitals?project=3"),
            (
                AlertRule {
                    page: Some("/checkout?step=2".into()),
                    ..rule(AlertKind::VitalP75)
                },
                "vitals?project=3&page=/checkout%3Fstep%3D2",
            ),
            (
                AlertRule {
                    issue: Some("ab12".into()),
                    ..rule(AlertKind::UsersAffected)
                },
                "issues/ab12?project=3",
            ),
        ];
        for (rule, view) in cases {
            assert_eq!(
                link(base, &rule),
                format!("{base}/dashboard/#/{view}"),
                "{:?}",
                rule.kind
            );
        }
        assert_eq!(
            link("", &rule(AlertKind::ErrorCount)),
            "/dashboard/#/issues?project=3"
        );
    }

    #[test]
    fn slack_text_links_to_the_dashboard_only_with_a_public_url() {
        let rule = rule(AlertKind::ErrorCount);
        let reading = Reading {
            value: 7.0,
            breached: true,
            new_issues: Vec::new(),
        };
        let bare = slack_text(&rule, &Transition::Firing, &reading, "");
        assert_eq!(bare, "Firing: r (project 3): 7 in 5 min, threshold 2");
        let linked = slack_text(&rule, &Transition::Firing, &reading, "https://m.example");
        assert_eq!(
            linked,
            format!(
                "{bare} <https://m.example/dashboard/#/issues?project=3|Open in the dashboard>"
            )
        );
    }
}
