//! The two stores behind the query API, each as the real binary over real HTTP: the embedded
//! store (one process), and Kafka mode (the collector, the `consume` role, ClickHouse).
//! Events go in through the ingest API only; answers come out of the query API only.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::services::{clickhouse, listening_addr, unique_run, Running, CLICKHOUSE, KAFKA};

pub const KEY_ONE: &str = "suite-key-one";
pub const KEY_TWO: &str = "suite-key-two";
pub const TOKEN: &str = "suite-api-token";

/// One answer of the query API: method, path, status, body.
pub type Exchange = (String, String, u16, Value);

pub struct Backend {
    pub name: &'static str,
    pub addr: String,
    /// Every query API answer this store gave, for the check against the OpenAPI document.
    pub answers: std::cell::RefCell<Vec<Exchange>>,
    processes: Vec<Running>,
    database: Option<String>,
    _dir: tempfile::TempDir,
}

impl Drop for Backend {
    fn drop(&mut self) {
        // Processes first (Running's Drop kills them), then the database they used.
        self.processes.clear();
        if let Some(db) = &self.database {
            clickhouse(&format!("DROP DATABASE IF EXISTS {db}"));
        }
    }
}

fn base_env(dir: &tempfile::TempDir) -> Vec<(&'static str, String)> {
    vec![
        ("MONITOR_LISTEN", "127.0.0.1:0".to_owned()),
        (
            "MONITOR_DATA_DIR",
            dir.path().join("data").display().to_string(),
        ),
        ("MONITOR_PROJECTS", format!("1:{KEY_ONE},2:{KEY_TWO}")),
        ("MONITOR_API_TOKEN", TOKEN.to_owned()),
    ]
}

impl Backend {
    pub fn embedded() -> Backend {
        let dir = tempfile::tempdir().unwrap();
        let (collector, line) = Running::start(&[], &base_env(&dir));
        Backend {
            name: "sqlite",
            addr: listening_addr(&line),
            answers: Default::default(),
            processes: vec![collector],
            database: None,
            _dir: dir,
        }
    }

    pub fn kafka() -> Backend {
        let dir = tempfile::tempdir().unwrap();
        let run = unique_run();
        let db = format!("monitor_query_{run}");
        let config = dir.path().join("collector.toml");
        std::fs::write(
            &config,
            format!(
                "[kafka]\nconsumer_group = \"monitor-query-suite-{run}\"\n\
                 [clickhouse]\nbatch_ms = 200\n"
            ),
        )
        .unwrap();
        let mut env = base_env(&dir);
        env.extend([
            ("MONITOR_KAFKA_BROKERS", KAFKA.to_owned()),
            ("MONITOR_KAFKA_TOPIC", format!("monitor-query-suite-{run}")),
            (
                "MONITOR_KAFKA_DEAD_LETTER_TOPIC",
                format!("monitor-query-suite-dlq-{run}"),
            ),
            ("MONITOR_CLICKHOUSE_URL", format!("http://{CLICKHOUSE}")),
            ("MONITOR_CLICKHOUSE_DATABASE", db.clone()),
        ]);
        let config = config.display().to_string();
        // The consumer first: it creates the database the collector's reads go to.
        let (consumer, _) = Running::start(&["consume", "--config", &config], &env);
        let (collector, line) = Running::start(&["--config", &config], &env);
        Backend {
            name: "clickhouse",
            addr: listening_addr(&line),
            answers: Default::default(),
            processes: vec![consumer, collector],
            database: Some(db),
            _dir: dir,
        }
    }

    /// Posts `events` to project `project` in batches; every event must be accepted.
    pub fn ingest(&self, project: u64, events: &[Value]) {
        let key = if project == 1 { KEY_ONE } else { KEY_TWO };
        for chunk in events.chunks(100) {
            let body = json!({"sdk": {"name": "suite", "version": "0"}, "events": chunk});
            let (status, answer) = self.request(
                "POST",
                &format!("/api/{project}/events?key={key}"),
                None,
                &body.to_string(),
            );
            assert_eq!(status, 200, "{}: {answer}", self.name);
            let answer: Value = serde_json::from_str(&answer).unwrap();
            assert_eq!(
                answer["accepted"],
                json!(chunk.len()),
                "{}: {answer}",
                self.name
            );
        }
    }

    /// A query API GET with the token; status and parsed body.
    pub fn get(&self, path: &str) -> (u16, Value) {
        self.call("GET", path, Some(TOKEN), "")
    }

    /// Any request; `token` as the bearer token when given.
    pub fn call(&self, method: &str, path: &str, token: Option<&str>, body: &str) -> (u16, Value) {
        let (status, text) = self.request(method, path, token, body);
        let value: Value = serde_json::from_str(&text)
            .unwrap_or_else(|_| panic!("{}: {method} {path}: not JSON: {text:?}", self.name));
        self.answers
            .borrow_mut()
            .push((method.to_owned(), path.to_owned(), status, value.clone()));
        (status, value)
    }

    /// A query API GET that must answer 200.
    pub fn ok(&self, path: &str) -> Value {
        let (status, body) = self.get(path);
        assert_eq!(status, 200, "{}: GET {path}: {body}", self.name);
        body
    }

    /// Waits until the query API sees `expected` events of `project` in `[from, to)`
    /// (Kafka mode: the consumer's batches land some time after ingest answered).
    pub fn wait_for_events(&self, project: u64, from: i64, to: i64, expected: usize) {
        let deadline = Instant::now() + Duration::from_secs(60);
        let path = format!("/api/{project}/events?from={from}&to={to}&limit=1000");
        loop {
            let (status, body) = self.get(&path);
            let seen = body["events"].as_array().map_or(0, Vec::len);
            if status == 200 && seen == expected {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{}: {seen} of {expected} events visible after 60 s (last answer {status})",
                self.name
            );
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    fn request(&self, method: &str, path: &str, token: Option<&str>, body: &str) -> (u16, String) {
        let mut stream = TcpStream::connect(&self.addr).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(60)))
            .unwrap();
        let auth = token
            .map(|t| format!("Authorization: Bearer {t}\r\n"))
            .unwrap_or_default();
        write!(
            stream,
            "{method} {path} HTTP/1.0\r\nHost: {}\r\n{auth}Content-Type: text/plain\r\n\
             Content-Length: {}\r\n\r\n{body}",
            self.addr,
            body.len()
        )
        .unwrap();
        let mut response = Vec::new();
        stream.read_to_end(&mut response).expect("response");
        let response = String::from_utf8(response).expect("UTF-8 answer");
        let status = response
            .get(9..12)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("{}: no status line in {response:?}", self.name));
        let body = response.split_once("\r\n\r\n").map_or("", |(_, b)| b);
        (status, body.to_owned())
    }
}
