//! `GET /api/{project_id}/events?limit=100&type=error`: stored events, newest first, for the
//! dashboard and the tests.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::auth::AuthError;
use crate::endpoints::parse_project_id;
use crate::error::ApiError;
use crate::store::{EventQuery, StoreError};
use crate::validate::EventType;
use crate::AppState;

pub const DEFAULT_LIMIT: usize = 100;
/// Caps one answer so a careless query cannot make the collector serialize the whole store.
pub const MAX_LIMIT: usize = 1000;

#[derive(Debug, Deserialize)]
pub struct ReadParams {
    limit: Option<String>,
    #[serde(rename = "type")]
    event_type: Option<String>,
}

pub async fn read(
    State(state): State<AppState>,
    Path(project): Path<String>,
    params: Result<Query<ReadParams>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let project_id = parse_project_id(&project)?;
    // The token is checked before the project, so that without it one cannot probe which
    // project ids exist.
    state
        .access
        .check_token(headers.get(header::AUTHORIZATION))?;
    if !state.access.has_project(project_id) {
        return Err(AuthError::UnknownProject { project_id }.into());
    }
    let Query(params) = params.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let query = EventQuery {
        project_id,
        event_type: parse_type(params.event_type.as_deref())?,
        limit: parse_limit(params.limit.as_deref())?,
    };
    let reader = state.reader.clone();
    let events = tokio::task::spawn_blocking(move || reader.query(&query))
        .await
        .map_err(StoreError::from)??;
    Ok(Json(json!({ "events": events })))
}

fn parse_limit(raw: Option<&str>) -> Result<usize, ApiError> {
    match raw {
        None | Some("") => Ok(DEFAULT_LIMIT),
        Some(raw) => raw
            .parse::<usize>()
            .map(|limit| limit.min(MAX_LIMIT))
            .map_err(|_| ApiError::BadRequest(format!("limit {raw:?} is not a whole number"))),
    }
}

fn parse_type(raw: Option<&str>) -> Result<Option<EventType>, ApiError> {
    match raw {
        None | Some("") => Ok(None),
        Some(raw) => EventType::parse(raw)
            .map(Some)
            .ok_or_else(|| ApiError::BadRequest(format!("unknown event type {raw:?}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_and_types() {
        assert_eq!(parse_limit(None).ok(), Some(DEFAULT_LIMIT));
        assert_eq!(parse_limit(Some("5")).ok(), Some(5));
        assert_eq!(parse_limit(Some("5000")).ok(), Some(MAX_LIMIT));
        assert!(parse_limit(Some("-1")).is_err());
        assert_eq!(
            parse_type(Some("web_vital")).ok(),
            Some(Some(EventType::WebVital))
        );
        assert!(parse_type(Some("nope")).is_err());
    }
}
