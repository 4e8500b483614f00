//! The expected answers, computed from the fixture's events directly, without SQL: what the
//! embedded store's answers are checked against (and through them, ClickHouse's).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

pub fn text<'a>(event: &'a Value, pointer: &str) -> &'a str {
    event.pointer(pointer).and_then(Value::as_str).unwrap_or("")
}

pub fn ts(event: &Value) -> f64 {
    event["timestamp"].as_f64().unwrap()
}

pub fn count_by_type(events: &[&Value]) -> BTreeMap<String, u64> {
    let mut counts = BTreeMap::new();
    for event in events {
        *counts.entry(text(event, "/type").to_owned()).or_insert(0) += 1;
    }
    counts
}

pub fn visitors(events: &[&Value]) -> u64 {
    let ids: BTreeSet<&str> = events
        .iter()
        .map(|e| text(e, "/user/visitor_id"))
        .filter(|v| !v.is_empty())
        .collect();
    ids.len() as u64
}

/// Per session: (first timestamp, last timestamp, page views).
pub fn sessions(events: &[&Value]) -> BTreeMap<String, (f64, f64, u64)> {
    let mut out: BTreeMap<String, (f64, f64, u64)> = BTreeMap::new();
    for event in events {
        let id = text(event, "/user/session_id");
        if id.is_empty() {
            continue;
        }
        let t = ts(event);
        let entry = out.entry(id.to_owned()).or_insert((t, t, 0));
        entry.0 = entry.0.min(t);
        entry.1 = entry.1.max(t);
        if text(event, "/type") == "page_view" {
            entry.2 += 1;
        }
    }
    out
}

/// (sessions, average duration ms, bounce rate)
pub fn session_figures(events: &[&Value]) -> (u64, Option<f64>, Option<f64>) {
    let sessions = sessions(events);
    let n = sessions.len() as u64;
    let total: f64 = sessions.values().map(|(a, b, _)| b - a).sum();
    let with_views = sessions.values().filter(|s| s.2 > 0).count();
    let bounces = sessions
        .values()
        .filter(|(a, b, views)| *views == 1 && b - a < 10_000.0)
        .count();
    (
        n,
        (n > 0).then(|| total / n as f64),
        (with_views > 0).then(|| bounces as f64 / with_views as f64),
    )
}

/// The path of an event's page URL.
pub fn path(event: &Value) -> String {
    let url = text(event, "/page/url");
    let after = url.split_once("://").map_or(url, |(_, rest)| rest);
    let path = after.find('/').map_or("/", |i| &after[i..]);
    path.split(['?', '#']).next().unwrap().to_owned()
}
