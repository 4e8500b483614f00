//! `GET /healthz`: answers while the process serves requests, for load balancers and the
//! end-to-end tests that wait for startup.

use axum::Json;
use serde_json::{json, Value};

pub async fn healthz() -> Json<Value> {
    Json(json!({"status": "ok"}))
}
