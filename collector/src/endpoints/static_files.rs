//! Static files: the dashboard at `/dashboard/` (where `/` leads), the demo page at `/demo/`
//! and the SDK build at `/sdk/`, so that one process is enough to try the SDK end to end and
//! see what it sent. A missing directory just means 404s.
//!
//! `ServeDir` guesses content types from extensions, which gives `.wasm` the
//! `application/wasm` type that `WebAssembly.instantiateStreaming` insists on.

use axum::response::Redirect;
use axum::routing::get;
use axum::Router;
use tower_http::services::ServeDir;

use crate::config::Config;
use crate::AppState;

pub fn routes(config: &Config) -> Router<AppState> {
    Router::new()
        // Relative locations keep working when a proxy mounts the collector under a prefix.
        .route("/", get(|| async { Redirect::temporary("dashboard/") }))
        // Without the slash, the page's relative URLs would resolve against `/`.
        .route("/demo", get(|| async { Redirect::permanent("demo/") }))
        .route(
            "/dashboard",
            get(|| async { Redirect::permanent("dashboard/") }),
        )
        .nest_service("/dashboard/", ServeDir::new(&config.dashboard_dir))
        .nest_service("/demo/", ServeDir::new(&config.demo_dir))
        .nest_service("/sdk", ServeDir::new(&config.sdk_dir))
}
