//! `GET /api/{project_id}/alerts`: the project's alert rules with their states, and
//! `GET /api/{project_id}/alerts/history`: its notifications and how their delivery went,
//! newest first ([`crate::alerts`]). Same token as the query API.

use std::collections::HashMap;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::Json;
use serde_json::{json, Value};

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
        .iter()
        .filter(|rule| rule.project == project_id)
        .map(|rule| {
            let current = snapshot.rules.get(&rule.name).cloned().unwrap_or_default();
            json!({
                "name": rule.name, "kind": rule.kind, "threshold": rule.threshold,
                "window_minutes": rule.window_minutes, "issue": rule.issue,
                "action_interval_secs": rule.action_interval_secs,
                "state": current.state, "since": current.since, "value": current.last_value,
                "last_evaluated_at": current.last_evaluated_at,
                "last_notified_at": current.last_notified_at,
            })
        })
        .collect();
    Ok(Json(json!({ "rules": rules })))
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
