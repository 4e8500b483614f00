//! Connections: the accept loop in front of the router, and the limits that keep a few
//! hostile or broken clients from starving everyone else.
//!
//! - **Header read timeout** (`header_read_timeout_secs`): a connection has that long to
//!   deliver a request's head, counted from when the server starts waiting for it. A client
//!   that sends its headers a byte at a time (slowloris) is cut off then; the same bound ends
//!   idle keep-alive connections.
//! - **Header size** (`max_header_bytes`): a larger request head gets 431 from the HTTP layer
//!   itself (no handler runs, so that answer has no JSON body).
//! - **Connection cap** (`max_connections`): past it, a new connection is still accepted
//!   (so the client is not left hanging in the kernel's backlog) but only to get one 503 with
//!   `Retry-After`, read within [`REFUSAL_TIMEOUT`], then it is closed. At most
//!   [`MAX_REFUSING`] such connections are handled at once; beyond them a connection is
//!   closed at once.
//!
//! On shutdown the listener closes, idle connections are closed, and requests in flight are
//! answered before [`serve_connections`] returns, so no batch is cut between commit and answer.

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{header, HeaderValue, Request, Response, StatusCode};
use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use crate::discard;
use crate::metrics;

/// How long a connection over the cap has to send its request before it is closed.
pub const REFUSAL_TIMEOUT: Duration = Duration::from_secs(2);

/// Connections over the cap that are answered at once; more are closed unanswered.
pub const MAX_REFUSING: usize = 256;

/// The most of a refused connection's body read before its 503 (see [`crate::discard`]).
const REFUSAL_DISCARD_BYTES: usize = 64 * 1024;

/// How long an accept error (out of file descriptors, say) pauses the loop: retrying at
/// once would spin while the condition lasts.
const ACCEPT_ERROR_PAUSE: Duration = Duration::from_millis(100);

/// The limits of [`serve_connections`].
#[derive(Clone, Copy, Debug)]
pub struct ConnectionLimits {
    pub header_read_timeout: Duration,
    pub max_header_bytes: usize,
    pub max_connections: usize,
}

/// Accepts connections and serves `router` on them until `shutdown` resolves, then waits for
/// the requests in flight.
pub async fn serve_connections(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()>,
) {
    let mut serving = http1::Builder::new();
    serving
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .max_buf_size(limits.max_header_bytes);
    let mut refusing = http1::Builder::new();
    refusing
        .timer(TokioTimer::new())
        .header_read_timeout(REFUSAL_TIMEOUT)
        .keep_alive(false);
    let open = Arc::new(Semaphore::new(limits.max_connections));
    let refusals = Arc::new(Semaphore::new(MAX_REFUSING));
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(error) => {
                    tracing::warn!(%error, "accepting a connection failed");
                    tokio::time::sleep(ACCEPT_ERROR_PAUSE).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let io = TokioIo::new(stream);
        if let Ok(permit) = open.clone().try_acquire_owned() {
            let service = TowerToHyperService::new(router.clone());
            let connection = graceful.watch(serving.serve_connection(io, service));
            tokio::spawn(async move {
                let _open = metrics::connection_opened();
                if let Err(error) = connection.await {
                    tracing::debug!(%error, "connection ended with an error");
                }
                drop(permit);
            });
        } else if let Ok(permit) = refusals.clone().try_acquire_owned() {
            metrics::global().connection_refused();
            let service = hyper::service::service_fn(refuse);
            let connection = refusing.serve_connection(io, service);
            tokio::spawn(async move {
                let _ = tokio::time::timeout(REFUSAL_TIMEOUT * 2, connection).await;
                drop(permit);
            });
        } else {
            metrics::global().connection_refused();
            drop(io); // over the cap and over the refusals: closed unanswered
        }
    }
    drop(listener);
    graceful.shutdown().await;
}

/// The one answer of a connection over the cap.
async fn refuse(request: Request<Incoming>) -> Result<Response<Body>, Infallible> {
    let (parts, body) = request.into_parts();
    if discard::worth_draining(&parts.headers, REFUSAL_DISCARD_BYTES) {
        discard::drain(body, REFUSAL_DISCARD_BYTES, REFUSAL_TIMEOUT).await;
    }
    let text = r#"{"error":"the collector has too many open connections; retry shortly"}"#;
    let mut response = Response::new(Body::from(text));
    *response.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
    Ok(response)
}
