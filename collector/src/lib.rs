//! The collector: takes the event batches that `@org/monitor-sdk` sends and keeps them.
//!
//! # The path of an event
//!
//! 1. A page calls the SDK; the SDK batches events and POSTs them to
//!    `/api/{project_id}/events?key={public_key}` (docs/protocol.md), as `text/plain` so that
//!    the browser needs no CORS preflight, maybe gzipped.
//! 2. [`listener`] accepts the connection under a connection cap and gives it a bounded time
//!    to send its headers and a bounded head size (431). [`endpoints::ingest`] parses the
//!    project id and asks [`auth`] whether the key belongs to that project (401 unknown key,
//!    403 another project's key) and whether the page's `Origin` may send to it (403). None
//!    of this reads the body.
//! 3. [`decode`] checks content type and declared length, reads the body under the size limit
//!    and a timeout (413, 408), undoes gzip under a second limit against gzip bombs, and
//!    parses the envelope `{"sdk", "sent_at", "events": [...]}` (400 when unreadable). A
//!    request refused before its body was read has the rest read and dropped first
//!    ([`discard`]), so that the client reads the answer instead of a broken pipe.
//! 4. [`validate`] judges each event alone against the protocol; bad ones are listed with
//!    their index and a reason naming the field, and do not sink the others.
//!    Error frames of a release with uploaded source maps are mapped back to the original
//!    source ([`sourcemaps`]), so that what is stored, and grouped, is readable.
//! 5. The valid events go to the [`store::EventSink`] in one transaction; today that is the
//!    embedded SQLite [`store::SqliteStore`], with `synchronous=FULL`, deduplicating by
//!    `(project_id, event_id)` so retried batches do not count twice. Only after the commit
//!    does the answer `{"accepted", "rejected"}` go out, so a 2xx means durable. If the store
//!    fails the client gets 503 with `Retry-After` and keeps the batch.
//! 6. On the way out, [`cors`] adds `Access-Control-Allow-Origin` for allowed origins, so the
//!    SDK can read the answer, errors included. [`error`] is where every failure became a
//!    status and a `{"error": "..."}` body.
//! 7. Later, the query API reads them back behind the api token ([`auth`]): event search
//!    and lookup ([`endpoints::events`]), the overview, web vitals, behaviour and issues
//!    ([`endpoints::overview`], [`endpoints::vitals`], [`endpoints::behaviour`],
//!    [`endpoints::issues`]), described at `/api/openapi.json` ([`endpoints::openapi`]).
//!    Each endpoint parses its parameters ([`endpoints::params`]) and asks [`query`], which
//!    composes its answer from the few primitives of [`query::QueryStore`]; the columns
//!    those group by, the error's issue ([`grouping`]) among them, were computed once at
//!    write time ([`facts`]).
//!
//! In Kafka mode (brokers configured) step 5 hands the batch to [`kafka::KafkaSink`] instead
//! (and step 7 reads ClickHouse, [`clickhouse::ClickHouseStore`]),
//! and the answer waits for every broker acknowledgement, or, when Kafka is down or slow, for
//! the batch to be fsynced in the on-disk [`spool`], which is replayed when Kafka is back.
//! A second role of the same binary, [`consume`] (`monitor-collector consume`), reads the
//! topic in batches, inserts them into [`clickhouse`] and commits its offsets only after the
//! insert; it watches the group's progress and re-joins when it is left idle while messages
//! wait.
//!
//! Around all this, [`metrics`] counts what happened (served at `GET /metrics`) and [`ready`]
//! says whether the backend answers (`GET /readyz`); undecodable messages go from the
//! consumer to a dead-letter topic ([`kafka::DeadLetters`]) instead of blocking a partition.
//!
//! [`config`] says what can be tuned; [`run`] binds, prints the startup line and serves.

pub mod alerts;
pub mod auth;
pub mod cli;
pub mod clickhouse;
pub mod config;
pub mod consume;
pub mod cors;
pub mod decode;
pub mod discard;
pub mod endpoints;
pub mod error;
pub mod facts;
pub mod grouping;
pub mod kafka;
pub mod listener;
pub mod metrics;
pub mod query;
pub mod ready;
pub mod realtime;
pub mod rpc;
mod server;
pub mod sourcemaps;
pub mod spool;
pub mod store;
pub mod upload;
pub mod validate;

use std::sync::Arc;
use std::time::Duration;

use axum::routing::{get, post, put};
use axum::{middleware, Router};
use tower_http::trace::TraceLayer;

use crate::alerts::Alerts;
use crate::auth::Access;
use crate::config::Config;
use crate::decode::Limits;
use crate::endpoints::{
    alerts as alert_routes, behaviour, cors_free_routes, events, ingest, issues, live, overview,
    sourcemaps as maps, vitals,
};
use crate::query::QueryStore;
use crate::ready::ReadyCheck;
use crate::realtime::Live;
use crate::sourcemaps::SourceMaps;
use crate::store::{EventSink, SqliteStore, StoreError};

pub use server::{run, serve, RunError};

/// What every handler can reach. Cheap to clone: everything is behind `Arc`.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub access: Arc<Access>,
    pub sink: Arc<dyn EventSink>,
    pub reader: Arc<dyn QueryStore>,
    /// What `GET /readyz` asks; chosen by the mode ([`ready::for_config`]).
    pub ready: Arc<dyn ReadyCheck>,
    /// Uploaded source maps, applied to error frames at ingest.
    pub sourcemaps: Arc<SourceMaps>,
    /// Cleaning and the live aggregates ([`realtime`]).
    pub live: Arc<Live>,
    /// Alert rules, their states and history ([`alerts`]).
    pub alerts: Arc<Alerts>,
}

impl AppState {
    /// State backed by the embedded store in `config.data_dir`.
    pub fn open(config: Config) -> Result<AppState, StoreError> {
        let store = Arc::new(SqliteStore::open(&config.database_path())?);
        Ok(AppState::new(config, store.clone(), store))
    }

    pub fn new(config: Config, sink: Arc<dyn EventSink>, reader: Arc<dyn QueryStore>) -> AppState {
        AppState {
            access: Arc::new(Access::from_config(&config)),
            ready: ready::for_config(&config, reader.clone()),
            sourcemaps: Arc::new(SourceMaps::open(
                config.sourcemaps_dir(),
                &config.sourcemaps,
            )),
            live: Arc::new(Live::for_config(&config)),
            alerts: Arc::new(Alerts::for_config(&config)),
            config: Arc::new(config),
            sink,
            reader,
        }
    }

    pub fn limits(&self) -> Limits {
        Limits {
            max_body_bytes: self.config.max_body_bytes,
            max_decompressed_bytes: self.config.max_decompressed_bytes,
            max_events: self.config.max_events_per_batch,
            timeout: Duration::from_secs(self.config.body_timeout_secs),
            max_discard_bytes: self.config.max_discard_bytes,
        }
    }
}

/// A query API route: its GET handler, CORS preflight, JSON 405 for other methods.
fn query_route(
    handler: axum::routing::MethodRouter<AppState>,
) -> axum::routing::MethodRouter<AppState> {
    handler
        .options(cors::preflight)
        .fallback(endpoints::method_not_allowed)
}

/// The whole HTTP surface.
pub fn app(state: AppState) -> Router {
    let permits = Arc::new(tokio::sync::Semaphore::new(
        state.config.max_in_flight_requests,
    ));
    let api = Router::new()
        .route(
            "/api/{project_id}/events",
            post(ingest::ingest)
                .get(events::read)
                .options(cors::preflight)
                .fallback(endpoints::method_not_allowed),
        )
        .route_layer(middleware::from_fn_with_state(
            permits,
            endpoints::limit::limit_in_flight,
        ))
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            cors::decorate,
        ));
    // The query API: not under the ingest permits, so that reads cannot starve ingest.
    let query = Router::new()
        .route(
            "/api/{project_id}/events/{event_id}",
            query_route(get(events::one)),
        )
        .route(
            "/api/{project_id}/overview",
            query_route(get(overview::read)),
        )
        .route("/api/{project_id}/vitals", query_route(get(vitals::read)))
        .route(
            "/api/{project_id}/behaviour",
            query_route(get(behaviour::read)),
        )
        .route(
            "/api/{project_id}/sessions",
            query_route(get(behaviour::sessions)),
        )
        .route("/api/{project_id}/issues", query_route(get(issues::list)))
        .route(
            "/api/{project_id}/issues/{fingerprint}",
            query_route(get(issues::one).patch(issues::change).post(issues::change)),
        )
        .route(
            "/api/{project_id}/issues/{fingerprint}/events",
            query_route(get(issues::events)),
        )
        .route(
            "/api/{project_id}/live/counters",
            query_route(get(live::counters)),
        )
        .route(
            "/api/{project_id}/live/windows/{stat}",
            query_route(get(live::window)),
        )
        .route(
            "/api/{project_id}/live/top/{board}",
            query_route(get(live::top)),
        )
        .route(
            "/api/{project_id}/live/uniques/{of}",
            query_route(get(live::uniques)),
        )
        .route(
            "/api/{project_id}/live/stream",
            query_route(get(live::stream)),
        )
        .route(
            "/api/{project_id}/alerts",
            query_route(get(alert_routes::rules)),
        )
        .route(
            "/api/{project_id}/alerts/rules",
            query_route(post(alert_routes::create)),
        )
        .route(
            "/api/{project_id}/alerts/rules/{name}",
            query_route(put(alert_routes::replace).delete(alert_routes::delete)),
        )
        .route(
            "/api/{project_id}/alerts/rules/{name}/test",
            query_route(post(alert_routes::test)),
        )
        .route(
            "/api/{project_id}/alerts/history",
            query_route(get(alert_routes::history)),
        )
        .route(
            "/api/{project_id}/releases/{release}/sourcemaps",
            query_route(get(maps::list).post(maps::upload).delete(maps::delete)),
        )
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            cors::decorate,
        ));
    Router::new()
        .merge(api)
        .merge(query)
        // Public: it describes the API, it reads nothing.
        .route(
            "/api/openapi.json",
            get(endpoints::openapi::serve).fallback(endpoints::method_not_allowed),
        )
        .merge(cors_free_routes(&state.config))
        .fallback(endpoints::not_found)
        .layer(middleware::from_fn(endpoints::metrics::count_requests))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
