//! What every query API endpoint does first and last: check the api token and the project,
//! then run the store work on the blocking pool.

use axum::http::{header, HeaderMap};

use crate::auth::AuthError;
use crate::endpoints::parse_project_id;
use crate::error::ApiError;
use crate::query::QueryStore;
use crate::store::StoreError;
use crate::AppState;

/// The project a query API request may read, or why not. The token is checked before the
/// project, so that without it one cannot probe which project ids exist.
pub fn authorize(state: &AppState, project: &str, headers: &HeaderMap) -> Result<u64, ApiError> {
    let project_id = parse_project_id(project)?;
    state
        .access
        .check_token(headers.get(header::AUTHORIZATION))?;
    if !state.access.has_project(project_id) {
        return Err(AuthError::UnknownProject { project_id }.into());
    }
    Ok(project_id)
}

/// Runs `work` against the store on the blocking pool: SQLite and the ClickHouse reader block.
pub async fn run<T: Send + 'static>(
    state: &AppState,
    work: impl FnOnce(&dyn QueryStore) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, ApiError> {
    let store = state.reader.clone();
    tokio::task::spawn_blocking(move || work(store.as_ref()))
        .await
        .map_err(StoreError::from)
        .and_then(|answer| answer)
        .map_err(ApiError::Read)
}
