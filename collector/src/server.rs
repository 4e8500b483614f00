//! Running the service: open the store (or, in Kafka mode, the topic), bind, announce the
//! address, serve until a signal; with `realtime.rpc_listen` set, the gRPC service beside it.

use std::fmt;
use std::io::Write;
use std::sync::Arc;

use std::time::Duration;

use tokio::net::TcpListener;

use crate::clickhouse::ClickHouseStore;
use crate::config::Config;
use crate::kafka::{ensure_topic, KafkaSink};
use crate::listener::{serve_connections, ConnectionLimits};
use crate::store::sqlite::retention;
use crate::store::{SqliteStore, StoreError};
use crate::{alerts, app, rpc, AppState};

/// Why the collector could not start or stopped with an error.
#[derive(Debug)]
pub enum RunError {
    Store(StoreError),
    Bind(String, std::io::Error),
    Serve(std::io::Error),
    Kafka(String),
    ClickHouse(String),
}

impl RunError {
    pub(crate) fn kafka(e: rdkafka::error::KafkaError) -> RunError {
        RunError::Kafka(e.to_string())
    }
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RunError::Store(e) => write!(f, "cannot open the store: {e}"),
            RunError::Bind(addr, e) => write!(f, "cannot listen on {addr}: {e}"),
            RunError::Serve(e) => write!(f, "server failed: {e}"),
            RunError::Kafka(e) => write!(f, "kafka: {e}"),
            RunError::ClickHouse(e) => write!(f, "clickhouse: {e}"),
        }
    }
}

impl std::error::Error for RunError {}

/// Retries creating the topics until the brokers answer.
async fn create_topics_when_reachable(kafka: crate::config::KafkaConfig) {
    loop {
        tokio::time::sleep(std::time::Duration::from_secs(5)).await;
        match ensure_topic(&kafka).await {
            Ok(()) => return,
            Err(error) => tracing::warn!(%error, "Kafka still unreachable"),
        }
    }
}

/// Opens the store, binds `config.listen` and serves until SIGTERM or ctrl-c. With Kafka
/// brokers configured, events go to Kafka instead of the embedded store.
pub async fn run(config: Config) -> Result<(), RunError> {
    let listen = config.listen;
    let state = if config.kafka.enabled() {
        if let Err(error) = ensure_topic(&config.kafka).await {
            // Ingest must not depend on the broker being up: batches go to the spool until
            // Kafka is reachable, and the topics are created then.
            tracing::warn!(%error, "Kafka unreachable at start-up; spooling until it is back");
            tokio::spawn(create_topics_when_reachable(config.kafka.clone()));
        }
        let sink = KafkaSink::new(&config.kafka, &config.spool_dir()).map_err(RunError::Store)?;
        tracing::info!(brokers = %config.kafka.bootstrap_servers(), topic = %config.kafka.topic, "kafka mode");
        // Reads go to ClickHouse, where the consumer puts the events; it may be down or not
        // migrated yet, which the queries answer with 503 until it is.
        let reader = ClickHouseStore::new(&config.clickhouse);
        AppState::new(config, Arc::new(sink), Arc::new(reader))
    } else {
        let store = Arc::new(SqliteStore::open(&config.database_path()).map_err(RunError::Store)?);
        retention::spawn(store.clone(), config.retention_days);
        AppState::new(config, store.clone(), store)
    };
    let listener = TcpListener::bind(listen)
        .await
        .map_err(|e| RunError::Bind(listen.to_string(), e))?;
    if let Some(addr) = state.config.realtime.rpc_listen {
        let service = rpc::Service::new(state.live.clone(), state.access.clone());
        let bound = rpc::serve(addr, service, shutdown_signal())
            .await
            .map_err(|e| RunError::Bind(addr.to_string(), e))?;
        tracing::info!(addr = %bound, "gRPC service listening");
    }
    alerts::spawn(state.clone());
    serve(listener, state).await
}

/// Serves on an already bound listener. Prints the startup line first: it carries the real
/// address, which differs from the configured one when the port was 0, and the end-to-end
/// tests read it to find the collector.
pub async fn serve(listener: TcpListener, state: AppState) -> Result<(), RunError> {
    let addr = listener.local_addr().map_err(RunError::Serve)?;
    let shutdown = shutdown_signal();
    let mut stdout = std::io::stdout().lock();
    // A closed stdout must not stop the service; the line is informational for people.
    let _ = writeln!(
        stdout,
        "monitor-collector listening on http://{addr} (dashboard: http://{addr}/dashboard/, demo: http://{addr}/demo/)"
    );
    let _ = stdout.flush();
    drop(stdout);
    tracing::info!(%addr, data_dir = %state.config.data_dir.display(), "collector started");

    let limits = ConnectionLimits {
        header_read_timeout: Duration::from_secs(state.config.header_read_timeout_secs),
        max_header_bytes: state.config.max_header_bytes,
        max_connections: state.config.max_connections,
    };
    serve_connections(listener, app(state), limits, shutdown).await;
    tracing::info!("collector stopped");
    Ok(())
}

/// Resolves on ctrl-c or SIGTERM (what `docker stop` and systemd send), letting requests in
/// flight finish so that no batch is cut between commit and answer.
///
/// The handlers are installed when this is called, not when the future is first polled:
/// callers call it before they announce that they are up, so that a SIGTERM sent right after
/// the startup line is a clean shutdown and not the default action (death by signal).
pub(crate) fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    let handlers = {
        use tokio::signal::unix::{signal, SignalKind};
        (
            signal(SignalKind::terminate()).ok(),
            signal(SignalKind::interrupt()).ok(),
        )
    };
    async move {
        #[cfg(unix)]
        {
            let (mut terminate, mut interrupt) = handlers;
            let terminate = next_signal(terminate.as_mut());
            let interrupt = next_signal(interrupt.as_mut());
            tokio::select! {
                () = terminate => {}
                () = interrupt => {}
            }
        }
        #[cfg(not(unix))]
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
        tracing::info!("shutting down");
    }
}

/// The next delivery of a signal; never, when its handler could not be installed.
#[cfg(unix)]
async fn next_signal(signal: Option<&mut tokio::signal::unix::Signal>) {
    match signal {
        Some(signal) => drop(signal.recv().await),
        None => std::future::pending::<()>().await,
    }
}
