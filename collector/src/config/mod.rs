//! The collector's configuration: what it listens on, where it keeps data, which projects and
//! keys it accepts, and its limits.
//!
//! Every option is a documented serde field with its default in the single `impl Default`
//! below; `load.rs` layers a TOML file and `MONITOR_*` environment variables on top of it, and
//! [`Config::validate`] rejects combinations the service cannot run with. docs/collector.md
//! lists the same options for people who configure the service. The `[kafka]` and
//! `[clickhouse]` sections of the production path are in `services.rs`, `[sourcemaps]` in
//! `sourcemaps.rs`, `[cleaning]`, `[realtime]` and `[redis]` in `realtime.rs`, `[alerts]` in `alerts.rs`.

mod alerts;
mod load;
mod realtime;
mod services;
mod sourcemaps;

use std::collections::HashSet;
use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

use serde::Deserialize;

pub use alerts::{AlertKind, AlertRule, AlertsConfig, WebhookFormat};
pub use load::{parse_projects, CONFIG_ENV, PAUSE_AFTER_INSERT_ENV, STALL_AFTER_BATCHES_ENV};
pub use realtime::{CleaningConfig, RealtimeConfig, RedisConfig, AGGREGATORS};
pub use services::{parse_brokers, ClickHouseConfig, Compression, ConsumerConfig, KafkaConfig};
pub use sourcemaps::SourceMapsConfig;

/// The key that the demo page and the examples use; only configured when no project is.
pub const DEMO_PUBLIC_KEY: &str = "demo-public-key";

/// The smallest `max_header_bytes`: hyper's smallest read buffer.
pub const MIN_HEADER_BYTES: usize = 8192;

/// The DSN allows at most 18 digits, which also keeps ids inside SQLite's signed integers.
pub const MAX_PROJECT_ID: u64 = 999_999_999_999_999_999;

/// The whole configuration of one collector process.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address and port to listen on (`MONITOR_LISTEN`). Port 0 picks a free port; the real
    /// address is printed on the startup line.
    pub listen: SocketAddr,
    /// Directory holding the embedded store, `events.db` (`MONITOR_DATA_DIR`). Created if missing.
    pub data_dir: PathBuf,
    /// Largest request body accepted, in bytes, as sent on the wire (`MONITOR_MAX_BODY_BYTES`).
    /// Larger bodies get 413.
    pub max_body_bytes: usize,
    /// Largest body after gzip decompression, in bytes. Guards against gzip bombs; larger
    /// bodies get 413. Must be at least `max_body_bytes`.
    pub max_decompressed_bytes: usize,
    /// Most events one batch may carry. A larger batch gets 413, like a body that is too large,
    /// so the sender knows to split it rather than fix it.
    pub max_events_per_batch: usize,
    /// Ingest requests handled at once; more get 503 with `Retry-After` at once. This is what
    /// bounds memory under any load: at most this many bodies (each within
    /// `max_decompressed_bytes`) are held.
    pub max_in_flight_requests: usize,
    /// Seconds a client has to send its whole body; a slower one gets 408.
    pub body_timeout_secs: u64,
    /// Seconds a connection has to send a request's headers, counted from when the collector
    /// starts waiting for them (so also the longest idle keep-alive). A client that trickles
    /// its headers (slowloris) is disconnected then, without an answer.
    pub header_read_timeout_secs: u64,
    /// Largest request head (request line plus headers), in bytes; a larger one gets 431.
    /// At least 8192, the smallest buffer the HTTP layer works with.
    pub max_header_bytes: usize,
    /// Connections served at once. Past it a new connection gets one 503 with `Retry-After`
    /// (read within 2 s, then closed), so the ones already open are served as before.
    pub max_connections: usize,
    /// Most bytes of a refused request's body (413, 401, ...) read and thrown away before the
    /// answer, so that the client finishes sending and reads the answer instead of seeing its
    /// upload cut (a broken pipe). A body declared larger than this, or that keeps coming
    /// past it, is not read: its connection is closed after the answer. A client that sends
    /// `Expect: 100-continue` never sends a refused body at all.
    pub max_discard_bytes: usize,
    /// Secret bearer token that every read of the query API (`GET /api/{project_id}/...`,
    /// issue status changes) requires (`MONITOR_API_TOKEN`). Never the public ingest key.
    /// When unset, reads are refused (403), unless `api_open_on_loopback` opens them.
    pub api_token: Option<String>,
    /// Opens the query API without a token, for the demo on one's own machine
    /// (`MONITOR_API_OPEN_ON_LOOPBACK=1`). Only allowed when `listen` is a loopback address
    /// (127.0.0.0/8, ::1), so nothing on the network can read; a configured `api_token` is
    /// still required when set.
    pub api_open_on_loopback: bool,
    /// Days the embedded store keeps an event, by the event's own timestamp
    /// (`MONITOR_RETENTION_DAYS`); older ones are deleted at start-up and every hour. 0 keeps
    /// them forever. (ClickHouse has its own, `clickhouse.retention_days`.)
    pub retention_days: u32,
    /// Directory served at `/demo/` (`MONITOR_DEMO_DIR`).
    pub demo_dir: PathBuf,
    /// Directory served at `/dashboard/`, the dashboard's build output
    /// (`MONITOR_DASHBOARD_DIR`).
    pub dashboard_dir: PathBuf,
    /// Directory served at `/sdk/`, normally the npm package's build output (`MONITOR_SDK_DIR`).
    pub sdk_dir: PathBuf,
    /// Projects whose events are accepted (`MONITOR_PROJECTS` replaces the list).
    pub projects: Vec<ProjectConfig>,
    /// Kafka mode (`[kafka]`): off while `brokers` is empty.
    pub kafka: KafkaConfig,
    /// Where the `consume` role writes (`[clickhouse]`).
    pub clickhouse: ClickHouseConfig,
    /// The `consume` role's own options (`[consumer]`).
    pub consumer: ConsumerConfig,
    /// What is kept of the uploaded source maps (`[sourcemaps]`).
    pub sourcemaps: SourceMapsConfig,
    /// What the stream drops before it is stored or counted (`[cleaning]`).
    pub cleaning: CleaningConfig,
    /// The live aggregates and the gRPC service (`[realtime]`).
    pub realtime: RealtimeConfig,
    /// Where the live aggregates are kept (`[redis]`; in memory when unset).
    pub redis: RedisConfig,
    /// Alert rules and their schedule (`[alerts]`).
    pub alerts: AlertsConfig,
}

/// One project: its id (the last part of the DSN), its public keys and the page origins that
/// may send to it.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ProjectConfig {
    /// Positive project id, as in the DSN and the ingest URL.
    pub id: u64,
    /// Public keys (the DSN's user part). Several allow rotating a key without downtime.
    pub keys: Vec<String>,
    /// Origins (`scheme://host[:port]`) whose pages may send, or `*` for any. A request without
    /// an `Origin` header (a server, curl) is not restricted by this list.
    #[serde(default = "any_origin")]
    pub allowed_origins: Vec<String>,
}

fn any_origin() -> Vec<String> {
    vec!["*".to_owned()]
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8787)),
            data_dir: PathBuf::from("./data"),
            max_body_bytes: 1024 * 1024,
            max_decompressed_bytes: 10 * 1024 * 1024,
            max_events_per_batch: 1000,
            max_in_flight_requests: 256,
            body_timeout_secs: 30,
            header_read_timeout_secs: 10,
            max_header_bytes: 32 * 1024,
            max_connections: 1024,
            max_discard_bytes: 32 * 1024 * 1024,
            api_token: None,
            api_open_on_loopback: false,
            retention_days: 90,
            demo_dir: PathBuf::from("demo"),
            dashboard_dir: PathBuf::from("dashboard/dist"),
            sdk_dir: PathBuf::from("npm/monitor-sdk/dist"),
            projects: vec![ProjectConfig {
                id: 1,
                keys: vec![DEMO_PUBLIC_KEY.to_owned()],
                allowed_origins: any_origin(),
            }],
            kafka: KafkaConfig::default(),
            clickhouse: ClickHouseConfig::default(),
            consumer: ConsumerConfig::default(),
            sourcemaps: SourceMapsConfig::default(),
            cleaning: CleaningConfig::default(),
            realtime: RealtimeConfig::default(),
            redis: RedisConfig::default(),
            alerts: AlertsConfig::default(),
        }
    }
}

/// Why a configuration was refused; the message names the option.
#[derive(Debug, PartialEq)]
pub struct ConfigError(pub String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid configuration: {}", self.0)
    }
}

impl std::error::Error for ConfigError {}

fn invalid(message: impl Into<String>) -> ConfigError {
    ConfigError(message.into())
}

impl Config {
    /// Checks the options against each other. Keys must be unique across projects because the
    /// key alone decides between "unknown key" (401) and "key of another project" (403).
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.max_body_bytes == 0 {
            return Err(invalid("max_body_bytes must be positive"));
        }
        if self.max_decompressed_bytes < self.max_body_bytes {
            return Err(invalid(
                "max_decompressed_bytes must be at least max_body_bytes",
            ));
        }
        if self.max_in_flight_requests == 0 {
            return Err(invalid("max_in_flight_requests must be positive"));
        }
        if self.max_events_per_batch == 0 {
            return Err(invalid("max_events_per_batch must be positive"));
        }
        if self.body_timeout_secs == 0 {
            return Err(invalid("body_timeout_secs must be positive"));
        }
        if self.header_read_timeout_secs == 0 {
            return Err(invalid("header_read_timeout_secs must be positive"));
        }
        if self.max_header_bytes < MIN_HEADER_BYTES {
            return Err(invalid(format!(
                "max_header_bytes must be at least {MIN_HEADER_BYTES}"
            )));
        }
        if self.max_connections == 0 {
            return Err(invalid("max_connections must be positive"));
        }
        if self.api_token.as_deref() == Some("") {
            return Err(invalid(
                "api_token must not be empty (leave it out to disable)",
            ));
        }
        if self.api_open_on_loopback && !self.listen.ip().is_loopback() {
            return Err(invalid(format!(
                "api_open_on_loopback is only allowed on a loopback listen address, not {}",
                self.listen
            )));
        }
        self.kafka.validate()?;
        self.clickhouse.validate()?;
        self.consumer.validate()?;
        self.sourcemaps.validate()?;
        self.cleaning.validate()?;
        self.realtime.validate()?;
        self.redis.validate()?;
        self.alerts.validate()?;
        let lag_rule = self
            .alerts
            .rules
            .iter()
            .find(|r| r.kind == AlertKind::ConsumerLag);
        if let (Some(rule), true) = (lag_rule, self.kafka.brokers.is_empty()) {
            return Err(invalid(format!(
                "alerts.rules {:?}: a consumer_lag rule needs Kafka mode (kafka.brokers)",
                rule.name
            )));
        }
        if self.projects.is_empty() {
            return Err(invalid("projects: at least one project is needed"));
        }
        let mut ids = HashSet::new();
        let mut keys = HashSet::new();
        for project in &self.projects {
            if project.id == 0 || project.id > MAX_PROJECT_ID {
                return Err(invalid(format!(
                    "projects: id {} must be a positive integer of at most 18 digits",
                    project.id
                )));
            }
            if !ids.insert(project.id) {
                return Err(invalid(format!(
                    "projects: id {} appears twice",
                    project.id
                )));
            }
            if project.keys.is_empty() {
                return Err(invalid(format!(
                    "project {}: keys must not be empty",
                    project.id
                )));
            }
            for key in &project.keys {
                if !is_valid_key(key) {
                    return Err(invalid(format!(
                        "project {}: key {key:?} must be non-empty and use only A-Z a-z 0-9 _ -",
                        project.id
                    )));
                }
                if !keys.insert(key.as_str()) {
                    return Err(invalid(format!("key {key:?} is used twice")));
                }
            }
            for origin in &project.allowed_origins {
                if !is_valid_origin(origin) {
                    return Err(invalid(format!(
                        "project {}: allowed origin {origin:?} must be \"*\" or scheme://host[:port]",
                        project.id
                    )));
                }
            }
        }
        Ok(())
    }

    /// Where the embedded store lives.
    pub fn database_path(&self) -> PathBuf {
        self.data_dir.join("events.db")
    }

    /// Where Kafka mode spools events while Kafka cannot take them.
    pub fn spool_dir(&self) -> PathBuf {
        self.data_dir.join("spool")
    }

    /// Where uploaded source maps are kept, a folder per project and release.
    pub fn alerts_path(&self) -> PathBuf {
        self.data_dir.join("alerts.json")
    }

    /// The alert rules created through the API.
    pub fn alert_rules_path(&self) -> PathBuf {
        self.data_dir.join("alert_rules.json")
    }

    pub fn sourcemaps_dir(&self) -> PathBuf {
        self.data_dir.join("sourcemaps")
    }
}

/// The DSN's key alphabet (docs/protocol.md).
pub fn is_valid_key(key: &str) -> bool {
    !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Browsers send `Origin` as `scheme://host[:port]` with no path, so a configured origin with a
/// path or a trailing slash could never match; refusing it saves a confusing 403 later.
fn is_valid_origin(origin: &str) -> bool {
    if origin == "*" {
        return true;
    }
    match origin.split_once("://") {
        Some((scheme, rest)) => {
            !scheme.is_empty()
                && scheme
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
                && !rest.is_empty()
                && !rest.contains(['/', '?', '#', ' '])
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_valid_and_has_the_demo_project() {
        let config = Config::default();
        assert_eq!(config.validate(), Ok(()));
        assert_eq!(config.projects[0].id, 1);
        assert_eq!(config.projects[0].keys, vec![DEMO_PUBLIC_KEY]);
        assert_eq!(config.listen.to_string(), "127.0.0.1:8787");
    }

    #[test]
    fn refuses_shared_keys_and_bad_origins() {
        let mut config = Config::default();
        config.projects.push(ProjectConfig {
            id: 2,
            keys: vec![DEMO_PUBLIC_KEY.to_owned()],
            allowed_origins: any_origin(),
        });
        assert!(config.validate().unwrap_err().0.contains("used twice"));

        let mut config = Config::default();
        config.projects[0].allowed_origins = vec!["http://localhost:5173/".to_owned()];
        assert!(config.validate().unwrap_err().0.contains("allowed origin"));
        config.projects[0].allowed_origins = vec!["http://localhost:5173".to_owned()];
        assert_eq!(config.validate(), Ok(()));
    }

    #[test]
    fn refuses_inconsistent_limits() {
        let config = Config {
            max_decompressed_bytes: 10,
            ..Config::default()
        };
        assert!(config.validate().is_err());
        let config = Config {
            api_token: Some(String::new()),
            ..Config::default()
        };
        assert!(config.validate().is_err());
    }

    #[test]
    fn the_open_api_is_only_allowed_on_loopback() {
        let open = |listen: &str| {
            Config {
                listen: listen.parse().unwrap(),
                api_open_on_loopback: true,
                ..Config::default()
            }
            .validate()
        };
        assert_eq!(open("127.0.0.1:0"), Ok(()));
        assert_eq!(open("127.3.4.5:8787"), Ok(()));
        assert_eq!(open("[::1]:8787"), Ok(()));
        for public in ["0.0.0.0:8787", "192.168.1.2:8787", "[::]:8787"] {
            let error = open(public).unwrap_err();
            assert!(error.0.contains("api_open_on_loopback"), "{error}");
        }
    }
}
