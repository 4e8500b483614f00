//! The issues endpoints ([`crate::query::issues`] defines what they answer):
//!
//! - `GET /api/{project_id}/issues`: range and filters, `interval` (of the sparklines),
//!   `status` (`unresolved`, the default, `resolved`, `ignored` or `all`), `sort` (`count`,
//!   the default, `users`, `last_seen`), `limit` (default 25, at most 100);
//! - `GET /api/{project_id}/issues/{fingerprint}`: one issue and its latest event;
//! - `GET /api/{project_id}/issues/{fingerprint}/events`: its events, a page at a time, as
//!   the event search answers;
//! - `PATCH` (or `POST`, for clients without PATCH) `/api/{project_id}/issues/{fingerprint}`
//!   with `{"status": "resolved" | "unresolved" | "ignored"}`: answers the issue as `GET`.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::Json;
use serde_json::Value;

use crate::endpoints::params::{Params, FILTERS, RANGE};
use crate::endpoints::query::{authorize, run};
use crate::error::ApiError;
use crate::query::issues::{self, IssueDetail, IssueList, IssueQuery, Sort, Status};
use crate::query::Scope;
use crate::store::now_ms;
use crate::AppState;

type RawParams = Result<Query<HashMap<String, String>>, QueryRejection>;

pub const DEFAULT_LIMIT: usize = 25;
pub const MAX_LIMIT: usize = 100;

fn bad(message: String) -> ApiError {
    ApiError::BadRequest(message)
}

pub async fn list(
    State(state): State<AppState>,
    Path(project): Path<String>,
    params: RawParams,
    headers: HeaderMap,
) -> Result<Json<IssueList>, ApiError> {
    let project_id = authorize(&state, &project, &headers)?;
    let params = Params::parse(
        params,
        &[RANGE, FILTERS, &["interval", "status", "sort", "limit"]],
    )?;
    let range = params.range()?;
    let status = match params.text("status").as_deref() {
        None => Some(Status::Unresolved),
        Some("all") => None,
        Some(raw) => Some(Status::parse(raw).ok_or_else(|| {
            bad(format!(
                "status {raw:?} is not unresolved, resolved, ignored or all"
            ))
        })?),
    };
    let sort = match params.text("sort") {
        None => Sort::Count,
        Some(raw) => Sort::parse(&raw)
            .ok_or_else(|| bad(format!("sort {raw:?} is not count, users or last_seen")))?,
    };
    let query = IssueQuery {
        interval_ms: params.interval(&range)?,
        scope: Scope {
            project_id,
            range,
            filters: params.filters(),
        },
        status,
        sort,
        limit: params.limit("limit", DEFAULT_LIMIT, MAX_LIMIT)?,
    };
    Ok(Json(
        run(&state, move |store| issues::issues(store, &query)).await?,
    ))
}

fn check_fingerprint(fingerprint: &str) -> Result<(), ApiError> {
    let hex = fingerprint.len() == 32
        && fingerprint
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    if hex {
        Ok(())
    } else {
        Err(bad(format!(
            "issue {fingerprint:?} is not a fingerprint (32 lowercase hex characters)"
        )))
    }
}

fn no_such(fingerprint: &str, project_id: u64) -> ApiError {
    ApiError::NoSuch(format!("no issue {fingerprint} in project {project_id}"))
}

/// The scope and interval of a one-issue request.
fn scope_of(project_id: u64, params: &Params) -> Result<(Scope, i64), ApiError> {
    let range = params.range()?;
    let interval = params.interval(&range)?;
    let scope = Scope {
        project_id,
        range,
        filters: params.filters(),
    };
    Ok((scope, interval))
}

pub async fn one(
    State(state): State<AppState>,
    Path((project, fingerprint)): Path<(String, String)>,
    params: RawParams,
    headers: HeaderMap,
) -> Result<Json<IssueDetail>, ApiError> {
    let project_id = authorize(&state, &project, &headers)?;
    check_fingerprint(&fingerprint)?;
    let params = Params::parse(params, &[RANGE, FILTERS, &["interval"]])?;
    let (scope, interval) = scope_of(project_id, &params)?;
    let id = fingerprint.clone();
    run(&state, move |store| {
        issues::issue(store, &scope, &id, interval)
    })
    .await?
    .map(Json)
    .ok_or_else(|| no_such(&fingerprint, project_id))
}

pub async fn change(
    State(state): State<AppState>,
    Path((project, fingerprint)): Path<(String, String)>,
    params: RawParams,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<IssueDetail>, ApiError> {
    let project_id = authorize(&state, &project, &headers)?;
    check_fingerprint(&fingerprint)?;
    let params = Params::parse(params, &[RANGE, FILTERS, &["interval"]])?;
    let (scope, interval) = scope_of(project_id, &params)?;
    let request: Value =
        serde_json::from_slice(&body).map_err(|e| bad(format!("the body is not JSON: {e}")))?;
    let status = request
        .get("status")
        .and_then(Value::as_str)
        .and_then(Status::parse)
        .ok_or_else(|| {
            bad("the body must be {\"status\": \"resolved\" | \"unresolved\" | \"ignored\"}".into())
        })?;
    let id = fingerprint.clone();
    let now = now_ms();
    run(&state, move |store| {
        issues::set_status(store, &scope, &id, status, now, interval)
    })
    .await?
    .map(Json)
    .ok_or_else(|| no_such(&fingerprint, project_id))
}

pub async fn events(
    State(state): State<AppState>,
    Path((project, fingerprint)): Path<(String, String)>,
    params: RawParams,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let project_id = authorize(&state, &project, &headers)?;
    check_fingerprint(&fingerprint)?;
    let params = Params::parse(params, &[RANGE, FILTERS, &["limit", "cursor"]])?;
    super::events::search_page(&state, project_id, &params, Some(fingerprint)).await
}
