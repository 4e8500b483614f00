//! The gRPC service of the real-time layer (`proto/realtime.proto`): `GetCounter`,
//! `GetWindow`, `GetTopN` and `GetUniques`, the same reads as the `/live/` HTTP endpoints
//! ([`crate::realtime::read`]) on a port of its own (`realtime.rpc_listen`), for services
//! that would rather call than poll JSON. Authorized like the query API: the api token as
//! `authorization: Bearer ...` metadata, and a project the collector knows.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::http::HeaderValue;
use tonic::{Request, Response, Status};

use crate::auth::{Access, AuthError};
use crate::realtime::keys::{self as live_keys, parse_date};
use crate::realtime::read::{self, MAX_BUCKETS, MAX_TOP};
use crate::realtime::store::LiveError;
use crate::realtime::Live;
use crate::store::now_ms;

/// The generated messages, server and client.
#[allow(clippy::all, clippy::pedantic)]
pub mod proto {
    tonic::include_proto!("monitor.realtime.v1");
}

use proto::realtime_server::{Realtime, RealtimeServer};
use proto::{
    Board, Bucket, CounterRequest, Counters, Entry, Minute, Per, Stat, TopN, TopNRequest, UniqueOf,
    Uniques, UniquesRequest, VitalMinute, Window, WindowRequest,
};

pub struct Service {
    live: Arc<Live>,
    access: Arc<Access>,
}

impl Service {
    pub fn new(live: Arc<Live>, access: Arc<Access>) -> Service {
        Service { live, access }
    }

    fn authorize<T>(&self, request: &Request<T>, project_id: u64) -> Result<(), Status> {
        let token = request
            .metadata()
            .get("authorization")
            .and_then(|v| HeaderValue::from_bytes(v.as_bytes()).ok());
        self.access
            .check_token(token.as_ref())
            .map_err(|e| match e {
                AuthError::ReadsDisabled => Status::permission_denied(e.to_string()),
                _ => Status::unauthenticated(e.to_string()),
            })?;
        if !self.access.has_project(project_id) {
            return Err(Status::not_found(format!("no project {project_id}")));
        }
        Ok(())
    }
}

fn unavailable(e: LiveError) -> Status {
    Status::unavailable(e.to_string())
}

/// A zero count means the default; above the maximum is clamped, as over HTTP.
fn count_or(value: u32, default: usize, max: usize) -> usize {
    if value == 0 {
        default
    } else {
        (value as usize).min(max)
    }
}

fn to_or_now(to_ms: i64) -> f64 {
    if to_ms > 0 {
        to_ms as f64
    } else {
        now_ms() as f64
    }
}

fn minute(m: read::Minute) -> Minute {
    Minute {
        start_ms: m.start,
        counts: m.counts.into_iter().collect(),
        vitals: m
            .vitals
            .into_iter()
            .map(|(name, v)| {
                let vital = VitalMinute {
                    count: v.count,
                    sum: v.sum,
                    average: v.average,
                };
                (name, vital)
            })
            .collect(),
    }
}

#[tonic::async_trait]
impl Realtime for Service {
    async fn get_counter(
        &self,
        request: Request<CounterRequest>,
    ) -> Result<Response<Counters>, Status> {
        let project = request.get_ref().project_id;
        self.authorize(&request, project)?;
        let live = &self.live;
        let counters = read::counters(&live.store, &live.aggregators, project)
            .await
            .map_err(unavailable)?;
        Ok(Response::new(Counters {
            total: counters.total,
            by_type: counters.by_type.into_iter().collect(),
            custom: counters.custom.into_iter().collect(),
        }))
    }

    async fn get_window(
        &self,
        request: Request<WindowRequest>,
    ) -> Result<Response<Window>, Status> {
        let r = request.get_ref();
        self.authorize(&request, r.project_id)?;
        let stat = match r.stat() {
            Stat::Events => live_keys::Stat::Events,
            Stat::Vitals => live_keys::Stat::Vitals,
            Stat::Unspecified => return Err(Status::invalid_argument("stat is required")),
        };
        let minutes = count_or(r.minutes, 60, MAX_BUCKETS);
        let live = &self.live;
        let window = read::window(
            &live.store,
            &live.aggregators,
            r.project_id,
            stat,
            minutes,
            to_or_now(r.to_ms),
        )
        .await
        .map_err(unavailable)?;
        Ok(Response::new(Window {
            stat: r.stat,
            minutes: window.minutes.into_iter().map(minute).collect(),
        }))
    }

    async fn get_top_n(&self, request: Request<TopNRequest>) -> Result<Response<TopN>, Status> {
        let r = request.get_ref();
        self.authorize(&request, r.project_id)?;
        let board = match r.board() {
            Board::PagesByViews => live_keys::Board::PagesByViews,
            Board::PagesByErrors => live_keys::Board::PagesByErrors,
            Board::Issues => live_keys::Board::Issues,
            Board::CustomEvents => live_keys::Board::CustomEvents,
            Board::ActiveUsers => live_keys::Board::ActiveUsers,
            Board::Unspecified => return Err(Status::invalid_argument("board is required")),
        };
        let day = if r.day.is_empty() {
            now_ms() / 1000
        } else {
            parse_date(&r.day).ok_or_else(|| {
                Status::invalid_argument(format!("day {:?} is not a date YYYY-MM-DD", r.day))
            })?
        };
        let limit = count_or(r.limit, 10, MAX_TOP);
        let live = &self.live;
        let top = read::top(
            &live.store,
            &live.aggregators,
            r.project_id,
            board,
            day,
            limit,
        )
        .await
        .map_err(unavailable)?;
        Ok(Response::new(TopN {
            board: r.board,
            day: top.day,
            entries: top
                .entries
                .into_iter()
                .map(|e| Entry {
                    member: e.member,
                    score: e.score,
                })
                .collect(),
        }))
    }

    async fn get_uniques(
        &self,
        request: Request<UniquesRequest>,
    ) -> Result<Response<Uniques>, Status> {
        let r = request.get_ref();
        self.authorize(&request, r.project_id)?;
        let of = match r.of() {
            UniqueOf::Visitors => live_keys::UniqueOf::Visitors,
            UniqueOf::Sessions => live_keys::UniqueOf::Sessions,
            UniqueOf::Unspecified => return Err(Status::invalid_argument("of is required")),
        };
        let (per, per_code) = match r.per() {
            Per::Minute => (live_keys::Per::Minute, Per::Minute),
            Per::Day => (live_keys::Per::Day, Per::Day),
            Per::Hour | Per::Unspecified => (live_keys::Per::Hour, Per::Hour),
        };
        let last = count_or(r.last, 24, MAX_BUCKETS);
        let live = &self.live;
        let uniques = read::uniques(
            &live.store,
            &live.aggregators,
            r.project_id,
            of,
            per,
            last,
            to_or_now(r.to_ms),
        )
        .await
        .map_err(unavailable)?;
        Ok(Response::new(Uniques {
            of: r.of,
            per: per_code as i32,
            total: uniques.total,
            buckets: uniques
                .buckets
                .into_iter()
                .map(|b| Bucket {
                    start_ms: b.start,
                    count: b.count,
                })
                .collect(),
        }))
    }
}

/// Binds `addr` and serves the service in the background until `shutdown` resolves.
pub async fn serve(
    addr: SocketAddr,
    service: Service,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<SocketAddr> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    let incoming = tonic::transport::server::TcpIncoming::from(listener);
    tokio::spawn(async move {
        let served = tonic::transport::Server::builder()
            .add_service(RealtimeServer::new(service))
            .serve_with_incoming_shutdown(incoming, shutdown)
            .await;
        if let Err(e) = served {
            tracing::error!(error = %e, "gRPC service failed");
        }
    });
    Ok(bound)
}
