//! An example client of the gRPC service (`proto/realtime.proto`): prints a project's live
//! counters, the last minutes of its events window, today's top pages and its unique
//! visitors per hour.
//!
//! ```sh
//! MONITOR_RPC_LISTEN=127.0.0.1:50051 MONITOR_API_TOKEN=secret monitor-collector &
//! cargo run -p monitor-collector --example live_client -- http://127.0.0.1:50051 secret 1
//! ```

use monitor_collector::rpc::proto::realtime_client::RealtimeClient;
use monitor_collector::rpc::proto::{
    Board, CounterRequest, Per, Stat, TopNRequest, UniqueOf, UniquesRequest, WindowRequest,
};
use tonic::metadata::{Ascii, MetadataValue};
use tonic::Request;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let endpoint = args
        .next()
        .unwrap_or_else(|| "http://127.0.0.1:50051".to_owned());
    let token = args.next().unwrap_or_default();
    let project_id: u64 = args.next().map_or(Ok(1), |p| p.parse())?;
    let bearer: MetadataValue<_> = format!("Bearer {token}").parse()?;
    let mut client = RealtimeClient::connect(endpoint).await?;

    let counters = client
        .get_counter(with_token(&bearer, CounterRequest { project_id }))
        .await?
        .into_inner();
    println!("total {}  by type {:?}", counters.total, counters.by_type);

    let window = client
        .get_window(with_token(
            &bearer,
            WindowRequest {
                project_id,
                stat: Stat::Events as i32,
                minutes: 5,
                to_ms: 0,
            },
        ))
        .await?
        .into_inner();
    for minute in window.minutes {
        println!("minute {}  {:?}", minute.start_ms, minute.counts);
    }

    let top = client
        .get_top_n(with_token(
            &bearer,
            TopNRequest {
                project_id,
                board: Board::PagesByViews as i32,
                day: String::new(),
                limit: 5,
            },
        ))
        .await?
        .into_inner();
    for entry in top.entries {
        println!("{}  {}", entry.score, entry.member);
    }

    let visitors = client
        .get_uniques(with_token(
            &bearer,
            UniquesRequest {
                project_id,
                of: UniqueOf::Visitors as i32,
                per: Per::Hour as i32,
                last: 24,
                to_ms: 0,
            },
        ))
        .await?
        .into_inner();
    println!("unique visitors over 24 h: {}", visitors.total);
    Ok(())
}

fn with_token<T>(bearer: &MetadataValue<Ascii>, message: T) -> Request<T> {
    let mut request = Request::new(message);
    request
        .metadata_mut()
        .insert("authorization", bearer.clone());
    request
}
