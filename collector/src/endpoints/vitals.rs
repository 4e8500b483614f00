//! `GET /api/{project_id}/vitals?from&to&interval&pages&release&environment&page&browser`:
//! web vitals percentiles, rating shares and performance scores, overall, for the `pages`
//! most viewed pages (default 10, at most 50), per browser and device, with a P75 series
//! ([`crate::query::vitals`]).

use std::collections::HashMap;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::Json;

use crate::endpoints::params::{Params, FILTERS, RANGE};
use crate::endpoints::query::{authorize, run};
use crate::error::ApiError;
use crate::query::vitals::{vitals, Vitals};
use crate::query::Scope;
use crate::AppState;

pub const DEFAULT_PAGES: usize = 10;
pub const MAX_PAGES: usize = 50;

pub async fn read(
    State(state): State<AppState>,
    Path(project): Path<String>,
    params: Result<Query<HashMap<String, String>>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Json<Vitals>, ApiError> {
    let project_id = authorize(&state, &project, &headers)?;
    let params = Params::parse(params, &[RANGE, FILTERS, &["interval", "pages"]])?;
    let range = params.range()?;
    let interval_ms = params.interval(&range)?;
    let pages = params.limit("pages", DEFAULT_PAGES, MAX_PAGES)?;
    let scope = Scope {
        project_id,
        range,
        filters: params.filters(),
    };
    let answer = run(&state, move |store| {
        vitals(store, &scope, interval_ms, pages)
    })
    .await?;
    Ok(Json(answer))
}
