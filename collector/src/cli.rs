//! The command line: `monitor-collector [consume] [--config PATH]`, and
//! `monitor-collector clickhouse-ddl --version X` to print the schema for a server version. Everything else is
//! configured in the TOML file or through `MONITOR_*` variables (see `config`). One binary
//! holds both roles so that they always agree on the message format and the configuration.

use std::ffi::OsString;
use std::path::PathBuf;

pub const USAGE: &str = "\
usage: monitor-collector [--config PATH]            serve HTTP (ingest, read API, demo)
       monitor-collector consume [--config PATH]    move events from Kafka into ClickHouse
       monitor-collector clickhouse-ddl --version X [--config PATH]
                                                    print the ClickHouse schema (the migrations'
                                                    DDL) for server version X, e.g. 26.9

  --config PATH   TOML configuration file (default: $MONITOR_CONFIG, else built-in defaults)
  -h, --help      print this help
  -V, --version   print the version

Environment overrides: MONITOR_LISTEN, MONITOR_DATA_DIR, MONITOR_MAX_BODY_BYTES,
MONITOR_API_TOKEN, MONITOR_DEMO_DIR, MONITOR_SDK_DIR, MONITOR_PROJECTS (e.g. 1:keyA,2:keyB),
MONITOR_KAFKA_BROKERS (e.g. 127.0.0.1:9092; enables Kafka mode), MONITOR_KAFKA_TOPIC,
MONITOR_SPOOL_MAX_BYTES, MONITOR_KAFKA_DEAD_LETTER_TOPIC, MONITOR_CLICKHOUSE_URL,
MONITOR_CLICKHOUSE_DATABASE, MONITOR_CONSUMER_METRICS_LISTEN.
Logs go to stderr; RUST_LOG sets their level (default: info).";

#[derive(Debug, PartialEq)]
pub enum Command {
    /// Serve HTTP: the default role.
    Run {
        config: Option<PathBuf>,
    },
    /// Consume the Kafka topic into ClickHouse.
    Consume {
        config: Option<PathBuf>,
    },
    /// Print the ClickHouse DDL the migrations run on a server of `version`.
    ClickHouseDdl {
        version: String,
        config: Option<PathBuf>,
    },
    Help,
    Version,
}

/// Parses the arguments after the program name.
pub fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Command, String> {
    let mut config = None;
    let mut consume = false;
    let mut args = args.into_iter().peekable();
    if args.peek().is_some_and(|first| first == "clickhouse-ddl") {
        args.next();
        return parse_ddl(args);
    }
    if args.peek().is_some_and(|first| first == "consume") {
        consume = true;
        args.next();
    }
    while let Some(arg) = args.next() {
        let text = arg.to_string_lossy();
        match text.as_ref() {
            "-h" | "--help" => return Ok(Command::Help),
            "-V" | "--version" => return Ok(Command::Version),
            "--config" => {
                let path = args.next().ok_or("--config needs a path")?;
                config = Some(PathBuf::from(path));
            }
            _ => match text.strip_prefix("--config=") {
                Some(path) if !path.is_empty() => config = Some(PathBuf::from(path)),
                _ => return Err(format!("unexpected argument {text:?}")),
            },
        }
    }
    Ok(if consume {
        Command::Consume { config }
    } else {
        Command::Run { config }
    })
}

/// `clickhouse-ddl --version X [--config PATH]`: here `--version` names the server's.
fn parse_ddl(mut args: impl Iterator<Item = OsString>) -> Result<Command, String> {
    let (mut version, mut config) = (None, None);
    while let Some(arg) = args.next() {
        let text = arg.to_string_lossy();
        match text.as_ref() {
            "-h" | "--help" => return Ok(Command::Help),
            "--version" => {
                let value = args.next().ok_or("--version needs a server version")?;
                version = Some(value.to_string_lossy().into_owned());
            }
            "--config" => {
                let path = args.next().ok_or("--config needs a path")?;
                config = Some(PathBuf::from(path));
            }
            _ => return Err(format!("clickhouse-ddl: unexpected argument {text:?}")),
        }
    }
    let version = version.ok_or("clickhouse-ddl needs --version X (e.g. 26.9)")?;
    Ok(Command::ClickHouseDdl { version, config })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_strs(args: &[&str]) -> Result<Command, String> {
        parse(args.iter().map(OsString::from))
    }

    #[test]
    fn arguments() {
        assert_eq!(parse_strs(&[]), Ok(Command::Run { config: None }));
        let with = Ok(Command::Run {
            config: Some(PathBuf::from("c.toml")),
        });
        assert_eq!(parse_strs(&["--config", "c.toml"]), with);
        assert_eq!(parse_strs(&["--config=c.toml"]), with);
        assert_eq!(parse_strs(&["--help"]), Ok(Command::Help));
        assert!(parse_strs(&["--config"]).is_err());
        assert!(parse_strs(&["--port", "1"]).is_err());
        assert_eq!(
            parse_strs(&["consume", "--config", "c.toml"]),
            Ok(Command::Consume {
                config: Some(PathBuf::from("c.toml"))
            })
        );
        assert_eq!(
            parse_strs(&["consume"]),
            Ok(Command::Consume { config: None })
        );
        assert!(parse_strs(&["--config", "c.toml", "consume"]).is_err());
        assert_eq!(
            parse_strs(&["clickhouse-ddl", "--version", "26.9"]),
            Ok(Command::ClickHouseDdl {
                version: "26.9".to_owned(),
                config: None
            })
        );
        assert_eq!(
            parse_strs(&[
                "clickhouse-ddl",
                "--config",
                "c.toml",
                "--version",
                "18.16.1"
            ]),
            Ok(Command::ClickHouseDdl {
                version: "18.16.1".to_owned(),
                config: Some(PathBuf::from("c.toml"))
            })
        );
        assert!(parse_strs(&["clickhouse-ddl"]).is_err());
        assert!(parse_strs(&["clickhouse-ddl", "--version"]).is_err());
        assert!(parse_strs(&["clickhouse-ddl", "--version", "1.2", "x"]).is_err());
    }
}
