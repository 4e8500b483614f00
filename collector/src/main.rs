//! The `monitor-collector` binary: parse the command line, load the configuration, run the
//! chosen role (serve HTTP, or `consume` Kafka into ClickHouse).
//! Exit codes: 0 after a clean shutdown, 1 when the service fails, 2 for a usage or
//! configuration error.

use std::io::IsTerminal;
use std::process::ExitCode;

use monitor_collector::cli::{self, Command};
use monitor_collector::config::Config;
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    let (config_file, consume) = match cli::parse(std::env::args_os().skip(1)) {
        Ok(Command::Run { config }) => (config, false),
        Ok(Command::Consume { config }) => (config, true),
        Ok(Command::ClickHouseDdl { version, config }) => return print_ddl(&version, config),
        Ok(Command::SourceMapsUpload(upload)) => {
            return match monitor_collector::upload::run(&upload) {
                Ok(count) => {
                    println!("{count} files uploaded for release {}", upload.release);
                    ExitCode::SUCCESS
                }
                Err(message) => {
                    eprintln!("monitor-collector sourcemaps upload: {message}");
                    ExitCode::FAILURE
                }
            };
        }
        Ok(Command::Help) => {
            println!("{}", cli::USAGE);
            return ExitCode::SUCCESS;
        }
        Ok(Command::Version) => {
            println!("monitor-collector {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("monitor-collector: {message}\n\n{}", cli::USAGE);
            return ExitCode::from(2);
        }
    };
    let config = match Config::load(config_file.as_deref(), |name| std::env::var(name).ok()) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("monitor-collector: {e}");
            return ExitCode::from(2);
        }
    };

    if consume && !config.kafka.enabled() {
        eprintln!("monitor-collector: consume needs kafka.brokers (or MONITOR_KAFKA_BROKERS)");
        return ExitCode::from(2);
    }

    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        // Colour codes only help a person at a terminal; in files and CI logs they are noise.
        .with_ansi(std::io::stderr().is_terminal())
        .init();

    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("monitor-collector: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = if consume {
        runtime.block_on(monitor_collector::consume::consume(config))
    } else {
        runtime.block_on(monitor_collector::run(config))
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("monitor-collector: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `clickhouse-ddl`: the statements, each ended by `;` and a blank line, for a script to run.
fn print_ddl(version: &str, config_file: Option<std::path::PathBuf>) -> ExitCode {
    use monitor_collector::clickhouse::{schema_ddl, ServerVersion};
    let Some(server) = ServerVersion::parse(version) else {
        eprintln!("monitor-collector: {version:?} is not a ClickHouse version (MAJOR.MINOR)");
        return ExitCode::from(2);
    };
    let config = match Config::load(config_file.as_deref(), |name| std::env::var(name).ok()) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("monitor-collector: {e}");
            return ExitCode::from(2);
        }
    };
    for statement in schema_ddl(server, &config.clickhouse) {
        println!("{statement};\n");
    }
    ExitCode::SUCCESS
}
