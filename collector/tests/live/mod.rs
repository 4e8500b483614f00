//! The real-time layer checked the way a user sees it: a known stream (the query suite's
//! shop, around now, plus events that cleaning must drop) goes in through the ingest API;
//! every live counter, window, Top-N and unique count read back through the API must equal
//! what [`Expected`] computes from the same events here, independently of the collector's
//! code. Issue fingerprints are the one thing taken from the collector, from its query
//! API's issue list (the same grouping rule must give the same groups).

#![allow(dead_code)] // each test binary uses a different part of this module

use std::collections::{BTreeMap, BTreeSet};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};

#[path = "../query/fixture.rs"]
mod fixture;

pub use fixture::Fixture;

pub const BOT: &str = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";
const MINUTE: i64 = 60_000;
const HOUR: i64 = 3_600_000;
const DAY: i64 = 86_400_000;

pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// What goes in: project 1's events, in batches of `batch_size`, with the copies and
/// outliers that cleaning must drop mixed in.
pub struct Stream {
    pub kept: Vec<Value>,
    /// Each dropped event and the `(rule, reason)` it must be counted under.
    pub dropped: Vec<(Value, &'static str, &'static str)>,
}

impl Stream {
    /// The shop's sessions over the last four hours.
    pub fn new(now: i64) -> Stream {
        let base = now - now.rem_euclid(HOUR) - 3 * HOUR;
        let kept = Fixture::new(base).events;
        let template = kept
            .iter()
            .find(|e| e["type"] == "page_view")
            .unwrap()
            .clone();
        let at = (now - 5 * MINUTE) as f64;
        let variant = |n: u32, change: &dyn Fn(&mut Value)| {
            let mut event = template.clone();
            event["event_id"] = json!(format!("{:032x}", 0xdead_0000u64 + u64::from(n)));
            event["timestamp"] = json!(at);
            change(&mut event);
            event
        };
        let vital = |name: &'static str, value: f64| {
            move |e: &mut Value| {
                e["type"] = json!("web_vital");
                e["name"] = json!(name);
                e["value"] = json!(value);
            }
        };
        let dropped = vec![
            (
                variant(1, &|e| e["browser"]["user_agent"] = json!(BOT)),
                "filter",
                "bot",
            ),
            (variant(2, &vital("LCP", -5.0)), "outlier", "negative_vital"),
            (variant(3, &vital("CLS", 50.0)), "outlier", "cls_too_large"),
            (
                variant(4, &vital("INP", 90_000.0)),
                "outlier",
                "vital_too_large",
            ),
            (
                variant(5, &|e| e["timestamp"] = json!((now + 3 * DAY) as f64)),
                "outlier",
                "future_timestamp",
            ),
            // A copy of a kept event: an SDK retry or a Kafka redelivery.
            (kept[3].clone(), "duplicate", "event_id"),
        ];
        Stream { kept, dropped }
    }

    /// Every event to send, in batches: the kept ones in order, the dropped ones spread
    /// among them (the duplicate after its original).
    pub fn batches(&self, size: usize) -> Vec<Vec<Value>> {
        let mut all = self.kept.clone();
        for (i, (event, _, _)) in self.dropped.iter().enumerate() {
            all.insert((i + 1) * 10, event.clone());
        }
        all.chunks(size).map(<[Value]>::to_vec).collect()
    }
}

pub fn envelope(events: &[Value]) -> String {
    json!({"sdk": {"name": "monitor-sdk.browser", "version": "0.1.0"}, "sent_at": now_ms(), "events": events})
        .to_string()
}

fn text<'a>(event: &'a Value, pointer: &str) -> &'a str {
    event.pointer(pointer).and_then(Value::as_str).unwrap_or("")
}

/// `https://host/a/b?x#y` → `/a/b`.
fn path_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let path = rest.find('/').map_or("/", |i| &rest[i..]);
    path.split(['?', '#']).next().unwrap_or("/").to_owned()
}

fn floor(ms: i64, size: i64) -> i64 {
    ms - ms.rem_euclid(size)
}

/// The live numbers the kept events must give.
#[derive(Debug, Default)]
pub struct Expected {
    pub total: u64,
    pub by_type: BTreeMap<String, u64>,
    pub custom: BTreeMap<String, u64>,
    /// Minute start (ms) → type → count.
    pub minutes: BTreeMap<i64, BTreeMap<String, u64>>,
    /// Minute start (ms) → vital → (count, sum).
    pub vitals: BTreeMap<i64, BTreeMap<String, (u64, f64)>>,
    /// `(board, day start ms)` → member → score.
    pub boards: BTreeMap<(&'static str, i64), BTreeMap<String, f64>>,
    /// `(of, per, bucket start ms)` → distinct ids.
    pub uniques: BTreeMap<(&'static str, &'static str, i64), BTreeSet<String>>,
    /// Error event id → its page path, for the issues board.
    pub errors: Vec<(String, i64)>,
}

impl Expected {
    pub fn of(events: &[Value]) -> Expected {
        let mut x = Expected::default();
        for event in events {
            let kind = text(event, "/type").to_owned();
            let at = event["timestamp"].as_f64().unwrap().floor() as i64;
            let minute = floor(at, MINUTE);
            let day = floor(at, DAY);
            let name = text(event, "/name").to_owned();
            x.total += 1;
            *x.by_type.entry(kind.clone()).or_default() += 1;
            let counts = x.minutes.entry(minute).or_default();
            *counts.entry(kind.clone()).or_default() += 1;
            *counts.entry("total".into()).or_default() += 1;
            let path = path_of(text(event, "/page/url"));
            let mut board = |board: &'static str, member: &str| {
                if !member.is_empty() {
                    *x.boards
                        .entry((board, day))
                        .or_default()
                        .entry(member.to_owned())
                        .or_default() += 1.0;
                }
            };
            match kind.as_str() {
                "custom" => {
                    *x.custom.entry(name.clone()).or_default() += 1;
                    board("custom_events", &name);
                }
                "page_view" => board("pages_by_views", &path),
                "error" => {
                    board("pages_by_errors", &path);
                    x.errors.push((text(event, "/event_id").to_owned(), day));
                }
                "web_vital" => {
                    let value = event["value"].as_f64().unwrap();
                    let vital = x.vitals.entry(minute).or_default().entry(name).or_default();
                    vital.0 += 1;
                    vital.1 += value;
                }
                _ => {}
            }
            let visitor = text(event, "/user/visitor_id");
            board("active_users", visitor);
            for (of, id) in [
                ("visitors", visitor),
                ("sessions", text(event, "/user/session_id")),
            ] {
                if id.is_empty() {
                    continue;
                }
                for (per, size) in [("minute", MINUTE), ("hour", HOUR), ("day", DAY)] {
                    x.uniques
                        .entry((of, per, floor(at, size)))
                        .or_default()
                        .insert(id.to_owned());
                }
            }
        }
        x
    }
}

/// Reads a live endpoint: status and JSON body.
pub type Get<'a> = &'a dyn Fn(&str) -> (u16, Value);

fn ok(get: Get, path: &str) -> Value {
    let (status, body) = get(path);
    assert_eq!(status, 200, "GET {path}: {body}");
    body
}

/// The UTC date `YYYY-MM-DD` holding `day_ms`.
pub fn date(day_ms: i64) -> String {
    // Days since the epoch to a civil date (the test's own, not the collector's).
    let days = day_ms / DAY;
    let (mut year, mut left) = (1970, days);
    loop {
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let length = if leap { 366 } else { 365 };
        if left < length {
            let months = [
                31,
                if leap { 29 } else { 28 },
                31,
                30,
                31,
                30,
                31,
                31,
                30,
                31,
                30,
                31,
            ];
            let mut month = 0;
            while left >= months[month] {
                left -= months[month];
                month += 1;
            }
            return format!("{year:04}-{:02}-{:02}", month + 1, left + 1);
        }
        left -= length;
        year += 1;
    }
}

/// Checks every live read of project `project` against `expected`; `fingerprints` maps an
/// error event id to its issue, as the query API grouped it. HyperLogLog counts must be
/// exact at these sizes in memory, and within 2 % in Redis (`hll_slack`).
pub fn check(
    get: Get,
    project: u64,
    expected: &Expected,
    fingerprints: &BTreeMap<String, String>,
    now: i64,
    hll_slack: f64,
) {
    let counters = ok(get, &format!("/api/{project}/live/counters"));
    assert_eq!(counters["total"], expected.total, "{counters}");
    assert_eq!(counters["by_type"], json!(expected.by_type));
    assert_eq!(counters["custom"], json!(expected.custom));

    let minutes = 5 * 60;
    let window = ok(
        get,
        &format!("/api/{project}/live/windows/events?minutes={minutes}&to={now}"),
    );
    let got: BTreeMap<i64, Value> = window["minutes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["start"].as_i64().unwrap(), m["counts"].clone()))
        .collect();
    assert_eq!(got.len(), minutes, "every minute is listed");
    for (start, counts) in &got {
        let want = expected.minutes.get(start).cloned().unwrap_or_default();
        let want = if want.is_empty() {
            json!({"total": 0})
        } else {
            json!(want)
        };
        assert_eq!(counts, &want, "events window at {start}");
    }
    let vitals = ok(
        get,
        &format!("/api/{project}/live/windows/vitals?minutes={minutes}&to={now}"),
    );
    for minute in vitals["minutes"].as_array().unwrap() {
        let start = minute["start"].as_i64().unwrap();
        let want = expected.vitals.get(&start).cloned().unwrap_or_default();
        let got = minute["vitals"].as_object().unwrap();
        assert_eq!(got.len(), want.len(), "vitals at {start}: {minute}");
        for (name, (count, sum)) in want {
            let vital = &got[&name];
            assert_eq!(vital["count"], count, "{name} at {start}");
            assert!(
                (vital["sum"].as_f64().unwrap() - sum).abs() < 1e-6,
                "{name} sum at {start}"
            );
            let average = vital["average"].as_f64().unwrap();
            assert!(
                (average - sum / count as f64).abs() < 1e-6,
                "{name} average at {start}"
            );
        }
    }

    let mut boards = expected.boards.clone();
    for (id, day) in &expected.errors {
        let fingerprint = fingerprints
            .get(id)
            .unwrap_or_else(|| panic!("no issue for {id}"));
        *boards
            .entry(("issues", *day))
            .or_default()
            .entry(fingerprint.clone())
            .or_default() += 1.0;
    }
    for ((board, day), members) in &boards {
        let top = ok(
            get,
            &format!(
                "/api/{project}/live/top/{board}?day={}&limit=1000",
                date(*day)
            ),
        );
        assert_eq!(top["day"], date(*day));
        let got: BTreeMap<String, f64> = top["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["member"].as_str().unwrap().to_owned(),
                    e["score"].as_f64().unwrap(),
                )
            })
            .collect();
        assert_eq!(&got, members, "{board} on {}", date(*day));
        let scores: Vec<f64> = top["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["score"].as_f64().unwrap())
            .collect();
        assert!(
            scores.windows(2).all(|w| w[0] >= w[1]),
            "{board}: highest first"
        );
        let two = ok(
            get,
            &format!("/api/{project}/live/top/{board}?day={}&limit=2", date(*day)),
        );
        assert_eq!(
            two["entries"].as_array().unwrap().len(),
            members.len().min(2)
        );
    }

    for of in ["visitors", "sessions"] {
        for (per, size, last) in [("minute", MINUTE, 300), ("hour", HOUR, 5), ("day", DAY, 2)] {
            let answer = ok(
                get,
                &format!("/api/{project}/live/uniques/{of}?per={per}&last={last}&to={now}"),
            );
            let mut union = BTreeSet::new();
            for bucket in answer["buckets"].as_array().unwrap() {
                let start = bucket["start"].as_i64().unwrap();
                let want = expected
                    .uniques
                    .get(&(of, per, start))
                    .cloned()
                    .unwrap_or_default();
                union.extend(want.iter().cloned());
                let got = bucket["count"].as_u64().unwrap();
                close(
                    got,
                    want.len(),
                    hll_slack,
                    &format!("{of} per {per} at {start}"),
                );
            }
            let oldest = floor(now, size) - (last as i64 - 1) * size;
            assert_eq!(answer["buckets"][0]["start"], oldest);
            close(
                answer["total"].as_u64().unwrap(),
                union.len(),
                hll_slack,
                &format!("{of} per {per}: union"),
            );
        }
    }
}

fn close(got: u64, want: usize, slack: f64, what: &str) {
    let allowed = (want as f64 * slack).ceil();
    assert!(
        (got as f64 - want as f64).abs() <= allowed,
        "{what}: {got}, expected {want}"
    );
}

/// Error event id → fingerprint, from the query API's issues and their events.
pub fn fingerprints(get: Get, project: u64, now: i64) -> BTreeMap<String, String> {
    let from = now - 2 * DAY;
    let issues = ok(get, &format!("/api/{project}/issues?from={from}&limit=100"));
    let mut map = BTreeMap::new();
    for issue in issues["issues"].as_array().unwrap() {
        let fingerprint = issue["fingerprint"].as_str().unwrap();
        let events = ok(
            get,
            &format!("/api/{project}/issues/{fingerprint}/events?from={from}&limit=100"),
        );
        for event in events["events"].as_array().unwrap() {
            map.insert(
                event["event_id"].as_str().unwrap().to_owned(),
                fingerprint.to_owned(),
            );
        }
    }
    map
}

/// `(rule, reason)` → count of `monitor_cleaning_dropped_total` in a `/metrics` text.
pub fn dropped_counts(metrics: &str) -> BTreeMap<(String, String), f64> {
    let mut counts = BTreeMap::new();
    for line in metrics
        .lines()
        .filter(|l| l.starts_with("monitor_cleaning_dropped_total{"))
    {
        let (labels, value) = line.rsplit_once(' ').unwrap();
        let label = |name: &str| {
            let start = labels.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
            labels[start..].split('"').next().unwrap().to_owned()
        };
        counts.insert((label("rule"), label("reason")), value.parse().unwrap());
    }
    counts
}

/// One HTTP/1.0 GET with the api token; status and JSON body (a string if not JSON).
pub fn get_json(addr: &str, path: &str, token: &str) -> (u16, Value) {
    crate::services::api_json(addr, "GET", path, token, None)
}

/// The first `count` messages of the server-sent-events stream at `path`, as
/// `(event, data)`.
pub fn read_stream(addr: &str, path: &str, token: &str, count: usize) -> Vec<(String, String)> {
    use std::io::{BufRead, BufReader, Write};
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(20)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         Accept: text/event-stream\r\n\r\n"
    )
    .unwrap();
    let mut lines = BufReader::new(stream).lines();
    let status = lines.next().unwrap().unwrap();
    assert!(status.contains(" 200 "), "{status}");
    let mut messages = Vec::new();
    let (mut event, mut data) = (String::new(), String::new());
    for line in lines {
        let line = line.expect("stream line");
        // Chunked framing: chunk sizes are hex digits alone on a line.
        if !line.is_empty() && line.bytes().all(|b| b.is_ascii_hexdigit()) {
            continue;
        }
        if let Some(name) = line.strip_prefix("event: ").or(line.strip_prefix("event:")) {
            event = name.trim().to_owned();
        } else if let Some(text) = line.strip_prefix("data: ").or(line.strip_prefix("data:")) {
            data.push_str(text.trim_start());
        } else if line.is_empty() && !event.is_empty() {
            messages.push((std::mem::take(&mut event), std::mem::take(&mut data)));
            if messages.len() == count {
                break;
            }
        }
    }
    messages
}
