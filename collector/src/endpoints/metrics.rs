//! `GET /metrics`: the Prometheus registry ([`crate::metrics`]) in the text format, and the
//! middleware that counts every answer by status. The consumer role, which has no HTTP
//! server of its own, serves [`router`] when `consumer.metrics_listen` is set.

use axum::extract::Request;
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::endpoints::health;
use crate::metrics;

pub async fn metrics() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, metrics::CONTENT_TYPE)],
        metrics::global().render(),
    )
}

/// Counts `monitor_requests_total{status}` once the answer is known.
pub async fn count_requests(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    metrics::global().request(response.status().as_u16());
    response
}

/// The consumer's listener: `/metrics` and `/healthz`, nothing else.
pub fn router() -> Router {
    Router::new()
        .route("/metrics", get(metrics))
        .route("/healthz", get(health::healthz))
}
