//! The schema, as numbered migrations applied at consumer start-up.
//!
//! Each migration is idempotent DDL (`IF NOT EXISTS`), and the versions applied are recorded
//! in `schema_migrations`. Several consumers starting at once may both run a migration; that
//! is harmless because the DDL is idempotent, and a version recorded twice still counts once.
//! Everything here works on ClickHouse 18.16: features of newer servers (LowCardinality, TTL,
//! CODEC) will come as further migrations chosen by server version.

use ::clickhouse::{Client, Row};
use serde::Deserialize;

use crate::config::ClickHouseConfig;

/// `(version, name, DDL)`; `{db}` is replaced by the configured database.
pub const MIGRATIONS: &[(u32, &str, &str)] = &[(
    1,
    "events table",
    "CREATE TABLE IF NOT EXISTS {db}.events (
        project_id     UInt64,
        event_id       String,
        type           String,
        timestamp      DateTime,
        timestamp_ms   Float64,
        received_at    DateTime,
        received_at_ms UInt64,
        level          String,
        release        String,
        environment    String,
        user_id        String,
        session_id     String,
        page_url       String,
        message        String,
        payload        String
    )
    ENGINE = ReplacingMergeTree(received_at)
    PARTITION BY toYYYYMMDD(timestamp)
    ORDER BY (project_id, type, timestamp, event_id)",
)];

#[derive(Row, Deserialize)]
struct Applied {
    version: u32,
}

/// Creates the database and brings its schema up to date. Returns the versions it applied.
pub async fn migrate(config: &ClickHouseConfig) -> ::clickhouse::error::Result<Vec<u32>> {
    let db = &config.database;
    let server = super::server_client(config);
    server
        .query(&format!("CREATE DATABASE IF NOT EXISTS {db}"))
        .execute()
        .await?;
    server
        .query(&format!(
            "CREATE TABLE IF NOT EXISTS {db}.schema_migrations (
                version UInt32, name String, applied_at DateTime DEFAULT now()
            ) ENGINE = MergeTree ORDER BY version"
        ))
        .execute()
        .await?;
    let applied: Vec<u32> = server
        .query(&format!(
            "SELECT DISTINCT version FROM {db}.schema_migrations"
        ))
        .fetch_all::<Applied>()
        .await?
        .into_iter()
        .map(|a| a.version)
        .collect();
    let mut done = Vec::new();
    for &(version, name, ddl) in MIGRATIONS {
        if applied.contains(&version) {
            continue;
        }
        server.query(&ddl.replace("{db}", db)).execute().await?;
        record(&server, db, version, name).await?;
        tracing::info!(version, name, database = %db, "applied migration");
        done.push(version);
    }
    Ok(done)
}

async fn record(
    server: &Client,
    db: &str,
    version: u32,
    name: &str,
) -> ::clickhouse::error::Result<()> {
    // `.bind()` is expanded by the client; server-side parameters need a newer server.
    server
        .query(&format!(
            "INSERT INTO {db}.schema_migrations (version, name) VALUES (?, ?)"
        ))
        .bind(version)
        .bind(name)
        .execute()
        .await
}
