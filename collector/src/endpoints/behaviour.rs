//! `GET /api/{project_id}/behaviour?from&to&limit&<filters>`: the top-`limit` lists
//! (default 10, at most 100) of [`crate::query::behaviour`]; `GET /api/{project_id}/sessions
//! ?from&to&limit&<filters>`: the latest sessions ([`crate::query::sessions`]; default 20,
//! at most 100).

use std::collections::HashMap;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::Json;

use crate::endpoints::params::{Params, FILTERS, RANGE};
use crate::endpoints::query::{authorize, run};
use crate::error::ApiError;
use crate::query::behaviour::{behaviour, Behaviour};
use crate::query::sessions::{session_list, SessionList};
use crate::query::Scope;
use crate::AppState;

pub const DEFAULT_LIMIT: usize = 10;
pub const MAX_LIMIT: usize = 100;

pub async fn read(
    State(state): State<AppState>,
    Path(project): Path<String>,
    params: Result<Query<HashMap<String, String>>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Json<Behaviour>, ApiError> {
    let project_id = authorize(&state, &project, &headers)?;
    let params = Params::parse(params, &[RANGE, FILTERS, &["limit"]])?;
    let top = params.limit("limit", DEFAULT_LIMIT, MAX_LIMIT)?;
    let scope = Scope {
        project_id,
        range: params.range()?,
        filters: params.filters(),
    };
    let answer = run(&state, move |store| behaviour(store, &scope, top)).await?;
    Ok(Json(answer))
}

pub async fn sessions(
    State(state): State<AppState>,
    Path(project): Path<String>,
    params: Result<Query<HashMap<String, String>>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Json<SessionList>, ApiError> {
    let project_id = authorize(&state, &project, &headers)?;
    let params = Params::parse(params, &[RANGE, FILTERS, &["limit"]])?;
    let limit = params.limit("limit", 20, MAX_LIMIT)?;
    let scope = Scope {
        project_id,
        range: params.range()?,
        filters: params.filters(),
    };
    let answer = run(&state, move |store| session_list(store, &scope, limit)).await?;
    Ok(Json(answer))
}
