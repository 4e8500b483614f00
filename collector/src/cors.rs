//! CORS for the API routes: which pages may read the collector's answers.
//!
//! The SDK sends "simple" requests (POST with `text/plain`, key in the query), so browsers do
//! not preflight them; the `Access-Control-Allow-Origin` header still matters because without
//! it `fetch` cannot read the answer, including `Retry-After`. The header is added here, on
//! every answer of an API route, errors included, so that handlers never think about it.
//! The allowed origins are per project, which is why a generic CORS layer does not fit.

use std::collections::HashMap;

use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::endpoints::parse_project_id;
use crate::error::ApiError;
use crate::AppState;

/// How long a browser may cache a preflight answer. Chromium caps it at two hours anyway.
const PREFLIGHT_MAX_AGE_SECS: u32 = 7200;

/// Adds the CORS answer headers when the request's origin is allowed for the project in the
/// URL. Applied with `route_layer`, so the path parameter is already known.
pub async fn decorate(
    State(state): State<AppState>,
    Path(path): Path<HashMap<String, String>>,
    request: Request,
    next: Next,
) -> Response {
    let project = project_of(&path);
    let origin = request.headers().get(header::ORIGIN).cloned();
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    // The answer differs by origin, so caches must not hand one origin's answer to another.
    headers.append(header::VARY, HeaderValue::from_static("origin"));
    let (Some(origin), Ok(project_id)) = (origin, parse_project_id(project)) else {
        return response;
    };
    let allowed = origin
        .to_str()
        .is_ok_and(|o| state.access.origin_allowed(project_id, o));
    if allowed {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        headers.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static("retry-after"),
        );
    }
    response
}

/// The `{project_id}` segment of an API route (routes may have more segments).
fn project_of(path: &HashMap<String, String>) -> &str {
    path.get("project_id").map_or("", String::as_str)
}

/// Answers `OPTIONS` on an API route. Needed when a page sends `application/json`, a
/// `Content-Encoding`, or reads events with an `Authorization` header.
pub async fn preflight(
    State(state): State<AppState>,
    Path(path): Path<HashMap<String, String>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let project_id = parse_project_id(project_of(&path))?;
    state
        .access
        .check_origin(project_id, headers.get(header::ORIGIN))?;
    Ok((
        StatusCode::NO_CONTENT,
        [
            (
                header::ACCESS_CONTROL_ALLOW_METHODS,
                "GET, POST, PUT, PATCH, DELETE, OPTIONS",
            ),
            (
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                "content-type, content-encoding, authorization",
            ),
            (
                header::ACCESS_CONTROL_MAX_AGE,
                &PREFLIGHT_MAX_AGE_SECS.to_string(),
            ),
        ],
    )
        .into_response())
}
