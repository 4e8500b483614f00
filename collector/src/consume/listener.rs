//! The consumer's small HTTP listener (`consumer.metrics_listen`): `/metrics`, `/healthz`
//! and `/readyz`, the last one answered from the group's [`Progress`].

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};

use super::progress::Progress;
use crate::RunError;

/// Binds `addr` and serves `/metrics`, `/healthz` and `/readyz` in the background.
pub(super) async fn serve_metrics(
    addr: std::net::SocketAddr,
    progress: Arc<Mutex<Progress>>,
) -> Result<(), RunError> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| RunError::Bind(addr.to_string(), e))?;
    let bound = listener.local_addr().map_err(RunError::Serve)?;
    tracing::info!(addr = %bound, "consumer metrics listening");
    let readyz = move || {
        let answer = progress
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .readiness(Instant::now());
        async move {
            match answer {
                Ok(status) => (
                    StatusCode::OK,
                    Json(serde_json::json!({ "status": status })),
                ),
                Err(error) => (
                    StatusCode::SERVICE_UNAVAILABLE,
                    Json(serde_json::json!({ "error": error })),
                ),
            }
        }
    };
    let router = Router::new()
        .merge(crate::endpoints::metrics::router())
        .route("/readyz", get(readyz));
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, router).await {
            tracing::error!(error = %e, "consumer metrics listener failed");
        }
    });
    Ok(())
}
