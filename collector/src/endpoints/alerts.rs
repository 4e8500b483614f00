//! `GET /api/{project_id}/alerts`: the project's alert rules with their states;
//! `POST /api/{project_id}/alerts/rules`, `PUT` and `DELETE /api/{project_id}/alerts/rules/{name}`:
//! rules created, replaced and deleted through the API (the configuration file's rules are
//! read-only here); `POST .../alerts/rules/{name}/test`: a test notification;
//! `GET /api/{project_id}/alerts/history`: the notifications and how their delivery went,
//! newest first ([`crate::alerts`]). Same token as the query API.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde_json::{json, Value};

use crate::alerts::rules::{RuleError, Source};
use crate::config::AlertRule;
use crate::endpoints::params::Params;
use crate::endpoints::query::authorize;
use crate::error::ApiError;
use crate::AppState;

pub async fn rules(
    State(state): State<AppState>,
    Path(project): Path<String>,
    params: Result<Query<HashMap<String, String>>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let project_id = authorize(&state, &project, &headers)?;
    Params::parse(params, &[])?;
    let snapshot = state.alerts.snapshot().await;
    let rules: Vec<Value> = state
        .alerts
        .rules()
        .await
        .into_iter()
        .filter(|(rule, _)| rule.project == project_id)
        .map(|(rule, source)| {
            let current = snapshot.rules.get(&rule.name).cloned().unwrap_or_default();
            let mut described = describe(&rule, source);
            described["state"] = json!(current.state);
            described["since"] = json!(current.since);
            described["value"] = json!(current.last_value);
            described["last_evaluated_at"] = json!(current.last_evaluated_at);
            described["last_notified_at"] = json!(current.last_notified_at);
            described
        })
        .collect();
    Ok(Json(json!({ "rules": rules })))
}

pub async fn create(
    State(state): State<AppState>,
    Path(project): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let project_id = authorize(&state, &project, &headers)?;
    let rule = parse_rule(&body, project_id, None)?;
    state.alerts.create(rule.clone()).await.map_err(refused)?;
    Ok((StatusCode::CREATED, Json(describe(&rule, Source::Api))))
}

pub async fn replace(
    State(state): State<AppState>,
    Path((project, name)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let project_id = authorize(&state, &project, &headers)?;
    in_project(&state, project_id, &name).await?;
    let rule = parse_rule(&body, project_id, Some(&name))?;
    state
        .alerts
        .replace(&name, rule.clone())
        .await
        .map_err(refused)?;
    Ok(Json(describe(&rule, Source::Api)))
}

pub async fn delete(
    State(state): State<AppState>,
    Path((project, name)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let project_id = authorize(&state, &project, &headers)?;
    in_project(&state, project_id, &name).await?;
    state.alerts.remove(&name).await.map_err(refused)?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/{project_id}/alerts/rules/{name}/test`: a test notification to the rule's
/// webhook, any rule (the file's too); answers how the delivery went.
pub async fn test(
    State(state): State<AppState>,
    Path((project, name)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let project_id = authorize(&state, &project, &headers)?;
    in_project(&state, project_id, &name).await?;
    let delivery = state.alerts.test(&name, &state).await.map_err(refused)?;
    Ok(Json(json!({
        "delivered": delivery.delivered, "attempts": delivery.attempts,
        "status": delivery.status, "error": delivery.error,
    })))
}

/// A rule of another project is as absent as one that does not exist.
async fn in_project(state: &AppState, project_id: u64, name: &str) -> Result<(), ApiError> {
    match state.alerts.rule(name).await {
        Some((rule, _)) if rule.project == project_id => Ok(()),
        _ => Err(refused(RuleError::Unknown(name.to_owned()))),
    }
}

/// The body as a rule of `project_id`. The project comes from the path (a body that names
/// another is refused); a `PUT` body without a name keeps the rule's.
fn parse_rule(body: &[u8], project_id: u64, name: Option<&str>) -> Result<AlertRule, ApiError> {
    let bad = ApiError::BadRequest;
    let mut value: Value =
        serde_json::from_slice(body).map_err(|e| bad(format!("the body is not JSON: {e}")))?;
    let object = value
        .as_object_mut()
        .ok_or_else(|| bad("the body must be a JSON object: the rule".to_owned()))?;
    match object.get("project") {
        None => {
            object.insert("project".to_owned(), json!(project_id));
        }
        Some(given) if given.as_u64() == Some(project_id) => {}
        Some(given) => {
            return Err(bad(format!(
                "the rule's project ({given}) is not the project of the URL ({project_id})"
            )))
        }
    }
    if let (Some(name), None) = (name, object.get("name")) {
        object.insert("name".to_owned(), json!(name));
    }
    serde_json::from_value(value).map_err(|e| bad(format!("not a valid rule: {e}")))
}

fn refused(error: RuleError) -> ApiError {
    let message = error.to_string();
    match error {
        RuleError::Invalid(_) => ApiError::BadRequest(message),
        RuleError::Exists(_) | RuleError::Configured(_) => ApiError::Conflict(message),
        RuleError::Unknown(_) => ApiError::NoSuch(message),
        RuleError::NotSaved(_) => ApiError::NotSaved(message),
    }
}

/// A rule as the API shows it: every field, and where it comes from.
fn describe(rule: &AlertRule, source: Source) -> Value {
    let mut described = serde_json::to_value(rule).unwrap_or_default();
    described["source"] = json!(source);
    described
}

pub async fn history(
    State(state): State<AppState>,
    Path(project): Path<String>,
    params: Result<Query<HashMap<String, String>>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let project_id = authorize(&state, &project, &headers)?;
    let params = Params::parse(params, &[&["limit"]])?;
    let limit = params.limit("limit", 100, 500)?;
    let snapshot = state.alerts.snapshot().await;
    let entries: Vec<_> = snapshot
        .history
        .into_iter()
        .rev()
        .filter(|entry| entry.project_id == project_id)
        .take(limit)
        .collect();
    Ok(Json(json!({ "history": entries })))
}
