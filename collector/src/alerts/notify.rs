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

/// The payload of docs/alerts.md.
pub fn payload(rule: &AlertRule, transition: &Transition, reading: &Reading, now: i64) -> Value {
    let issues: Vec<Value> = match transition {
        Transition::NewIssues(issues) => issues
            .iter()
            .map(|(fingerprint, title)| {
                json!({"fingerprint": fingerprint, "title": title,
                "link": format!("/dashboard/#/issues/{fingerprint}?project={}", rule.project)})
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
        "link": format!("/dashboard/#/overview?project={}", rule.project),
    })
}

fn slack_text(rule: &AlertRule, transition: &Transition, reading: &Reading) -> String {
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
    _app: &AppState,
) -> Delivery {
    let now = crate::store::now_ms();
    let body = match rule.format {
        WebhookFormat::Json => payload(rule, transition, reading, now),
        WebhookFormat::Slack => json!({"text": slack_text(rule, transition, reading)}),
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
