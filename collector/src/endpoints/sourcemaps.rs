//! Source map uploads, behind the api token like every read ([`crate::sourcemaps`] says how
//! they are used):
//!
//! - `POST /api/{project_id}/releases/{release}/sourcemaps?url=URL` with one file as the
//!   body: a minified script or its map (`.map`), under the URL the browser loads the
//!   script from, or `~/path` for any host. Answers 201 with what was kept and the releases
//!   deleted to stay within the bounds;
//! - `GET` the same path without `url`: the release's files;
//! - `DELETE`: all of the release's files.

use std::collections::HashMap;

use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::Json;
use serde_json::{json, Value};

use crate::decode::DecodeError;
use crate::endpoints::params::Params;
use crate::endpoints::query::authorize;
use crate::error::ApiError;
use crate::sourcemaps::{classify, Release, SourceMapError};
use crate::store::now_ms;
use crate::AppState;

type RawParams = Result<Query<HashMap<String, String>>, QueryRejection>;

pub async fn upload(
    State(state): State<AppState>,
    Path((project, release)): Path<(String, String)>,
    params: RawParams,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let project_id = authorize(&state, &project, &headers)?;
    let params = Params::parse(params, &[&["url"]])?;
    let url = params.text("url").ok_or_else(|| {
        ApiError::BadRequest("url is required: the URL the browser loads the file from".into())
    })?;
    let bytes = read_body(&state, &headers, body).await?;
    let maps = state.sourcemaps.clone();
    let (key, name) = (url.clone(), release.clone());
    let stored = tokio::task::spawn_blocking(move || {
        let kind = classify(&key, &bytes)?;
        let stored = maps
            .store
            .put(project_id, &name, &key, kind, &bytes, now_ms())?;
        maps.invalidate();
        Ok::<_, SourceMapError>(stored)
    })
    .await
    .map_err(|e| SourceMapError::Io(std::io::Error::other(e)))??;
    let evicted: Vec<Value> = stored
        .evicted
        .iter()
        .map(|(project, release)| json!({"project_id": project, "release": release}))
        .collect();
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "release": release,
            "url": url,
            "kind": stored.file.kind,
            "size": stored.file.size,
            "evicted": evicted,
        })),
    ))
}

pub async fn list(
    State(state): State<AppState>,
    Path((project, release)): Path<(String, String)>,
    params: RawParams,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let project_id = authorize(&state, &project, &headers)?;
    Params::parse(params, &[])?;
    let found = state.sourcemaps.store.release(project_id, &release);
    Ok(Json(describe(&found.ok_or_else(|| no_such(&release))?)))
}

pub async fn delete(
    State(state): State<AppState>,
    Path((project, release)): Path<(String, String)>,
    params: RawParams,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let project_id = authorize(&state, &project, &headers)?;
    Params::parse(params, &[])?;
    let maps = state.sourcemaps.clone();
    let name = release.clone();
    let deleted = tokio::task::spawn_blocking(move || {
        let deleted = maps.store.delete(project_id, &name);
        maps.invalidate();
        deleted
    })
    .await
    .map_err(|e| SourceMapError::Io(std::io::Error::other(e)))??;
    let files = deleted.ok_or_else(|| no_such(&release))?;
    Ok(Json(json!({"release": release, "deleted": files})))
}

fn no_such(release: &str) -> ApiError {
    ApiError::NoSuch(format!("release {release:?} has no source maps"))
}

fn describe(release: &Release) -> Value {
    let files: Vec<Value> = release
        .files
        .iter()
        .map(|(url, file)| {
            json!({"url": url, "kind": file.kind, "size": file.size, "uploaded_at": file.uploaded_ms})
        })
        .collect();
    json!({
        "release": release.release,
        "bytes": release.bytes(),
        "updated_at": release.updated_ms,
        "files": files,
    })
}

/// The body, within `sourcemaps.max_file_bytes` (413 beyond) and the body timeout (408).
async fn read_body(
    state: &AppState,
    headers: &HeaderMap,
    body: Body,
) -> Result<axum::body::Bytes, ApiError> {
    let limit = state.config.sourcemaps.max_file_bytes;
    let too_large = || SourceMapError::TooLarge {
        limit: limit as u64,
        option: "sourcemaps.max_file_bytes",
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        super::ingest::discard_body(state, headers, body).await;
        return Err(too_large().into());
    }
    let read = axum::body::to_bytes(body, limit);
    match tokio::time::timeout(state.limits().timeout, read).await {
        Err(_) => Err(DecodeError::Timeout.into()),
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(e)) => {
            let over = std::error::Error::source(&e)
                .is_some_and(|s| s.is::<http_body_util::LengthLimitError>());
            if over {
                Err(too_large().into())
            } else {
                Err(DecodeError::Read(e.to_string()).into())
            }
        }
    }
}
