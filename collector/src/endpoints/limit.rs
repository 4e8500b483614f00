//! The in-flight limit of the ingest route.
//!
//! Each ingest request holds its body in memory while it is decoded, validated and stored
//! (Kafka can take seconds to acknowledge). Without a limit, enough slow clients or a stalled
//! broker would grow memory without bound; with one, a request over the limit is refused at
//! once with 503 and `Retry-After`, which the SDK honours, and nothing it sent is lost. The
//! refused body is read and dropped first (a bounded amount, see [`crate::discard`]), so
//! that the client reads the 503 rather than a reset.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use tokio::sync::Semaphore;

use crate::discard;

/// Most of a refused request's body read before its 503, and for how long: enough for any
/// SDK batch, little enough that refusing stays cheap.
const DISCARD_BYTES: usize = 2 * 1024 * 1024;
const DISCARD_TIME: Duration = Duration::from_secs(5);

/// Runs the request if a permit is free, holding it until the answer is ready.
pub async fn limit_in_flight(
    State(permits): State<Arc<Semaphore>>,
    request: Request,
    next: Next,
) -> Response {
    match permits.try_acquire() {
        Ok(_permit) => next.run(request).await,
        Err(_) => {
            let (parts, body) = request.into_parts();
            if discard::worth_draining(&parts.headers, DISCARD_BYTES) {
                discard::drain(body, DISCARD_BYTES, DISCARD_TIME).await;
            }
            let body = Json(serde_json::json!({
                "error": "the collector is handling too many requests; retry shortly"
            }));
            let mut response = (StatusCode::SERVICE_UNAVAILABLE, body).into_response();
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            response
        }
    }
}
