//! The real-time layer's sections: `[cleaning]` (what the stream drops before anything is
//! stored or counted), `[realtime]` (which live aggregates are kept, for how long, and the
//! gRPC port) and `[redis]` (where they are kept; in memory when unset).
//! [`crate::realtime`] is what uses them; docs/realtime.md lists them for operators.

use std::net::SocketAddr;

use serde::Deserialize;

use super::{invalid, ConfigError};

/// Names [`RealtimeConfig::aggregators`] accepts, one per aggregator file.
pub const AGGREGATORS: &[&str] = &["counters", "windows", "top_n", "uniques"];

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct CleaningConfig {
    /// An event whose `(project, event_id)` was seen within this many seconds is a duplicate
    /// (Kafka delivers at least once, the SDK retries). 0 turns the rule off.
    pub duplicate_window_secs: u64,
    /// Most event ids remembered for the duplicate rule; past it the oldest are forgotten
    /// early (memory stays bounded whatever the traffic).
    pub duplicate_max_ids: usize,
    /// Largest duration vital (LCP, FCP, FP, TTFB, INP, TBT), in ms; above it the report is
    /// an outlier (a tab left in the background, a broken clock). Negative values always are.
    pub max_vital_ms: f64,
    /// Largest CLS.
    pub max_cls: f64,
    /// How far an event's own timestamp may lie ahead of its arrival, in seconds.
    pub max_future_secs: u64,
    /// How far it may lie behind, in seconds. 0 allows any age.
    pub max_past_secs: u64,
    /// Drops events from known crawlers and bots, by user agent.
    pub drop_bots: bool,
    /// Releases whose events are dropped (exact match).
    pub drop_releases: Vec<String>,
    /// Environments whose events are dropped (exact match).
    pub drop_environments: Vec<String>,
    /// Regular expressions; an event whose page URL matches one is dropped.
    pub drop_url_patterns: Vec<String>,
}

impl Default for CleaningConfig {
    fn default() -> Self {
        CleaningConfig {
            duplicate_window_secs: 600,
            duplicate_max_ids: 500_000,
            max_vital_ms: 60_000.0,
            max_cls: 10.0,
            max_future_secs: 86_400,
            max_past_secs: 0,
            drop_bots: true,
            drop_releases: Vec::new(),
            drop_environments: Vec::new(),
            drop_url_patterns: Vec::new(),
        }
    }
}

impl CleaningConfig {
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.duplicate_window_secs > 0 && self.duplicate_max_ids < 2 {
            return Err(invalid("cleaning.duplicate_max_ids must be at least 2"));
        }
        if self.max_vital_ms.is_nan()
            || self.max_vital_ms <= 0.0
            || self.max_cls.is_nan()
            || self.max_cls <= 0.0
        {
            return Err(invalid(
                "cleaning.max_vital_ms and cleaning.max_cls must be positive",
            ));
        }
        for pattern in &self.drop_url_patterns {
            if let Err(e) = regex::Regex::new(pattern) {
                return Err(invalid(format!(
                    "cleaning.drop_url_patterns: {pattern:?} is not a regular expression: {e}"
                )));
            }
        }
        Ok(())
    }
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct RealtimeConfig {
    /// The aggregators that run, by name (any of `counters`, `windows`, `top_n`, `uniques`).
    /// Empty turns live aggregation off.
    pub aggregators: Vec<String>,
    /// How long a per-minute window key (and the per-minute and per-hour unique counts) is
    /// kept, in seconds.
    pub window_retention_secs: u64,
    /// How many days a day's Top-N leaderboards and daily unique counts are kept.
    pub daily_retention_days: u64,
    /// Where the gRPC service listens (`MONITOR_RPC_LISTEN`); off when unset.
    pub rpc_listen: Option<SocketAddr>,
}

impl Default for RealtimeConfig {
    fn default() -> Self {
        RealtimeConfig {
            aggregators: AGGREGATORS.iter().map(|&name| name.to_owned()).collect(),
            window_retention_secs: 24 * 3600,
            daily_retention_days: 7,
            rpc_listen: None,
        }
    }
}

impl RealtimeConfig {
    pub fn validate(&self) -> Result<(), ConfigError> {
        for name in &self.aggregators {
            if !AGGREGATORS.contains(&name.as_str()) {
                return Err(invalid(format!(
                    "realtime.aggregators: unknown aggregator {name:?} (known: {})",
                    AGGREGATORS.join(", ")
                )));
            }
        }
        if self.window_retention_secs < 60 {
            return Err(invalid(
                "realtime.window_retention_secs must be at least 60",
            ));
        }
        if self.daily_retention_days == 0 {
            return Err(invalid("realtime.daily_retention_days must be positive"));
        }
        Ok(())
    }

    pub fn runs(&self, aggregator: &str) -> bool {
        self.aggregators.iter().any(|name| name == aggregator)
    }
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct RedisConfig {
    /// `redis://host:port[/db]` (`MONITOR_REDIS_URL`). Unset keeps the live aggregates in the
    /// collector's memory, fed by its ingest path.
    pub url: Option<String>,
    /// First part of every key (`MONITOR_REDIS_KEY_PREFIX`), so that several deployments
    /// (or tests) can share one Redis.
    pub key_prefix: String,
    /// Longest a batch's live update keeps being retried while Redis does not answer, in ms;
    /// after that the batch goes on to be committed without it (counted in `/metrics`), so
    /// that a Redis outage never holds up the analytical store.
    pub max_retry_ms: u64,
}

impl Default for RedisConfig {
    fn default() -> Self {
        RedisConfig {
            url: None,
            key_prefix: "metrics".to_owned(),
            max_retry_ms: 5000,
        }
    }
}

impl RedisConfig {
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.key_prefix.is_empty() || self.key_prefix.contains(char::is_whitespace) {
            return Err(invalid(
                "redis.key_prefix must be non-empty and without spaces",
            ));
        }
        if let Some(url) = &self.url {
            if !(url.starts_with("redis://") || url.starts_with("rediss://")) {
                return Err(invalid(format!(
                    "redis.url {url:?} must start with redis:// or rediss://"
                )));
            }
            if let Err(e) = redis::Client::open(url.as_str()) {
                return Err(invalid(format!("redis.url {url:?}: {e}")));
            }
        }
        Ok(())
    }
}
