//! The real-time endpoints, `GET /api/{project_id}/live/...`: counters, the last minutes of a
//! window, a day's Top-N, unique visitors and sessions, and a server-sent-events stream of
//! per-second counter updates for the live dashboard. Same token and OpenAPI document as
//! the query API; answered from the live store ([`crate::realtime::read`]), not the stores
//! of the query API, so they cost one round trip to Redis (or none, in memory).

use std::collections::HashMap;
use std::convert::Infallible;
use std::time::Duration;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::Json;
use futures_util::Stream;
use serde::Serialize;

use crate::endpoints::params::Params;
use crate::endpoints::query::authorize;
use crate::error::ApiError;
use crate::realtime::keys::{parse, parse_date, Board, Per, Stat, UniqueOf};
use crate::realtime::read::{self, Counters, Minute, Top, Uniques, Window, MAX_BUCKETS, MAX_TOP};
use crate::realtime::store::LiveError;
use crate::store::{now_ms, StoreError};
use crate::AppState;

/// How often the stream sends.
const STREAM_EVERY: Duration = Duration::from_secs(1);

fn unavailable(e: LiveError) -> ApiError {
    ApiError::Read(StoreError::Unavailable(e.to_string()))
}

fn unknown<T: Copy>(what: &str, raw: &str, all: &[T], as_str: fn(T) -> &'static str) -> ApiError {
    let names: Vec<&str> = all.iter().map(|item| as_str(*item)).collect();
    ApiError::NoSuch(format!("no {what} {raw:?}; known: {}", names.join(", ")))
}

/// `to`: the end of the read in ms since the epoch (default now).
fn to(params: &Params) -> Result<f64, ApiError> {
    Ok(params.integer("to")?.unwrap_or_else(now_ms) as f64)
}

pub async fn counters(
    State(state): State<AppState>,
    Path(project): Path<String>,
    params: Result<Query<HashMap<String, String>>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Json<Counters>, ApiError> {
    let project_id = authorize(&state, &project, &headers)?;
    Params::parse(params, &[])?;
    let live = &state.live;
    let answer = read::counters(&live.store, &live.aggregators, project_id).await;
    Ok(Json(answer.map_err(unavailable)?))
}

pub async fn window(
    State(state): State<AppState>,
    Path((project, stat)): Path<(String, String)>,
    params: Result<Query<HashMap<String, String>>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Json<Window>, ApiError> {
    let project_id = authorize(&state, &project, &headers)?;
    let stat = parse(&Stat::ALL, &stat, Stat::as_str)
        .ok_or_else(|| unknown("window", &stat, &Stat::ALL, Stat::as_str))?;
    let params = Params::parse(params, &[&["minutes", "to"]])?;
    let minutes = params.limit("minutes", 60, MAX_BUCKETS)?;
    let live = &state.live;
    let answer = read::window(
        &live.store,
        &live.aggregators,
        project_id,
        stat,
        minutes,
        to(&params)?,
    );
    Ok(Json(answer.await.map_err(unavailable)?))
}

pub async fn top(
    State(state): State<AppState>,
    Path((project, board)): Path<(String, String)>,
    params: Result<Query<HashMap<String, String>>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Json<Top>, ApiError> {
    let project_id = authorize(&state, &project, &headers)?;
    let board = parse(&Board::ALL, &board, Board::as_str)
        .ok_or_else(|| unknown("leaderboard", &board, &Board::ALL, Board::as_str))?;
    let params = Params::parse(params, &[&["day", "limit"]])?;
    let limit = params.limit("limit", 10, MAX_TOP)?;
    let day = match params.text("day") {
        None => now_ms() / 1000,
        Some(raw) => parse_date(&raw)
            .ok_or_else(|| ApiError::BadRequest(format!("day {raw:?} is not a date YYYY-MM-DD")))?,
    };
    let live = &state.live;
    let answer = read::top(
        &live.store,
        &live.aggregators,
        project_id,
        board,
        day,
        limit,
    );
    Ok(Json(answer.await.map_err(unavailable)?))
}

pub async fn uniques(
    State(state): State<AppState>,
    Path((project, of)): Path<(String, String)>,
    params: Result<Query<HashMap<String, String>>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Json<Uniques>, ApiError> {
    let project_id = authorize(&state, &project, &headers)?;
    let of = parse(&UniqueOf::ALL, &of, UniqueOf::as_str)
        .ok_or_else(|| unknown("unique count", &of, &UniqueOf::ALL, UniqueOf::as_str))?;
    let params = Params::parse(params, &[&["per", "last", "to"]])?;
    let per = match params.text("per") {
        None => Per::Hour,
        Some(raw) => parse(&Per::ALL, &raw, Per::as_str).ok_or_else(|| {
            ApiError::BadRequest(format!("per {raw:?} is not one of minute, hour, day"))
        })?,
    };
    let last = params.limit("last", 24, MAX_BUCKETS)?;
    let live = &state.live;
    let answer = read::uniques(
        &live.store,
        &live.aggregators,
        project_id,
        of,
        per,
        last,
        to(&params)?,
    );
    Ok(Json(answer.await.map_err(unavailable)?))
}

/// One message of the stream.
#[derive(Serialize)]
struct Tick {
    /// When it was read, ms since the epoch.
    at: i64,
    counters: Counters,
    /// The current minute of the events window.
    minute: Minute,
}

/// `GET /api/{project_id}/live/stream`: `event: counters` every second with the counters
/// and the current minute; `event: unavailable` while the live store does not answer (the
/// stream stays open and recovers by itself).
pub async fn stream(
    State(state): State<AppState>,
    Path(project): Path<String>,
    params: Result<Query<HashMap<String, String>>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let project_id = authorize(&state, &project, &headers)?;
    Params::parse(params, &[])?;
    let ticks = futures_util::stream::unfold((state, true), move |(state, first)| async move {
        if !first {
            tokio::time::sleep(STREAM_EVERY).await;
        }
        let event = match tick(&state, project_id).await {
            Ok(tick) => Event::default()
                .event("counters")
                .data(serde_json::to_string(&tick).unwrap_or_default()),
            Err(e) => Event::default().event("unavailable").data(e.to_string()),
        };
        Some((Ok(event), (state, false)))
    });
    Ok(Sse::new(ticks).keep_alive(KeepAlive::default()))
}

async fn tick(state: &AppState, project_id: u64) -> Result<Tick, LiveError> {
    let live = &state.live;
    let at = now_ms();
    let counters = read::counters(&live.store, &live.aggregators, project_id).await?;
    let window = read::window(
        &live.store,
        &live.aggregators,
        project_id,
        Stat::Events,
        1,
        at as f64,
    );
    let minute = window.await?.minutes.pop().unwrap_or(Minute {
        start: at - at.rem_euclid(60_000),
        counts: Default::default(),
        vitals: Default::default(),
    });
    Ok(Tick {
        at,
        counters,
        minute,
    })
}
