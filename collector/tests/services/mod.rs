//! Shared by the tests that need the real services: make sure Kafka and ClickHouse answer
//! (starting them with `scripts/services.sh` when they do not), and talk to ClickHouse's HTTP
//! interface directly, so that what the collector wrote is checked by a path it does not use.
//!
//! The binaries started here log at `warn`, plus the consumer's start-up steps;
//! `COLLECTOR_TEST_RUST_LOG` replaces that filter (e.g. `info,librdkafka=debug`).

#![allow(dead_code)] // each test binary uses a different part of this module

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

pub const KAFKA: &str = "127.0.0.1:9092";
pub const CLICKHOUSE: &str = "127.0.0.1:8123";
pub const REDIS: &str = "127.0.0.1:6379";
const BIN: &str = env!("CARGO_BIN_EXE_monitor-collector");

/// `RUST_LOG` of the binaries started by [`Running::start`]: warnings, and the consumer's
/// start-up steps and partition assignments, so that a consumer that does not start shows
/// what it was waiting for.
const RUST_LOG: &str = "warn,monitor_collector::consume=info,monitor_collector::kafka::group=info";

/// How long [`Running::start`] waits for the start-up line.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(60);

/// The address on the server's startup line (`monitor-collector listening on http://ADDR ...`).
pub fn listening_addr(line: &str) -> String {
    line.strip_prefix("monitor-collector listening on http://")
        .and_then(|rest| rest.split_once(' '))
        .map(|(addr, _)| addr.to_owned())
        .unwrap_or_else(|| panic!("unexpected startup line {line:?}"))
}

pub fn reachable(addr: &str) -> bool {
    let addr = addr.parse().unwrap();
    TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_ok()
}

/// Makes sure the `wanted` services answer; `false` only when skipping was asked for outside CI
/// (`MONITOR_SKIP_SERVICES=1`). Under `CI` a missing service always fails the test.
pub fn ensure_services(wanted: &[&str]) -> bool {
    let missing = not_answering(wanted);
    if missing.is_empty() {
        return true;
    }
    let in_ci = std::env::var_os("CI").is_some();
    if std::env::var("MONITOR_SKIP_SERVICES").as_deref() == Ok("1") && !in_ci {
        eprintln!("SKIPPED: {missing:?} not running and MONITOR_SKIP_SERVICES=1");
        return false;
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/services.sh");
    assert!(
        script.exists(),
        "{missing:?} not reachable and {} is missing: start Kafka on {KAFKA} and ClickHouse on \
         {CLICKHOUSE}",
        script.display()
    );
    for service in missing {
        let output = Command::new("bash")
            .arg(&script)
            .args(["start", service])
            .output()
            .expect("run scripts/services.sh");
        assert!(
            output.status.success(),
            "scripts/services.sh start {service} failed:\n{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    // Only the wanted ones: a test with a broker of its own does not need the shared one.
    let silent = not_answering(wanted);
    assert!(silent.is_empty(), "{silent:?} started but do not answer");
    true
}

/// The services among `wanted` (`kafka`, `clickhouse`, `redis`) whose shared port does not
/// answer.
fn not_answering(wanted: &[&str]) -> Vec<&'static str> {
    [
        ("kafka", KAFKA),
        ("clickhouse", CLICKHOUSE),
        ("redis", REDIS),
    ]
    .into_iter()
    .filter(|(name, addr)| wanted.contains(name) && !reachable(addr))
    .map(|(name, _)| name)
    .collect()
}

/// One HTTP/1.0 exchange (no chunked answers); returns status and body.
pub fn http(addr: &str, request_line: &str, content_type: &str, body: &str) -> (u16, String) {
    exchange(addr, request_line, &[("Content-Type", content_type)], body)
}

/// Sends `request_line` with `headers` and `body`; returns the status and the body.
fn exchange(addr: &str, request_line: &str, headers: &[(&str, &str)], body: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let headers: String = headers
        .iter()
        .map(|(name, value)| format!("{name}: {value}\r\n"))
        .collect();
    write!(
        stream,
        "{request_line} HTTP/1.0\r\nHost: {addr}\r\n{headers}Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("response");
    let status = response[9..12].parse().expect("status code");
    let body = response.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    (status, body.to_owned())
}

/// One HTTP/1.0 exchange with the API `token` and a JSON `body` (or none); returns the
/// status and the answer as JSON (as a string when it is not JSON, `""` when empty).
pub fn api_json(
    addr: &str,
    method: &str,
    path: &str,
    token: &str,
    body: Option<&Value>,
) -> (u16, Value) {
    let body = body.map(Value::to_string).unwrap_or_default();
    let bearer = format!("Bearer {token}");
    let headers = [
        ("Authorization", bearer.as_str()),
        ("Content-Type", "application/json"),
    ];
    let (status, body) = exchange(addr, &format!("{method} {path}"), &headers, &body);
    let body = serde_json::from_str(&body).unwrap_or(Value::String(body));
    (status, body)
}

pub fn clickhouse(query: &str) -> String {
    let (status, body) = http(CLICKHOUSE, "POST /", "text/plain", query);
    assert_eq!(status, 200, "{query}: {body}");
    body
}

pub fn rows(query: &str) -> Vec<Value> {
    clickhouse(&format!("{query} FORMAT JSONEachRow"))
        .lines()
        .map(|line| serde_json::from_str(line).expect("JSONEachRow line"))
        .collect()
}

/// A child process that is killed if the test fails before stopping it.
pub struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Running {
    /// SIGKILL (what `Child::kill` sends on Unix): no shutdown code runs. Waits for the exit.
    pub fn kill(mut self) {
        self.0.kill().expect("SIGKILL");
        let _ = self.0.wait();
    }

    /// Spawns the binary with a clean `MONITOR_*` environment; returns it and its first line.
    pub fn start(args: &[&str], env: &[(&str, String)]) -> (Running, String) {
        let (running, line, _) = Running::spawn(args, env, false);
        (running, line)
    }

    /// [`Running::start`], and its stderr lines as they come, for a test that waits for one.
    /// They are still copied to the test's stderr.
    pub fn start_watching_stderr(
        args: &[&str],
        env: &[(&str, String)],
    ) -> (Running, String, mpsc::Receiver<String>) {
        let (running, line, stderr) = Running::spawn(args, env, true);
        (running, line, stderr.unwrap())
    }

    fn spawn(
        args: &[&str],
        env: &[(&str, String)],
        watch_stderr: bool,
    ) -> (Running, String, Option<mpsc::Receiver<String>>) {
        let mut command = Command::new(BIN);
        for (name, _) in std::env::vars() {
            if name.starts_with("MONITOR_") {
                command.env_remove(name);
            }
        }
        let mut child = command
            .args(args)
            .envs(env.iter().map(|(k, v)| (k, v)))
            .env(
                "RUST_LOG",
                std::env::var("COLLECTOR_TEST_RUST_LOG").unwrap_or_else(|_| RUST_LOG.to_owned()),
            )
            .stdout(Stdio::piped())
            .stderr(if watch_stderr {
                Stdio::piped()
            } else {
                Stdio::inherit()
            })
            .spawn()
            .expect("spawn monitor-collector");
        let stderr = child.stderr.take().map(|stderr| {
            let (tx, rx) = mpsc::channel();
            // Drained to the end (lossily: a line that is not UTF-8 must not stop the copy
            // and leave the child blocked on a full pipe).
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stderr);
                let mut bytes = Vec::new();
                while matches!(reader.read_until(b'\n', &mut bytes), Ok(n) if n > 0) {
                    let line = String::from_utf8_lossy(&bytes).trim_end().to_owned();
                    bytes.clear();
                    eprintln!("{line}");
                    let _ = tx.send(line);
                }
            });
            rx
        });
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let mut running = Running(child);
        let started = Instant::now();
        let line = rx.recv_timeout(STARTUP_TIMEOUT).unwrap_or_default();
        if line.is_empty() {
            // An empty line is the end of its stdout: it exited, or is about to.
            let exited = (0..50).find_map(|_| {
                let status = running.0.try_wait().ok().flatten();
                if status.is_none() {
                    std::thread::sleep(Duration::from_millis(20));
                }
                status
            });
            match exited {
                Some(status) => panic!(
                    "{args:?}: exited ({status}) after {:?} without its startup line; its \
                     stderr is above",
                    started.elapsed()
                ),
                None => panic!(
                    "{args:?}: no startup line within {STARTUP_TIMEOUT:?}; its stderr (above) \
                     shows its last step"
                ),
            }
        }
        (running, line.trim_end().to_owned(), stderr)
    }

    /// SIGTERM, then the exit status within 15 s.
    pub fn stop(mut self) -> std::process::ExitStatus {
        let _ = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if let Some(status) = self.0.try_wait().unwrap() {
                return status;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("process did not stop within 15 s of SIGTERM");
    }

    /// [`Running::stop`], failing unless it exited with 0 (and saying how it ended).
    pub fn stop_cleanly(self) {
        let status = self.stop();
        assert!(status.success(), "not a clean shutdown: {status}");
    }
}

/// Polls until `SELECT count() ... FINAL` reaches `expected`, or fails after 30 s.
pub fn wait_for_count(db: &str, expected: u64) {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut count = 0;
    while Instant::now() < deadline {
        count = clickhouse(&format!("SELECT count() FROM {db}.events FINAL"))
            .trim()
            .parse()
            .unwrap();
        if count == expected {
            return;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    panic!("{db}.events has {count} rows, expected {expected}");
}

/// Polls `done` every 20 ms until it holds; fails naming `what` after `limit`.
pub fn wait_until(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !done() {
        assert!(Instant::now() < deadline, "not within {limit:?}: {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The sum of the `name` samples (`name 3` and every `name{...} 3`) in a metrics text.
pub fn metric_sum(text: &str, name: &str) -> f64 {
    text.lines()
        .filter(|l| l.starts_with(name) && l[name.len()..].starts_with(['{', ' ']))
        .filter_map(|l| l.rsplit_once(' ').and_then(|(_, v)| v.parse::<f64>().ok()))
        .sum()
}

/// A number from a one-value ClickHouse query.
pub fn clickhouse_u64(query: &str) -> u64 {
    let body = clickhouse(query);
    body.trim()
        .parse()
        .unwrap_or_else(|_| panic!("{query}: not a number: {body:?}"))
}

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// A string unique to this process and moment, for topic, group and database names.
pub fn unique_run() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{}_{nanos}", std::process::id())
}

/// A tansu broker of the test's own, started by `scripts/services.sh` in a temporary state
/// directory on a free port, so stopping it disturbs no other test. Reset when dropped.
pub struct Broker {
    state: tempfile::TempDir,
    pub port: u16,
    /// Length of its log when it was last started: what follows is the running broker's.
    log_start: std::cell::Cell<usize>,
}

impl Broker {
    /// Starts it; `None` when it cannot be started and `MONITOR_SKIP_SERVICES=1` (not in CI).
    pub fn start() -> Option<Broker> {
        let broker = Broker {
            state: tempfile::tempdir().unwrap(),
            port: free_port(),
            log_start: std::cell::Cell::new(0),
        };
        let output = broker.script(&["start", "kafka"]);
        if output.status.success() {
            return Some(broker);
        }
        let in_ci = std::env::var_os("CI").is_some();
        if std::env::var("MONITOR_SKIP_SERVICES").as_deref() == Ok("1") && !in_ci {
            eprintln!("SKIPPED: a tansu broker of the test's own cannot be started");
            return None;
        }
        panic!("services.sh start kafka failed:\n{output:?}");
    }

    fn script(&self, args: &[&str]) -> std::process::Output {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/services.sh");
        Command::new("bash")
            .arg(script)
            .args(args)
            .env("MONITOR_SERVICES_DIR", self.state.path())
            .env("KAFKA_PORT", self.port.to_string())
            .output()
            .expect("run scripts/services.sh")
    }

    /// `services.sh stop kafka` or `start kafka`, which must succeed.
    pub fn run(&self, command: &str) {
        if command == "start" {
            self.log_start.set(self.log().len());
        }
        let output = self.script(&[command, "kafka"]);
        assert!(
            output.status.success(),
            "services.sh {command} kafka failed:\n{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }

    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Everything tansu wrote, over all its starts.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.state.path().join("kafka/tansu.log")).unwrap_or_default()
    }

    /// How many times tansu panicked, over all its starts.
    pub fn panics(&self) -> usize {
        self.log().matches("panicked at").count()
    }

    /// Fails the test, with tansu's own words, if the running broker panicked. tansu 0.6
    /// serves all its storage from one task: a panic there (e.g. a produce whose idempotent
    /// producer bumped its epoch, see docs/services.md) leaves a process that accepts
    /// connections and closes them unanswered, which clients only see as timeouts.
    pub fn assert_no_panic(&self, when: &str) {
        let log = self.log();
        let current = log.get(self.log_start.get()..).unwrap_or_default();
        if let Some(at) = current.find("panicked at") {
            let start = current[..at].rfind('\n').map_or(0, |i| i + 1);
            let panic: Vec<&str> = current[start..].lines().take(2).collect();
            panic!(
                "the test's tansu broker panicked {when}, so it no longer answers: {}",
                panic.join(" ")
            );
        }
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        let _ = self.script(&["reset"]);
    }
}

/// Posts `body` until the answer has `status` (at most 5 s); returns the whole raw answer,
/// headers included.
pub fn wait_for_status(addr: &str, request_line: &str, body: &str, status: u16) -> String {
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        let mut stream = TcpStream::connect(addr).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        write!(
            stream,
            "{request_line} HTTP/1.0\r\nHost: {addr}\r\nContent-Type: text/plain\r\n\
             Content-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).expect("response");
        if response.get(9..12) == Some(status.to_string().as_str()) {
            return response;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no {status} within 5 s; last answer: {response}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}
