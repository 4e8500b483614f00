//! The schema, as numbered migrations applied at consumer start-up.
//!
//! Each migration is idempotent DDL (`IF NOT EXISTS`; the gated `ALTER`s set a column type or
//! TTL, which setting again changes nothing), and the versions applied are recorded
//! in `schema_migrations`. Several consumers starting at once may both run a migration; that
//! is harmless because the DDL is idempotent, and a version recorded twice still counts once.
//!
//! [`MIGRATIONS`] work on every server from ClickHouse 18.16 on. The migrations of
//! [`gated_migrations`] use features of newer servers (LowCardinality, TTL, CODEC): each one
//! is applied only when `SELECT version()` says the server has its feature. One that a server
//! lacks is left out *and not recorded*, so it is applied at the first start after the server
//! is upgraded.

use ::clickhouse::{Client, Row};
use serde::Deserialize;

use super::query_schema::{added_column, query_migrations};
use super::version::ServerVersion;
use crate::config::ClickHouseConfig;

/// `(version, name, DDL)`; `{db}` is replaced by the configured database.
pub const MIGRATIONS: &[(u32, &str, &str)] = &[
    (
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
    ),
    (
        2,
        "events_per_minute table",
        "CREATE TABLE IF NOT EXISTS {db}.events_per_minute (
        project_id UInt64,
        type       String,
        minute     DateTime,
        count      UInt64
    )
    ENGINE = SummingMergeTree
    PARTITION BY toYYYYMM(minute)
    ORDER BY (project_id, type, minute)",
    ),
    (
        3,
        "events_per_minute view",
        "CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.events_per_minute_mv
    TO {db}.events_per_minute
    AS SELECT project_id, type, toStartOfMinute(timestamp) AS minute, count() AS count
    FROM {db}.events
    GROUP BY project_id, type, minute",
    ),
    (
        4,
        "web_vitals_per_minute table",
        "CREATE TABLE IF NOT EXISTS {db}.web_vitals_per_minute (
        project_id UInt64,
        name       String,
        minute     DateTime,
        quantiles  AggregateFunction(quantiles(0.5, 0.75, 0.95, 0.99), Float64),
        count      AggregateFunction(count)
    )
    ENGINE = AggregatingMergeTree
    PARTITION BY toYYYYMM(minute)
    ORDER BY (project_id, name, minute)",
    ),
    // `name` is `message`, which row.rs fills with the event's top-level `name`. The value
    // is read from the *last* `"value":` of the payload: visitParamExtractFloat takes the
    // first one at any depth, and the payload's keys are sorted (serde_json without
    // `preserve_order`), so breadcrumbs, extra or attribution holding a `value` key come
    // before the top-level one, while no key that sorts after `value` nests one. row.rs
    // tests that ordering.
    (
        5,
        "web_vitals_per_minute view",
        "CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.web_vitals_per_minute_mv
    TO {db}.web_vitals_per_minute
    AS SELECT
        project_id,
        message AS name,
        toStartOfMinute(timestamp) AS minute,
        quantilesState(0.5, 0.75, 0.95, 0.99)(visitParamExtractFloat(
            substring(payload, length(payload) - position(reverse(payload), ':\"eulav\"') - 6),
            'value'
        )) AS quantiles,
        countState() AS count
    FROM {db}.events
    WHERE type = 'web_vital'
    GROUP BY project_id, name, minute",
    ),
    // Versions 6-10 are the gated and the query side's migrations. The per-minute counts of
    // 2-3 add up rows, so a batch the consumer inserts again (at-least-once) counts twice;
    // these count distinct event ids instead, exact after any number of redeliveries.
    // `name` is a web vital's or custom event's name (`message`, see above), else empty.
    (
        11,
        "events_by_minute table",
        "CREATE TABLE IF NOT EXISTS {db}.events_by_minute (
        project_id UInt64,
        type       String,
        name       String,
        minute     DateTime,
        ids        AggregateFunction(uniqExact, String)
    )
    ENGINE = AggregatingMergeTree
    PARTITION BY toYYYYMM(minute)
    ORDER BY (project_id, type, name, minute)",
    ),
    (
        12,
        "events_by_minute view",
        "CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.events_by_minute_mv
    TO {db}.events_by_minute
    AS SELECT project_id, type,
        if(type IN ('web_vital', 'custom'), message, '') AS name,
        toStartOfMinute(timestamp) AS minute,
        uniqExactState(event_id) AS ids
    FROM {db}.events
    GROUP BY project_id, type, name, minute",
    ),
];

/// One migration: its statements run in order, each on its own (the HTTP interface takes one
/// statement per query), with `{db}` already replaced.
#[derive(Clone, Debug, PartialEq)]
pub struct Migration {
    pub version: u32,
    pub name: &'static str,
    pub statements: Vec<String>,
}

/// The migrations that need a newer server than 18.16; only those `server` supports are
/// returned. Their numbers follow [`MIGRATIONS`]'s and never change: a skipped one is applied
/// under the same number once the server has its feature.
pub fn gated_migrations(server: ServerVersion, config: &ClickHouseConfig) -> Vec<Migration> {
    let db = &config.database;
    let mut gated = Vec::new();
    if server.has_low_cardinality() {
        gated.push(Migration {
            version: 6,
            name: "LowCardinality type, release, environment",
            statements: vec![format!(
                "ALTER TABLE {db}.events
    MODIFY COLUMN type LowCardinality(String),
    MODIFY COLUMN release LowCardinality(String),
    MODIFY COLUMN environment LowCardinality(String)"
            )],
        });
    }
    if server.has_ttl() && config.retention_days > 0 {
        let days = config.retention_days;
        gated.push(Migration {
            version: 7,
            name: "events retention TTL",
            statements: vec![format!(
                "ALTER TABLE {db}.events MODIFY TTL timestamp + INTERVAL {days} DAY"
            )],
        });
    }
    if server.has_codecs() {
        gated.push(Migration {
            version: 8,
            name: "payload CODEC(ZSTD)",
            statements: vec![format!(
                "ALTER TABLE {db}.events MODIFY COLUMN payload String CODEC(ZSTD(3))"
            )],
        });
    }
    gated
}

/// Every migration `server` gets, by version: [`MIGRATIONS`], the query side's
/// ([`query_migrations`]) and the [`gated_migrations`] the server has the features for.
pub fn migrations(server: ServerVersion, config: &ClickHouseConfig) -> Vec<Migration> {
    let db = &config.database;
    let mut all: Vec<Migration> = MIGRATIONS
        .iter()
        .map(|&(version, name, ddl)| Migration {
            version,
            name,
            statements: vec![ddl.replace("{db}", db)],
        })
        .collect();
    all.extend(query_migrations(db));
    all.extend(gated_migrations(server, config));
    all.sort_by_key(|m| m.version);
    all
}

/// The statements that create the database and the migrations table, before any migration.
fn bootstrap(db: &str) -> [String; 2] {
    [
        format!("CREATE DATABASE IF NOT EXISTS {db}"),
        format!(
            "CREATE TABLE IF NOT EXISTS {db}.schema_migrations (
    version UInt32, name String, applied_at DateTime DEFAULT now()
) ENGINE = MergeTree ORDER BY version"
        ),
    ]
}

/// The whole schema for a server of version `server`, as the statements [`migrate`] would run
/// on an empty server (without the `schema_migrations` inserts). This is what
/// `monitor-collector clickhouse-ddl --version X` prints.
pub fn schema_ddl(server: ServerVersion, config: &ClickHouseConfig) -> Vec<String> {
    let mut statements: Vec<String> = bootstrap(&config.database).into();
    for migration in migrations(server, config) {
        statements.extend(migration.statements);
    }
    statements
}

#[derive(Row, Deserialize)]
struct Applied {
    version: u32,
}

#[derive(Row, Deserialize)]
struct Version {
    version: String,
}

/// The server's version; `0.0.0` (no modern feature) when it cannot be parsed.
pub async fn server_version(server: &Client) -> ::clickhouse::error::Result<ServerVersion> {
    let text = server
        .query("SELECT version() AS version")
        .fetch_one::<Version>()
        .await?
        .version;
    Ok(ServerVersion::parse(&text).unwrap_or_else(|| {
        tracing::warn!(version = %text, "unparsable ClickHouse version: no version-gated DDL");
        ServerVersion::new(0, 0, 0)
    }))
}

/// Creates the database and brings its schema up to date for the server's version. Returns
/// the versions it applied.
pub async fn migrate(config: &ClickHouseConfig) -> ::clickhouse::error::Result<Vec<u32>> {
    let db = &config.database;
    let server = super::server_client(config);
    let version = server_version(&server).await?;
    for statement in bootstrap(db) {
        server.query(&statement).execute().await?;
    }
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
    for migration in migrations(version, config) {
        if applied.contains(&migration.version) {
            continue;
        }
        for statement in &migration.statements {
            run_statement(&server, db, statement).await?;
        }
        record(&server, db, migration.version, migration.name).await?;
        tracing::info!(
            version = migration.version,
            name = migration.name,
            database = %db,
            server = %version,
            "applied migration"
        );
        done.push(migration.version);
    }
    Ok(done)
}

/// Runs one migration statement. An `ADD COLUMN` whose column exists is skipped, and one
/// that fails because the column appeared meanwhile (another consumer) counts as done:
/// 18.16 has no `ADD COLUMN IF NOT EXISTS`.
async fn run_statement(
    server: &Client,
    db: &str,
    statement: &str,
) -> ::clickhouse::error::Result<()> {
    let Some((table, column)) = added_column(statement) else {
        return server.query(statement).execute().await;
    };
    if has_column(server, db, table, column).await? {
        return Ok(());
    }
    match server.query(statement).execute().await {
        Err(_) if has_column(server, db, table, column).await? => Ok(()),
        result => result,
    }
}

#[derive(Row, Deserialize)]
struct Count {
    n: u64,
}

async fn has_column(
    server: &Client,
    db: &str,
    table: &str,
    column: &str,
) -> ::clickhouse::error::Result<bool> {
    let found = server
        .query(
            "SELECT count() AS n FROM system.columns WHERE database = ? AND table = ? AND name = ?",
        )
        .bind(db)
        .bind(table)
        .bind(column)
        .fetch_one::<Count>()
        .await?;
    Ok(found.n > 0)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> ClickHouseConfig {
        ClickHouseConfig {
            database: "m".to_owned(),
            ..ClickHouseConfig::default()
        }
    }

    fn versions(server: ServerVersion, config: &ClickHouseConfig) -> Vec<u32> {
        migrations(server, config)
            .iter()
            .map(|m| m.version)
            .collect()
    }

    #[test]
    fn ddl_for_18_16_has_no_modern_feature() {
        let ddl = schema_ddl(ServerVersion::new(18, 16, 1), &config()).join(";\n");
        assert_eq!(
            versions(ServerVersion::new(18, 16, 1), &config()),
            [1, 2, 3, 4, 5, 9, 10, 11, 12, 13]
        );
        for modern in ["LowCardinality", "TTL", "CODEC", "{db}"] {
            assert!(!ddl.contains(modern), "{modern} in {ddl}");
        }
        assert!(ddl.starts_with("CREATE DATABASE IF NOT EXISTS m;"));
        assert!(ddl.contains("CREATE TABLE IF NOT EXISTS m.events ("));
        assert!(ddl.contains("TO m.events_per_minute"));
        assert!(ddl.contains("TO m.web_vitals_per_minute"));
        assert!(ddl.contains("uniqExactState(event_id) AS ids"));
    }

    #[test]
    fn ddl_switches_features_on_by_version() {
        let config = config();
        assert_eq!(
            versions(ServerVersion::new(19, 5, 0), &config),
            [1, 2, 3, 4, 5, 6, 9, 10, 11, 12, 13]
        );
        assert_eq!(
            versions(ServerVersion::new(19, 6, 0), &config),
            [1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13]
        );
        let all = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13];
        assert_eq!(versions(ServerVersion::new(19, 11, 0), &config), all);
        let ddl = schema_ddl(ServerVersion::new(26, 9, 0), &config).join(";\n");
        assert!(ddl.contains("MODIFY COLUMN type LowCardinality(String)"));
        assert!(ddl.contains("MODIFY TTL timestamp + INTERVAL 90 DAY"));
        assert!(ddl.contains("MODIFY COLUMN payload String CODEC(ZSTD(3))"));

        let keep = ClickHouseConfig {
            retention_days: 0,
            ..config.clone()
        };
        assert_eq!(
            versions(ServerVersion::new(26, 9, 0), &keep),
            [1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12, 13]
        );
        let short = ClickHouseConfig {
            retention_days: 7,
            ..config
        };
        let ddl = schema_ddl(ServerVersion::new(26, 9, 0), &short).join(";\n");
        assert!(ddl.contains("INTERVAL 7 DAY"));
    }
}
