//! `POST /api/{project_id}/events?key=...`: the ingest endpoint of docs/protocol.md.
//!
//! Order matters: the cheap checks that need no body (project, key, origin, headers) run
//! first, so a refused request costs no buffering (its body is read and dropped, so that the
//! client can read the answer); the answer is sent only after the store has committed, which
//! is what makes a 2xx a promise of durability.

use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap};
use axum::Json;
use serde::{Deserialize, Serialize};

use crate::decode;
use crate::discard;
use crate::endpoints::parse_project_id;
use crate::error::ApiError;
use crate::metrics::{self, RejectReason};
use crate::realtime::{IngestRole, Live, LiveEvent};
use crate::store::{now_ms, StoreError};
use crate::validate::{validate_batch, EventType, Rejected, ValidEvent};
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
    // Refused before a byte of the body was read: read it to its end first (bounded), so
    // the client gets to read the answer (see `crate::discard`).
    let project_id = match admit(&state, &project, params, &headers) {
        Ok(project_id) => project_id,
        Err(refusal) => {
            discard_body(&state, &headers, body).await;
            return Err(refusal);
        }
    };
    if let Err(refusal) = decode::check_headers(&headers, &state.limits()) {
        discard_body(&state, &headers, body).await;
        return Err(refusal.into());
    }
    let envelope = decode::decode(&headers, body, &state.limits()).await?;
    let (valid, rejected) = validate_batch(envelope.events);
    let accepted = valid.len();
    for refused in &rejected {
        metrics::global().events_rejected(RejectReason::classify(&refused.reason), 1);
    }
    if !valid.is_empty() {
        let sink = state.sink.clone();
        let sourcemaps = state.sourcemaps.clone();
        let live = state.live.clone();
        let received_at = now_ms();
        let written = tokio::task::spawn_blocking(move || {
            let mut valid = valid;
            for event in valid
                .iter_mut()
                .filter(|e| e.event_type == EventType::Error)
            {
                // A map that trips the parser must not turn an accepted batch into a 503
                // that the SDK would retry for ever: the event is then kept as it came.
                let mapped = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    sourcemaps.symbolicate(project_id, &mut event.payload)
                }));
                if mapped.is_err() {
                    tracing::error!(project_id, event_id = %event.event_id, "symbolication panicked; event kept unsymbolicated");
                }
            }
            let (stored, counted) = clean(&live, project_id, received_at, valid);
            let written = sink.write_batch(project_id, received_at, &stored);
            if written.is_err() {
                live.forget(&counted);
            }
            written.map(|()| counted)
        })
        .await
        .map_err(StoreError::from)
        .and_then(|result| result);
        let counted = match written {
            Ok(counted) => counted,
            Err(e) => {
                metrics::global().events_rejected(RejectReason::StoreUnavailable, accepted);
                return Err(e.into());
            }
        };
        metrics::global().events_accepted(project_id, accepted);
        if state.live.store.is_redis() {
            // The answer does not wait on Redis: the batch is durable already.
            let live = state.live.clone();
            tokio::spawn(async move { live.count(&counted).await });
        } else {
            state.live.count(&counted).await;
        }
    }
    tracing::debug!(
        project_id,
        accepted,
        rejected = rejected.len(),
        "batch ingested"
    );
    Ok(Json(IngestAnswer { accepted, rejected }))
}

/// The events to store and those to count live ([`crate::realtime`]): in embedded mode
/// what cleaning drops is neither stored nor counted (it stays accepted: the SDK must not
/// retry it); in Kafka mode everything goes to the topic, where the consumer cleans.
fn clean(
    live: &Live,
    project_id: u64,
    received_at: i64,
    events: Vec<ValidEvent>,
) -> (Vec<ValidEvent>, Vec<LiveEvent>) {
    if live.role() == IngestRole::Nothing {
        return (events, Vec::new());
    }
    let judged: Vec<LiveEvent> = events
        .iter()
        .map(|e| {
            let at = e.timestamp;
            LiveEvent::of(
                project_id,
                received_at,
                &e.event_id,
                e.event_type,
                at,
                &e.payload,
            )
        })
        .collect();
    let kept = live.judge(&judged);
    let counted = judged
        .into_iter()
        .zip(&kept)
        .filter_map(|(event, keep)| keep.then_some(event))
        .collect();
    let stored = match live.role() {
        IngestRole::CleanAndCount => events
            .into_iter()
            .zip(&kept)
            .filter_map(|(event, keep)| keep.then_some(event))
            .collect(),
        IngestRole::CountOnly | IngestRole::Nothing => events,
    };
    (stored, counted)
}

/// The checks that need no body: project, key, origin.
fn admit(
    state: &AppState,
    project: &str,
    params: Result<Query<IngestParams>, QueryRejection>,
    headers: &HeaderMap,
) -> Result<u64, ApiError> {
    let project_id = parse_project_id(project)?;
    let Query(params) = params.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    state.access.check_key(project_id, params.key.as_deref())?;
    state
        .access
        .check_origin(project_id, headers.get(header::ORIGIN))?;
    Ok(project_id)
}

/// Reads a refused request's body to its end and drops it, within `max_discard_bytes` and
/// `body_timeout_secs`.
pub async fn discard_body(state: &AppState, headers: &HeaderMap, body: Body) {
    let max = state.config.max_discard_bytes;
    if discard::worth_draining(headers, max) {
        discard::drain(body, max, state.limits().timeout).await;
    }
}
