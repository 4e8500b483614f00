//! ClickHouse: where the `consume` role puts events for analytics.
//!
//! The schema is created by [`migrate`] when a consumer starts, so a fresh server needs no
//! manual step; [`EventRow`] is one event as a row. The client uses plain `RowBinary`
//! (`with_validation(false)`): the schema-checking format needs a newer server than the
//! 18.16 our tests run against, and the row type is tested against the table instead.
//! docs/clickhouse.md explains the table and why queries read it with `FINAL`.

mod migrations;
mod query_schema;
mod reader;
mod row;
mod version;

use std::time::Duration;

use ::clickhouse::Client;

use crate::config::ClickHouseConfig;

pub use migrations::{
    gated_migrations, migrate, migrations, schema_ddl, server_version, Migration, MIGRATIONS,
};
pub use query_schema::QUERY_COLUMNS;
pub use reader::ClickHouseStore;
pub use row::EventRow;
pub use version::ServerVersion;

/// A client for the server, not bound to a database (the migrations create it).
pub fn server_client(config: &ClickHouseConfig) -> Client {
    Client::default()
        .with_url(&config.url)
        .with_validation(false)
}

/// A client whose queries and inserts go to `config.database`.
pub fn client(config: &ClickHouseConfig) -> Client {
    server_client(config).with_database(&config.database)
}

/// Inserts one batch of rows as a single INSERT.
pub async fn insert_events(client: &Client, rows: &[EventRow]) -> ::clickhouse::error::Result<()> {
    let mut insert = client.insert::<EventRow>("events").await?;
    for row in rows {
        insert.write(row).await?;
    }
    insert.end().await
}

/// [`insert_events`], given up after `limit` (`clickhouse.insert_timeout_ms`): a server that
/// takes the connection and then hangs must not stall the consumer for good. The error says
/// which happened; the caller retries, and a batch that landed anyway is deduplicated like
/// any redelivery.
pub async fn insert_events_within(
    client: &Client,
    rows: &[EventRow],
    limit: Duration,
) -> Result<(), String> {
    match tokio::time::timeout(limit, insert_events(client, rows)).await {
        Ok(result) => result.map_err(|e| e.to_string()),
        Err(_) => Err(format!(
            "no answer within {} ms (clickhouse.insert_timeout_ms)",
            limit.as_millis()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kafka::message::{decode, encode};

    #[tokio::test]
    async fn an_insert_into_a_hanging_server_times_out() {
        // Accepts connections and never answers.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let held = tokio::spawn(async move {
            let mut open = Vec::new();
            while let Ok((socket, _)) = listener.accept().await {
                open.push(socket);
            }
        });
        let config = ClickHouseConfig {
            url: format!("http://{addr}"),
            ..ClickHouseConfig::default()
        };
        let event = serde_json::json!({"event_id": "a".repeat(32), "type": "message",
            "timestamp": 1_763_870_000_000.0, "message": "m"});
        let row = EventRow::from_message(&decode(&encode(1, 1_763_870_000_000, &event)).unwrap());
        let started = std::time::Instant::now();
        let error = insert_events_within(&client(&config), &[row], Duration::from_millis(300))
            .await
            .unwrap_err();
        assert!(error.contains("no answer within 300 ms"), "{error}");
        assert!(started.elapsed() < Duration::from_secs(5));
        held.abort();
    }
}
