//! The in-flight limit of the ingest route.
//!
//! Each ingest request holds its body in memory while it is decoded, validated and stored
//! (Kafka can take seconds to acknowledge). Without a limit, enough slow clients or a stalled
//! broker would grow memory without bound; with one, a request over the limit is refused at
//! once with 503 and `Retry-After`, which the SDK honours, and nothing it sent is lost.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use tokio::sync::Semaphore;

/// Runs the request if a permit is free, holding it until the answer is ready.
pub async fn limit_in_flight(
    State(permits): State<Arc<Semaphore>>,
    request: Request,
    next: Next,
) -> Response {
    match permits.try_acquire() {
        Ok(_permit) => next.run(request).await,
        Err(_) => {
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
