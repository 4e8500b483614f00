//! `GET /api/{project_id}/events`: event search, newest first, a page at a time; and
//! `GET /api/{project_id}/events/{event_id}`: one event.
//!
//! Search takes the range and filters of every query plus `type`, `user` (user id),
//! `session` (session id), `q` (case-insensitive text in the event's headline: an error's
//! message, a click's target ...), `issue` (an issue's fingerprint), `limit` and `cursor`. The answer's `next_cursor`, passed
//! back as `cursor`, gives the next page; it is `null` on the last one.

use std::collections::HashMap;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::Json;
use serde_json::{json, Value};

use crate::endpoints::params::{Params, FILTERS, RANGE};
use crate::endpoints::query::{authorize, run};
use crate::error::ApiError;
use crate::query::{Cursor, Scope, Search};
use crate::AppState;

pub const DEFAULT_LIMIT: usize = 100;
/// Caps one answer so a careless query cannot make the collector serialize the whole store.
pub const MAX_LIMIT: usize = 1000;

const SEARCH: &[&str] = &["type", "user", "session", "q", "issue", "limit", "cursor"];

pub async fn read(
    State(state): State<AppState>,
    Path(project): Path<String>,
    params: Result<Query<HashMap<String, String>>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let project_id = authorize(&state, &project, &headers)?;
    let params = Params::parse(params, &[RANGE, FILTERS, SEARCH])?;
    search_page(&state, project_id, &params, params.text("issue")).await
}

/// One page of a search; `issue` restricts it to one issue's events.
pub async fn search_page(
    state: &AppState,
    project_id: u64,
    params: &Params,
    issue: Option<String>,
) -> Result<Json<Value>, ApiError> {
    let limit = params.limit("limit", DEFAULT_LIMIT, MAX_LIMIT)?;
    let search = Search {
        scope: Scope {
            project_id,
            range: params.range()?,
            filters: params.filters(),
        },
        event_type: params.event_type()?,
        user_id: params.text("user"),
        session_id: params.text("session"),
        text: params.text("q"),
        fingerprint: issue,
        before: params.cursor()?,
        // One more than asked for says whether there is a next page.
        limit: limit + 1,
    };
    let mut events = run(state, move |store| store.search(&search)).await?;
    let next_cursor = if events.len() > limit {
        events.truncate(limit);
        events.last().and_then(Cursor::after).map(|c| c.to_string())
    } else {
        None
    };
    Ok(Json(
        json!({ "events": events, "next_cursor": next_cursor }),
    ))
}

pub async fn one(
    State(state): State<AppState>,
    Path((project, event_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let project_id = authorize(&state, &project, &headers)?;
    if event_id.len() != 32
        || !event_id
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    {
        return Err(ApiError::BadRequest(format!(
            "event id {event_id:?} is not 32 lowercase hex characters"
        )));
    }
    let id = event_id.clone();
    match run(&state, move |store| store.event(project_id, &id)).await? {
        Some(event) => Ok(Json(event)),
        None => Err(ApiError::NoSuch(format!(
            "no event {event_id} in project {project_id}"
        ))),
    }
}
