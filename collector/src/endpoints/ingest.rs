//! `POST /api/{project_id}/events?key=...`: the ingest endpoint of docs/protocol.md.
//!
//! Order matters: the cheap checks that need no body (project, key, origin, headers) run
//! first, so a refused request costs no reading; the answer is sent only after the store has
//! committed, which is what makes a 2xx a promise of durability.

use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap};
use axum::Json;
use serde::{Deserialize, Serialize};

use crate::decode;
use crate::endpoints::parse_project_id;
use crate::error::ApiError;
use crate::metrics::{self, RejectReason};
use crate::store::{now_ms, StoreError};
use crate::validate::{validate_batch, Rejected};
use crate::AppState;

#[derive(Debug, Deserialize)]
pub struct IngestParams {
    key: Option<String>,
}

/// The 200 answer: how many events were accepted and why the others were not.
#[derive(Debug, Serialize)]
pub struct IngestAnswer {
    pub accepted: usize,
    pub rejected: Vec<Rejected>,
}

pub async fn ingest(
    State(state): State<AppState>,
    Path(project): Path<String>,
    params: Result<Query<IngestParams>, QueryRejection>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<IngestAnswer>, ApiError> {
    let project_id = parse_project_id(&project)?;
    let Query(params) = params.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    state.access.check_key(project_id, params.key.as_deref())?;
    state
        .access
        .check_origin(project_id, headers.get(header::ORIGIN))?;

    let envelope = decode::decode(&headers, body, &state.limits()).await?;
    let (valid, rejected) = validate_batch(envelope.events);
    let accepted = valid.len();
    for refused in &rejected {
        metrics::global().events_rejected(RejectReason::classify(&refused.reason), 1);
    }
    if !valid.is_empty() {
        let sink = state.sink.clone();
        let received_at = now_ms();
        let written =
            tokio::task::spawn_blocking(move || sink.write_batch(project_id, received_at, &valid))
                .await
                .map_err(StoreError::from)
                .and_then(|result| result);
        if let Err(e) = written {
            metrics::global().events_rejected(RejectReason::StoreUnavailable, accepted);
            return Err(e.into());
        }
        metrics::global().events_accepted(project_id, accepted);
    }
    tracing::debug!(
        project_id,
        accepted,
        rejected = rejected.len(),
        "batch ingested"
    );
    Ok(Json(IngestAnswer { accepted, rejected }))
}
