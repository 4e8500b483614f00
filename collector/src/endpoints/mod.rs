//! One file per route. Handlers are thin: they call the layers (auth, decode, validate, store)
//! and let [`ApiError`] turn failures into answers.

pub mod alerts;
pub mod behaviour;
pub mod events;
pub mod health;
pub mod ingest;
pub mod issues;
pub mod limit;
pub mod live;
pub mod metrics;
pub mod openapi;
pub mod overview;
pub mod params;
pub mod query;
pub mod ready;
pub mod sourcemaps;
pub mod static_files;
pub mod vitals;

use axum::routing::get;
use axum::Router;

use crate::config::{Config, MAX_PROJECT_ID};
use crate::error::ApiError;
use crate::AppState;

/// The routes that no page reads across origins: health, readiness, metrics, static files.
pub fn cors_free_routes(config: &Config) -> Router<AppState> {
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(ready::readyz))
        .route("/metrics", get(metrics::metrics))
        .merge(static_files::routes(config))
}

/// Parses the `{project_id}` path segment: a positive decimal integer of at most 18 digits, as
/// in the DSN. Signs, spaces and leading `+` are refused rather than guessed at.
pub fn parse_project_id(raw: &str) -> Result<u64, ApiError> {
    let invalid = || ApiError::BadRequest(format!("project id {raw:?} is not a positive integer"));
    if raw.is_empty() || raw.len() > 18 || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid());
    }
    match raw.parse::<u64>() {
        Ok(id) if id > 0 && id <= MAX_PROJECT_ID => Ok(id),
        _ => Err(invalid()),
    }
}

/// Answer for paths that match no route.
pub async fn not_found() -> ApiError {
    ApiError::NotFound
}

/// Answer for a known path with a method it does not take.
pub async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}

#[cfg(test)]
mod tests {
    use super::parse_project_id;

    #[test]
    fn project_ids() {
        assert_eq!(parse_project_id("1").ok(), Some(1));
        assert_eq!(
            parse_project_id("999999999999999999").ok(),
            Some(999_999_999_999_999_999)
        );
        for bad in ["", "0", "-1", "+1", " 1", "1x", "1000000000000000000"] {
            assert!(parse_project_id(bad).is_err(), "{bad:?}");
        }
    }
}
