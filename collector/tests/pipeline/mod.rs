//! A pipeline of the real binaries on a broker of the test's own: a collector in Kafka mode
//! and its `consume` role writing into a ClickHouse database of its own ([`Setup`]), and a
//! load of numbered SDK-shaped batches from several client threads ([`Load`]), so that a
//! test can break a part in the middle and then check every acknowledged event id.

#![allow(dead_code)] // each test binary uses a different part of this module

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::services::{
    self, clickhouse, clickhouse_u64, ensure_services, http, unique_run, wait_until, Broker,
    Running, CLICKHOUSE,
};

pub const KEY: &str = "outage-key";

/// The consumers' `kafka.session_timeout_ms`: short, so that a killed consumer's partitions
/// go to its successor within seconds, not 45, but not below 10 s: tansu holds each join
/// and sync of a static member (`group.instance.id`, on by default) for 3 s, and with a
/// 6 s session the member's session ran out during its own join, over and over
/// (docs/services.md).
pub const SESSION_TIMEOUT_MS: u32 = 10_000;

/// One scenario's collector and consumer configuration, and its ClickHouse database (dropped
/// at the end).
pub struct Setup {
    pub dir: tempfile::TempDir,
    pub config: PathBuf,
    pub env: Vec<(&'static str, String)>,
    pub topic: String,
    pub db: String,
}

impl Setup {
    /// `kafka` and `clickhouse` are extra lines of those sections of the configuration file;
    /// the session timeout is [`SESSION_TIMEOUT_MS`].
    pub fn new(broker: &str, kafka: &str, clickhouse: &str) -> Setup {
        let kafka = format!("session_timeout_ms = {SESSION_TIMEOUT_MS}\n{kafka}");
        Setup::configured(broker, &kafka, clickhouse, "")
    }

    /// The same with every line of `[kafka]`, `[clickhouse]` and `[consumer]` given.
    pub fn configured(broker: &str, kafka: &str, clickhouse: &str, consumer: &str) -> Setup {
        let run = unique_run();
        let (topic, db) = (
            format!("monitor-outage-test-{run}"),
            format!("monitor_outage_{run}"),
        );
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("collector.toml");
        std::fs::write(
            &config,
            format!(
                "[kafka]\nconsumer_group = \"monitor-outage-test-{run}\"\n\
                 dead_letter_topic = \"{topic}-dlq\"\n{kafka}\n[clickhouse]\n{clickhouse}\n\
                 [consumer]\n{consumer}\n"
            ),
        )
        .unwrap();
        let env = vec![
            ("MONITOR_LISTEN", "127.0.0.1:0".to_owned()),
            (
                "MONITOR_DATA_DIR",
                dir.path().join("data").display().to_string(),
            ),
            ("MONITOR_PROJECTS", format!("1:{KEY}")),
            ("MONITOR_KAFKA_BROKERS", broker.to_owned()),
            ("MONITOR_KAFKA_TOPIC", topic.clone()),
            ("MONITOR_CLICKHOUSE_URL", format!("http://{CLICKHOUSE}")),
            ("MONITOR_CLICKHOUSE_DATABASE", db.clone()),
        ];
        Setup {
            dir,
            config,
            env,
            topic,
            db,
        }
    }

    /// Starts the collector (always with the same data dir); returns it and its address.
    pub fn serve(&self) -> (Running, String) {
        let config = self.config.display().to_string();
        let (running, line) = Running::start(&["--config", &config], &self.env);
        let addr = services::listening_addr(&line);
        (running, addr)
    }

    pub fn consume(&self) -> Running {
        self.consume_with(&[])
    }

    /// A consumer with extra environment variables (the fault-injection ones).
    pub fn consume_with(&self, extra: &[(&'static str, String)]) -> Running {
        let config = self.config.display().to_string();
        let mut env = self.env.clone();
        env.extend_from_slice(extra);
        let (running, line) = Running::start(&["consume", "--config", &config], &env);
        assert!(
            line.starts_with(&format!("monitor-collector consuming {} into", self.topic)),
            "{line}"
        );
        running
    }

    /// A consumer with the fault-injection pause of `pause_ms` between each insert and its
    /// commit (`MONITOR_CONSUMER_PAUSE_AFTER_INSERT_MS`), and its stderr lines.
    pub fn consume_pausing_before_commit(
        &self,
        pause_ms: u64,
    ) -> (Running, mpsc::Receiver<String>) {
        self.consume_watching(&[(
            "MONITOR_CONSUMER_PAUSE_AFTER_INSERT_MS",
            pause_ms.to_string(),
        )])
    }

    fn consume_watching(
        &self,
        extra: &[(&'static str, String)],
    ) -> (Running, mpsc::Receiver<String>) {
        let config = self.config.display().to_string();
        let mut env = self.env.clone();
        env.extend_from_slice(extra);
        let (running, line, stderr) =
            Running::start_watching_stderr(&["consume", "--config", &config], &env);
        assert!(
            line.starts_with(&format!("monitor-collector consuming {} into", self.topic)),
            "{line}"
        );
        (running, stderr)
    }

    /// `.seg` files in the collector's spool.
    pub fn spool_segments(&self) -> usize {
        let spool = self.dir.path().join("data/spool");
        std::fs::read_dir(spool).map_or(0, |dir| {
            dir.filter(|e| {
                e.as_ref()
                    .is_ok_and(|e| e.file_name().to_string_lossy().ends_with(".seg"))
            })
            .count()
        })
    }

    /// `count()` with `FINAL`: one row per event, whatever the merges did so far.
    pub fn count_final(&self) -> u64 {
        clickhouse_u64(&format!("SELECT count() FROM {}.events FINAL", self.db))
    }

    pub fn distinct_ids(&self) -> u64 {
        clickhouse_u64(&format!(
            "SELECT uniqExact(event_id) FROM {}.events",
            self.db
        ))
    }

    /// The rows on disk, duplicates not yet merged away included.
    pub fn count_raw(&self) -> u64 {
        clickhouse_u64(&format!("SELECT count() FROM {}.events", self.db))
    }

    pub fn event_ids(&self) -> BTreeSet<String> {
        clickhouse(&format!(
            "SELECT DISTINCT event_id FROM {}.events FORMAT TSV",
            self.db
        ))
        .lines()
        .map(str::to_owned)
        .collect()
    }

    /// Waits until the consumer has created the database's `events` table.
    pub fn wait_for_table(&self) {
        let query = format!(
            "SELECT count() FROM system.tables WHERE database = '{}' AND name = 'events'",
            self.db
        );
        wait_until(
            "the consumer created the events table",
            Duration::from_secs(30),
            || clickhouse_u64(&query) == 1,
        );
    }
}

impl Drop for Setup {
    fn drop(&mut self) {
        if services::reachable(CLICKHOUSE) {
            let _ = http(
                CLICKHOUSE,
                "POST /",
                "text/plain",
                &format!("DROP DATABASE IF EXISTS {}", self.db),
            );
        }
    }
}

/// The id of event `n`: 32 lowercase hex characters, as the SDK makes them.
pub fn event_id(n: usize) -> String {
    format!("{n:032x}")
}

/// Batch `batch` of `size` SDK-shaped events (the types rotate), numbered from
/// `batch * size`.
pub fn batch_body(batch: usize, size: usize) -> String {
    let events: Vec<Value> = (batch * size..(batch + 1) * size)
        .map(|n| {
            let timestamp = 1_763_870_000_000u64 + n as u64;
            let mut event = match n % 5 {
                0 => json!({"type": "error", "level": "error",
                    "exception": {"values": [{"type": "TypeError", "value": format!("boom {n}"),
                        "mechanism": {"type": "onerror", "handled": false},
                        "stacktrace": {"frames": [{"filename": "https://app.example/a.js",
                            "function": "main", "lineno": 10, "colno": 5, "in_app": true}]}}]}}),
                1 => json!({"type": "message", "level": "info", "message": format!("note {n}")}),
                2 => json!({"type": "custom", "name": "signup", "data": {"seats": n % 7}}),
                3 => json!({"type": "web_vital", "name": "LCP", "value": 1234.5, "rating": "good"}),
                _ => json!({"type": "page_view"}),
            };
            let fields = json!({"event_id": event_id(n), "timestamp": timestamp,
                "release": "web@1.2.3", "environment": "production",
                "user": {"id": format!("user-{}", n % 97), "session_id": format!("sess-{batch}")},
                "page": {"url": "https://app.example/checkout", "referrer": ""},
                "browser": {"user_agent": "Mozilla/5.0 (test)", "language": "en"},
                "tags": {"plan": "pro"}});
            for (k, v) in fields.as_object().unwrap() {
                event[k] = v.clone();
            }
            event
        })
        .collect();
    json!({"sdk": {"name": "monitor-sdk.browser", "version": "0.1.0"},
           "sent_at": 1_763_870_000_500u64, "events": events})
    .to_string()
}

/// One POST, HTTP/1.0; the status and the lowercased answer, or the connection's error.
pub fn post(addr: &str, body: &str) -> std::io::Result<(u16, String)> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    write!(
        stream,
        "POST /api/1/events?key={KEY} HTTP/1.0\r\nHost: {addr}\r\nContent-Type: text/plain\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    )?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let status = response
        .get(9..12)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("no status line: {response:?}")))?;
    Ok((status, response.to_lowercase()))
}

/// Clients posting numbered batches from a few threads, like several SDKs at once. They take
/// the next batch number below `limit` (raised by the test to let the load go on), retry a
/// 503 as the SDK does (honouring `Retry-After`, capped at 1 s to keep the test short), and
/// record each batch's fate.
pub struct Load {
    pub addr: Mutex<String>,
    pub total: usize,
    pub size: usize,
    pub next: AtomicUsize,
    pub limit: AtomicUsize,
    pub acknowledged: Mutex<Vec<usize>>,
    pub failed: Mutex<Vec<(usize, String)>>,
    pub retried_503: AtomicUsize,
}

impl Load {
    pub fn new(addr: &str, total: usize, size: usize, limit: usize) -> Arc<Load> {
        Arc::new(Load {
            addr: Mutex::new(addr.to_owned()),
            total,
            size,
            next: AtomicUsize::new(0),
            limit: AtomicUsize::new(limit),
            acknowledged: Mutex::new(Vec::new()),
            failed: Mutex::new(Vec::new()),
            retried_503: AtomicUsize::new(0),
        })
    }

    pub fn acknowledged(&self) -> usize {
        self.acknowledged.lock().unwrap().len()
    }

    pub fn set_limit(&self, limit: usize) {
        self.limit.store(limit, Ordering::SeqCst);
    }

    /// Starts `clients` threads; they end when every batch was tried.
    pub fn spawn(self: &Arc<Load>, clients: usize) -> Vec<std::thread::JoinHandle<()>> {
        (0..clients)
            .map(|_| {
                let load = self.clone();
                std::thread::spawn(move || load.client())
            })
            .collect()
    }

    pub fn client(&self) {
        loop {
            let batch = self.next.load(Ordering::SeqCst);
            if batch >= self.total {
                return;
            }
            if batch >= self.limit.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(10));
                continue;
            }
            if self
                .next
                .compare_exchange(batch, batch + 1, Ordering::SeqCst, Ordering::SeqCst)
                .is_err()
            {
                continue;
            }
            let body = batch_body(batch, self.size);
            loop {
                let addr = self.addr.lock().unwrap().clone();
                match post(&addr, &body) {
                    Ok((200, _)) => self.acknowledged.lock().unwrap().push(batch),
                    Ok((503, answer)) => {
                        let wait = answer
                            .split("\r\nretry-after: ")
                            .nth(1)
                            .and_then(|rest| rest.split("\r\n").next())
                            .and_then(|secs| secs.trim().parse::<u64>().ok())
                            .expect("a 503 from ingest carries Retry-After");
                        self.retried_503.fetch_add(1, Ordering::SeqCst);
                        std::thread::sleep(Duration::from_secs(wait.min(1)));
                        continue;
                    }
                    Ok((status, answer)) => self
                        .failed
                        .lock()
                        .unwrap()
                        .push((batch, format!("{status}: {answer}"))),
                    Err(e) => self.failed.lock().unwrap().push((batch, e.to_string())),
                }
                break;
            }
        }
    }
}

pub fn join(clients: Vec<std::thread::JoinHandle<()>>) {
    for client in clients {
        client.join().expect("client thread");
    }
}

/// The first line of `stderr` that contains `needle`; fails after `limit`.
pub fn wait_for_line(stderr: &mpsc::Receiver<String>, needle: &str, limit: Duration) -> String {
    let deadline = Instant::now() + limit;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match stderr.recv_timeout(left) {
            Ok(line) if line.contains(needle) => return line,
            Ok(_) => {}
            Err(e) => panic!("no log line with {needle:?} within {limit:?} ({e})"),
        }
    }
}

/// The scenarios run one at a time: each loads a debug-built broker and ClickHouse on a
/// 2-core machine, and together they starved each other's start-up past the timeouts.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// What every scenario starts with: its turn (held until dropped; a failed scenario poisons
/// the lock, the next one still runs), the shared ClickHouse, and a broker of its own.
/// `None` when the services cannot be started and skipping was asked for.
pub fn scenario() -> Option<(MutexGuard<'static, ()>, Broker)> {
    let turn = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if !ensure_services(&["clickhouse"]) {
        return None;
    }
    Some((turn, Broker::start()?))
}
