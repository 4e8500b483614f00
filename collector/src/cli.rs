//! The command line: `monitor-collector [consume] [--config PATH]`, and
//! `monitor-collector clickhouse-ddl --version X` to print the schema for a server version. Everything else is
//! configured in the TOML file or through `MONITOR_*` variables (see `config`). One binary
//! holds both roles so that they always agree on the message format and the configuration.

use std::ffi::OsString;
use std::path::PathBuf;

use crate::upload::Upload;

pub const USAGE: &str = "\
usage: monitor-collector [--config PATH]            serve HTTP (ingest, read API, demo)
       monitor-collector consume [--config PATH]    move events from Kafka into ClickHouse
       monitor-collector clickhouse-ddl --version X [--config PATH]
                                                    print the ClickHouse schema (the migrations'
                                                    DDL) for server version X, e.g. 26.9
       monitor-collector sourcemaps upload --release R --url-prefix P [--server URL]
                         [--project N] [--token T] DIR
                                                    upload a build's scripts and source maps
                                                    (token: --token or $MONITOR_API_TOKEN;
                                                    server: http://127.0.0.1:8787; project: 1)

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
    /// Upload a build's scripts and maps to a collector.
    SourceMapsUpload(Upload),
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
    if args.peek().is_some_and(|first| first == "sourcemaps") {
        args.next();
        return parse_upload(args, |name| std::env::var(name).ok());
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

/// `sourcemaps upload --release R --url-prefix P [--server URL] [--project N] [--token T] DIR`.
pub fn parse_upload(
    args: impl IntoIterator<Item = OsString>,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Command, String> {
    let mut args = args.into_iter();
    match args.next() {
        Some(verb) if verb == "upload" => {}
        Some(verb) if verb == "-h" || verb == "--help" => return Ok(Command::Help),
        _ => return Err("sourcemaps: the one subcommand is upload".into()),
    }
    let mut upload = Upload {
        server: "http://127.0.0.1:8787".into(),
        project: 1,
        release: String::new(),
        url_prefix: String::new(),
        token: env("MONITOR_API_TOKEN").filter(|t| !t.is_empty()),
        dir: PathBuf::new(),
    };
    let mut dir = None;
    while let Some(arg) = args.next() {
        let text = arg.to_string_lossy().into_owned();
        let mut value = |name: &str| {
            args.next()
                .map(|v| v.to_string_lossy().into_owned())
                .ok_or(format!("{name} needs a value"))
        };
        match text.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "--release" => upload.release = value("--release")?,
            "--url-prefix" => upload.url_prefix = value("--url-prefix")?,
            "--server" => upload.server = value("--server")?,
            "--token" => upload.token = Some(value("--token")?),
            "--project" => {
                let raw = value("--project")?;
                upload.project = raw
                    .parse()
                    .ok()
                    .filter(|&id| id > 0)
                    .ok_or(format!("--project {raw:?} is not a project id"))?;
            }
            other if other.starts_with('-') => {
                return Err(format!("sourcemaps upload: unexpected option {other:?}"))
            }
            _ if dir.is_none() => dir = Some(PathBuf::from(&text)),
            _ => return Err(format!("sourcemaps upload: unexpected argument {text:?}")),
        }
    }
    if upload.release.is_empty() {
        return Err("sourcemaps upload needs --release (the SDK's release option)".into());
    }
    if upload.url_prefix.is_empty() {
        return Err(
            "sourcemaps upload needs --url-prefix (where the folder is served, e.g. ~/assets)"
                .into(),
        );
    }
    upload.dir = dir.ok_or("sourcemaps upload needs the build folder, e.g. dist/assets")?;
    Ok(Command::SourceMapsUpload(upload))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_strs(args: &[&str]) -> Result<Command, String> {
        parse(args.iter().map(OsString::from))
    }

    #[test]
    fn sourcemaps_upload_arguments() {
        let parse = |args: &[&str], token: Option<&str>| {
            let token = token.map(str::to_owned);
            parse_upload(args.iter().map(OsString::from), move |_| token.clone())
        };
        let ok = parse(
            &[
                "upload",
                "--release",
                "shop@1",
                "--url-prefix",
                "~/assets",
                "dist/assets",
            ],
            Some("secret"),
        );
        assert_eq!(
            ok,
            Ok(Command::SourceMapsUpload(Upload {
                server: "http://127.0.0.1:8787".into(),
                project: 1,
                release: "shop@1".into(),
                url_prefix: "~/assets".into(),
                token: Some("secret".into()),
                dir: PathBuf::from("dist/assets"),
            }))
        );
        let args = [
            "upload",
            "--release",
            "r",
            "--url-prefix",
            "~/",
            "--project",
            "7",
            "--server",
            "https://m.example",
            "--token",
            "t",
            "d",
        ];
        match parse(&args, None) {
            Ok(Command::SourceMapsUpload(u)) => {
                assert_eq!(
                    (u.project, u.server.as_str(), u.token.as_deref()),
                    (7, "https://m.example", Some("t"))
                );
            }
            other => panic!("{other:?}"),
        }
        for bad in [
            &["upload", "--url-prefix", "~/", "d"][..],
            &["upload", "--release", "r", "d"],
            &["upload", "--release", "r", "--url-prefix", "~/"],
            &[
                "upload",
                "--release",
                "r",
                "--url-prefix",
                "~/",
                "--project",
                "0",
                "d",
            ],
            &["download"],
        ] {
            assert!(parse(bad, None).is_err(), "{bad:?}");
        }
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
