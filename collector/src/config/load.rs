//! Building a [`Config`]: defaults, then the TOML file, then `MONITOR_*` environment variables.
//!
//! The environment is passed in as a lookup function rather than read here, so tests can
//! exercise overrides without touching the process environment that parallel tests share.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::{any_origin, invalid, parse_brokers, Config, ConfigError, ProjectConfig};

/// Environment variable naming the TOML file when `--config` is not given.
pub const CONFIG_ENV: &str = "MONITOR_CONFIG";

/// Fault injection for tests: milliseconds the consumer waits between a batch's insert and
/// its offset commit ([`super::ConsumerConfig::pause_after_insert`]). Environment only.
pub const PAUSE_AFTER_INSERT_ENV: &str = "MONITOR_CONSUMER_PAUSE_AFTER_INSERT_MS";

/// Fault injection for tests: committed batches after which the consumer stalls
/// ([`super::ConsumerConfig::stall_after_batches`]). Environment only.
pub const STALL_AFTER_BATCHES_ENV: &str = "MONITOR_CONSUMER_STALL_AFTER_BATCHES";

impl Config {
    /// Loads the configuration: `file` (from `--config`) or else the file named by
    /// `MONITOR_CONFIG`, or the defaults when neither is set; then the environment overrides;
    /// then [`Config::validate`].
    pub fn load(
        file: Option<&Path>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigError> {
        let file = file
            .map(Path::to_path_buf)
            .or_else(|| non_empty(env(CONFIG_ENV)).map(PathBuf::from));
        let mut config = match file {
            Some(path) => Config::from_file(&path)?,
            None => Config::default(),
        };
        config.apply_env(env)?;
        config.validate()?;
        Ok(config)
    }

    /// Reads and parses a TOML file; options it leaves out keep their defaults.
    pub fn from_file(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| invalid(format!("cannot read {}: {e}", path.display())))?;
        Config::from_toml_str(&text).map_err(|e| invalid(format!("{}: {}", path.display(), e.0)))
    }

    /// Parses TOML text; unknown options are errors so that a typo is not silently ignored.
    pub fn from_toml_str(text: &str) -> Result<Config, ConfigError> {
        toml::from_str(text).map_err(|e| invalid(e.to_string().trim_end().to_owned()))
    }

    /// Applies the `MONITOR_*` overrides. An empty variable counts as unset, which is what a
    /// shell's `MONITOR_API_TOKEN= cmd` usually means.
    pub fn apply_env(&mut self, env: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        let var = |name: &str| non_empty(env(name));
        if let Some(value) = var("MONITOR_LISTEN") {
            self.listen = value.parse().map_err(|_| {
                invalid(format!("MONITOR_LISTEN: {value:?} is not an address:port"))
            })?;
        }
        if let Some(value) = var("MONITOR_DATA_DIR") {
            self.data_dir = PathBuf::from(value);
        }
        if let Some(value) = var("MONITOR_MAX_BODY_BYTES") {
            self.max_body_bytes = value.parse().map_err(|_| {
                invalid(format!(
                    "MONITOR_MAX_BODY_BYTES: {value:?} is not a byte count"
                ))
            })?;
            // Keep the gzip allowance proportional when only the wire limit is raised.
            self.max_decompressed_bytes = self
                .max_decompressed_bytes
                .max(self.max_body_bytes.saturating_mul(10));
        }
        if let Some(value) = var("MONITOR_API_TOKEN") {
            self.api_token = Some(value);
        }
        if let Some(value) = var("MONITOR_API_OPEN_ON_LOOPBACK") {
            self.api_open_on_loopback = parse_flag("MONITOR_API_OPEN_ON_LOOPBACK", &value)?;
        }
        if let Some(value) = var("MONITOR_RETENTION_DAYS") {
            self.retention_days = value.trim().parse().map_err(|_| {
                invalid(format!(
                    "MONITOR_RETENTION_DAYS: {value:?} is not a whole number of days"
                ))
            })?;
        }
        if let Some(value) = var("MONITOR_DEMO_DIR") {
            self.demo_dir = PathBuf::from(value);
        }
        if let Some(value) = var("MONITOR_DASHBOARD_DIR") {
            self.dashboard_dir = PathBuf::from(value);
        }
        if let Some(value) = var("MONITOR_SDK_DIR") {
            self.sdk_dir = PathBuf::from(value);
        }
        if let Some(value) = var("MONITOR_PROJECTS") {
            self.projects = parse_projects(&value)
                .map_err(|e| invalid(format!("MONITOR_PROJECTS: {}", e.0)))?;
        }
        if let Some(value) = var("MONITOR_KAFKA_BROKERS") {
            self.kafka.brokers = parse_brokers(&value);
        }
        if let Some(value) = var("MONITOR_KAFKA_TOPIC") {
            self.kafka.topic = value;
        }
        if let Some(value) = var("MONITOR_SPOOL_MAX_BYTES") {
            self.kafka.spool_max_bytes = value.parse().map_err(|_| {
                invalid(format!(
                    "MONITOR_SPOOL_MAX_BYTES: {value:?} is not a byte count"
                ))
            })?;
        }
        if let Some(value) = var("MONITOR_KAFKA_DEAD_LETTER_TOPIC") {
            self.kafka.dead_letter_topic = value;
        }
        if let Some(value) = var("MONITOR_CONSUMER_METRICS_LISTEN") {
            self.consumer.metrics_listen = Some(value.parse().map_err(|_| {
                invalid(format!(
                    "MONITOR_CONSUMER_METRICS_LISTEN: {value:?} is not an address:port"
                ))
            })?);
        }
        if let Some(value) = var("MONITOR_CONSUMER_INSTANCE_ID") {
            self.consumer.instance_id = Some(value);
        }
        if let Some(value) = var(STALL_AFTER_BATCHES_ENV) {
            let batches: u64 = value.trim().parse().map_err(|_| {
                invalid(format!(
                    "{STALL_AFTER_BATCHES_ENV}: {value:?} is not a number of batches"
                ))
            })?;
            self.consumer.stall_after_batches = Some(batches);
        }
        if let Some(value) = var(PAUSE_AFTER_INSERT_ENV) {
            let ms: u64 = value.trim().parse().map_err(|_| {
                invalid(format!(
                    "{PAUSE_AFTER_INSERT_ENV}: {value:?} is not a number of milliseconds"
                ))
            })?;
            self.consumer.pause_after_insert = (ms > 0).then(|| Duration::from_millis(ms));
        }
        if let Some(value) = var("MONITOR_CLICKHOUSE_URL") {
            self.clickhouse.url = value;
        }
        if let Some(value) = var("MONITOR_CLICKHOUSE_DATABASE") {
            self.clickhouse.database = value;
        }
        if let Some(value) = var("MONITOR_REDIS_URL") {
            self.redis.url = Some(value);
        }
        if let Some(value) = var("MONITOR_REDIS_KEY_PREFIX") {
            self.redis.key_prefix = value;
        }
        if let Some(value) = var("MONITOR_RPC_LISTEN") {
            self.realtime.rpc_listen = Some(value.parse().map_err(|_| {
                invalid(format!(
                    "MONITOR_RPC_LISTEN: {value:?} is not an address:port"
                ))
            })?);
        }
        Ok(())
    }
}

/// Parses `MONITOR_PROJECTS`: comma-separated `id:key` pairs, e.g. `1:keyA,2:keyB`. The same id
/// may appear more than once to give a project several keys. Projects configured this way
/// accept any origin.
pub fn parse_projects(value: &str) -> Result<Vec<ProjectConfig>, ConfigError> {
    let mut projects: Vec<ProjectConfig> = Vec::new();
    for item in value.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let (id, key) = item
            .split_once(':')
            .ok_or_else(|| invalid(format!("{item:?} is not id:key")))?;
        let id: u64 = id
            .trim()
            .parse()
            .map_err(|_| invalid(format!("{item:?}: project id is not a positive integer")))?;
        let key = key.trim().to_owned();
        match projects.iter_mut().find(|p| p.id == id) {
            Some(project) => project.keys.push(key),
            None => projects.push(ProjectConfig {
                id,
                keys: vec![key],
                allowed_origins: any_origin(),
            }),
        }
    }
    Ok(projects)
}

/// `1`/`true` or `0`/`false`, as a shell script would write a switch.
fn parse_flag(name: &str, value: &str) -> Result<bool, ConfigError> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" => Ok(true),
        "0" | "false" | "no" => Ok(false),
        _ => Err(invalid(format!(
            "{name}: {value:?} is not 1/true or 0/false"
        ))),
    }
}

fn non_empty(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn parses_a_full_file() {
        let config = Config::from_toml_str(
            r#"
            listen = "0.0.0.0:9000"
            data_dir = "/var/lib/monitor"
            max_body_bytes = 2048
            api_token = "secret"

            [[projects]]
            id = 7
            keys = ["abc", "def"]
            allowed_origins = ["http://localhost:5173"]

            [[projects]]
            id = 8
            keys = ["ghi"]
            "#,
        )
        .unwrap();
        assert_eq!(config.listen.port(), 9000);
        assert_eq!(config.max_body_bytes, 2048);
        assert_eq!(
            config.max_events_per_batch, 1000,
            "unset options keep defaults"
        );
        assert_eq!(config.api_token.as_deref(), Some("secret"));
        assert_eq!(config.projects.len(), 2);
        assert_eq!(
            config.projects[0].allowed_origins,
            ["http://localhost:5173"]
        );
        assert_eq!(config.projects[1].allowed_origins, ["*"]);
        assert_eq!(config.validate(), Ok(()));
    }

    #[test]
    fn the_example_file_shows_the_defaults() {
        let example = include_str!("../../collector.example.toml");
        assert_eq!(Config::from_toml_str(example).unwrap(), Config::default());
    }

    #[test]
    fn an_empty_file_means_defaults() {
        assert_eq!(Config::from_toml_str("").unwrap(), Config::default());
    }

    #[test]
    fn unknown_options_and_wrong_types_are_readable_errors() {
        let err = Config::from_toml_str("max_body_byte = 5").unwrap_err();
        assert!(err.to_string().contains("max_body_byte"), "{err}");
        let err = Config::from_toml_str("listen = 5").unwrap_err();
        assert!(err.to_string().contains("listen"), "{err}");
    }

    #[test]
    fn env_overrides_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("collector.toml");
        std::fs::write(
            &path,
            "listen = \"127.0.0.1:1000\"\napi_token = \"from-file\"\n",
        )
        .unwrap();
        let config = Config::load(
            None,
            env(&[
                ("MONITOR_CONFIG", path.to_str().unwrap()),
                ("MONITOR_LISTEN", "127.0.0.1:0"),
                ("MONITOR_DATA_DIR", "/tmp/x"),
                ("MONITOR_MAX_BODY_BYTES", "4000000"),
                ("MONITOR_PROJECTS", "1:keyA, 2:keyB,1:keyC"),
                ("MONITOR_DEMO_DIR", "site"),
                ("MONITOR_RETENTION_DAYS", "7"),
                ("MONITOR_SDK_DIR", "dist"),
                ("MONITOR_KAFKA_BROKERS", "k1:9092,k2:9092"),
                ("MONITOR_KAFKA_TOPIC", "t1"),
                ("MONITOR_SPOOL_MAX_BYTES", "4096"),
                ("MONITOR_CLICKHOUSE_URL", "http://ch:8123"),
                ("MONITOR_CLICKHOUSE_DATABASE", "db1"),
            ]),
        )
        .unwrap();
        assert_eq!(config.listen.port(), 0);
        assert_eq!(config.api_token.as_deref(), Some("from-file"));
        assert_eq!(config.data_dir, PathBuf::from("/tmp/x"));
        assert_eq!(config.max_body_bytes, 4_000_000);
        assert_eq!(config.max_decompressed_bytes, 40_000_000);
        assert_eq!(config.demo_dir, PathBuf::from("site"));
        assert_eq!(config.retention_days, 7);
        assert_eq!(config.sdk_dir, PathBuf::from("dist"));
        assert_eq!(config.projects.len(), 2);
        assert_eq!(config.projects[0].keys, ["keyA", "keyC"]);
        assert_eq!(config.projects[1].id, 2);
        assert_eq!(config.kafka.brokers, ["k1:9092", "k2:9092"]);
        assert_eq!(config.kafka.topic, "t1");
        assert_eq!(config.kafka.spool_max_bytes, 4096);
        assert_eq!(config.clickhouse.url, "http://ch:8123");
        assert_eq!(config.clickhouse.database, "db1");
    }

    #[test]
    fn the_command_line_file_wins_over_monitor_config() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.toml");
        std::fs::write(&path, "max_events_per_batch = 5\n").unwrap();
        let config = Config::load(Some(&path), env(&[("MONITOR_CONFIG", "/nonexistent.toml")]));
        assert_eq!(config.unwrap().max_events_per_batch, 5);
    }

    #[test]
    fn bad_values_are_errors() {
        let load = |pairs: &[(&str, &str)]| Config::load(None, env(pairs)).unwrap_err().to_string();
        assert!(load(&[("MONITOR_LISTEN", "nowhere")]).contains("MONITOR_LISTEN"));
        assert!(load(&[("MONITOR_MAX_BODY_BYTES", "1MB")]).contains("MONITOR_MAX_BODY_BYTES"));
        assert!(load(&[("MONITOR_PROJECTS", "1=abc")]).contains("MONITOR_PROJECTS"));
        assert!(load(&[("MONITOR_CONSUMER_METRICS_LISTEN", "x")])
            .contains("MONITOR_CONSUMER_METRICS_LISTEN"));
        assert!(load(&[("MONITOR_SPOOL_MAX_BYTES", "1M")]).contains("MONITOR_SPOOL_MAX_BYTES"));
        assert!(load(&[(PAUSE_AFTER_INSERT_ENV, "5s")]).contains(PAUSE_AFTER_INSERT_ENV));
        assert!(load(&[("MONITOR_SPOOL_MAX_BYTES", "0")]).contains("spool_max_bytes"));
        assert!(load(&[("MONITOR_PROJECTS", "0:abc")]).contains("positive"));
        assert!(load(&[("MONITOR_RETENTION_DAYS", "a week")]).contains("MONITOR_RETENTION_DAYS"));
        assert!(load(&[("MONITOR_API_OPEN_ON_LOOPBACK", "maybe")])
            .contains("MONITOR_API_OPEN_ON_LOOPBACK"));
        assert!(load(&[
            ("MONITOR_API_OPEN_ON_LOOPBACK", "1"),
            ("MONITOR_LISTEN", "0.0.0.0:8787")
        ])
        .contains("loopback"));
        assert!(load(&[("MONITOR_PROJECTS", "1:a b")]).contains("key"));
        assert!(load(&[("MONITOR_CONFIG", "/nonexistent/collector.toml")]).contains("cannot read"));
    }

    #[test]
    fn the_pause_after_insert_comes_from_the_environment_only() {
        let pause = |pairs: &[(&str, &str)]| {
            Config::load(None, env(pairs))
                .unwrap()
                .consumer
                .pause_after_insert
        };
        assert_eq!(pause(&[]), None, "off by default");
        assert_eq!(pause(&[(PAUSE_AFTER_INSERT_ENV, "0")]), None, "0 is off");
        assert_eq!(
            pause(&[(PAUSE_AFTER_INSERT_ENV, "1500")]),
            Some(Duration::from_millis(1500))
        );
    }

    #[test]
    fn the_loopback_switch_comes_from_the_environment_too() {
        let open = |value: &str| {
            Config::load(None, env(&[("MONITOR_API_OPEN_ON_LOOPBACK", value)]))
                .unwrap()
                .api_open_on_loopback
        };
        assert!(open("1") && open("true") && !open("0") && !open("false"));
    }

    #[test]
    fn empty_variables_count_as_unset() {
        let config = Config::load(
            None,
            env(&[("MONITOR_API_TOKEN", ""), ("MONITOR_LISTEN", " ")]),
        );
        assert_eq!(config.unwrap(), Config::default());
    }
}
