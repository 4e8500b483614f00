//! `GET /api/{project_id}/overview?from&to&interval&release&environment&page&browser`:
//! counts by type, page views, visitors, sessions, session duration, bounce and error rates,
//! as totals with the change against the previous period and as a series
//! ([`crate::query::overview`] defines each).

use std::collections::HashMap;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::Json;

use crate::endpoints::params::{Params, FILTERS, RANGE};
use crate::endpoints::query::{authorize, run};
use crate::error::ApiError;
use crate::query::overview::{overview, Overview};
use crate::query::Scope;
use crate::AppState;

pub async fn read(
    State(state): State<AppState>,
    Path(project): Path<String>,
    params: Result<Query<HashMap<String, String>>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Json<Overview>, ApiError> {
    let project_id = authorize(&state, &project, &headers)?;
    let params = Params::parse(params, &[RANGE, FILTERS, &["interval"]])?;
    let range = params.range()?;
    let interval_ms = params.interval(&range)?;
    let scope = Scope {
        project_id,
        range,
        filters: params.filters(),
    };
    let answer = run(&state, move |store| overview(store, &scope, interval_ms)).await?;
    Ok(Json(answer))
}
