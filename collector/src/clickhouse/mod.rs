//! ClickHouse: where the `consume` role puts events for analytics.
//!
//! The schema is created by [`migrate`] when a consumer starts, so a fresh server needs no
//! manual step; [`EventRow`] is one event as a row. The client uses plain `RowBinary`
//! (`with_validation(false)`): the schema-checking format needs a newer server than the
//! 18.16 our tests run against, and the row type is tested against the table instead.
//! docs/clickhouse.md explains the table and why queries read it with `FINAL`.

mod migrations;
mod row;

use ::clickhouse::Client;

use crate::config::ClickHouseConfig;

pub use migrations::{
    gated_migrations, migrate, migrations, schema_ddl, server_version, Migration, ServerVersion,
    MIGRATIONS,
};
pub use row::EventRow;

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
