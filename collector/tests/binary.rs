//! The real binary: startup line, a request over TCP, graceful shutdown, exit codes.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_monitor-collector");

/// A command with no inherited `MONITOR_*` settings, so the developer's shell cannot leak in.
fn collector() -> Command {
    let mut command = Command::new(BIN);
    for (name, _) in std::env::vars() {
        if name.starts_with("MONITOR_") {
            command.env_remove(name);
        }
    }
    command.env("RUST_LOG", "warn");
    command
}

/// One HTTP/1.1 exchange; returns the status code and the body.
fn http(addr: &str, method: &str, path: &str, body: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: text/plain\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("response");
    let status = response[9..12].parse().expect("status code");
    let body = response.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    (status, body.to_owned())
}

fn wait_for_exit(child: &mut Child, within: Duration) -> std::process::ExitStatus {
    let deadline = Instant::now() + within;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("collector did not exit within {within:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn starts_prints_its_address_serves_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = collector()
        .env("MONITOR_LISTEN", "127.0.0.1:0")
        .env("MONITOR_DATA_DIR", dir.path())
        .env("MONITOR_PROJECTS", "1:e2e-key")
        // Loopback listener: the demo's opt-in opens reads without a token.
        .env("MONITOR_API_OPEN_ON_LOOPBACK", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn collector");

    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("startup line");
    let rest = line
        .trim_end()
        .strip_prefix("monitor-collector listening on http://")
        .unwrap_or_else(|| panic!("unexpected startup line {line:?}"));
    let (addr, demo) = rest.split_once(' ').unwrap();
    assert_eq!(
        demo,
        format!("(dashboard: http://{addr}/dashboard/, demo: http://{addr}/demo/)")
    );
    assert!(
        addr.starts_with("127.0.0.1:") && !addr.ends_with(":0"),
        "{addr}"
    );

    assert_eq!(http(addr, "GET", "/healthz", "").0, 200);
    let event = r#"{"event_id":"0123456789abcdef0123456789abcdef","type":"message","timestamp":1763870000123,"message":"hi"}"#;
    let (status, body) = http(
        addr,
        "POST",
        "/api/1/events?key=e2e-key",
        &format!(r#"{{"events":[{event}]}}"#),
    );
    assert_eq!(
        (status, body.as_str()),
        (200, r#"{"accepted":1,"rejected":[]}"#)
    );
    let (status, body) = http(addr, "GET", "/api/1/events?from=0", "");
    assert_eq!(status, 200);
    assert!(body.contains(r#""message":"hi""#), "{body}");

    #[cfg(unix)]
    {
        let killed = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        let status = wait_for_exit(&mut child, Duration::from_secs(15));
        assert!(status.success(), "graceful shutdown exits 0, got {status}");
    }
    #[cfg(not(unix))]
    {
        let _ = child.kill();
    }
    assert!(dir.path().join("events.db").exists());
}

/// Arguments, environment, and what stderr must mention.
type ConfigCase<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], &'a str);

#[test]
fn configuration_errors_exit_with_2() {
    let cases: [ConfigCase; 4] = [
        (&[], &[("MONITOR_LISTEN", "nowhere")], "MONITOR_LISTEN"),
        (&[], &[("MONITOR_PROJECTS", "1:bad key")], "\"bad key\""),
        (
            &["--config", "/nonexistent/collector.toml"],
            &[],
            "cannot read",
        ),
        (&["--port", "1"], &[], "unexpected argument"),
    ];
    for (args, env, expected) in cases {
        let output = collector()
            .args(args)
            .envs(env.iter().copied())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?} {env:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?} {env:?}: {stderr}");
    }
}

#[test]
fn an_invalid_toml_file_names_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("collector.toml");
    std::fs::write(&path, "[[projects]]\nid = 1\nkeys = []\n").unwrap();
    let output = collector().env("MONITOR_CONFIG", &path).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("keys must not be empty"));
}
