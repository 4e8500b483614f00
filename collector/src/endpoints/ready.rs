//! `GET /readyz`: 200 `{"status": "ready"}` when the configured backend answers (see
//! [`crate::ready`]), else 503 `{"status": "not_ready", "error": "..."}`. Unlike `/healthz`,
//! this is what a load balancer should route by.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::AppState;

pub async fn readyz(State(state): State<AppState>) -> Response {
    let check = state.ready.clone();
    let result = tokio::task::spawn_blocking(move || check.check())
        .await
        .unwrap_or_else(|e| Err(format!("readiness check failed: {e}")));
    match result {
        Ok(()) => Json(json!({"status": "ready"})).into_response(),
        Err(reason) => {
            tracing::debug!(%reason, "not ready");
            let body = json!({"status": "not_ready", "error": reason});
            (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response()
        }
    }
}
