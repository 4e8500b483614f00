//! Behaviour: the top-N lists.

use std::collections::BTreeMap;

use serde_json::Value;

use super::backend::Backend;
use super::compare::same;
use super::fixture::Fixture;
use super::oracle::{path, text, ts};

/// `name -> count`, ordered as the API orders: count descending, then name.
fn ranked(counts: BTreeMap<String, u64>) -> Vec<(String, u64)> {
    let mut list: Vec<(String, u64)> = counts.into_iter().collect();
    list.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    list
}

fn listed(answer: &Value, list: &str) -> Vec<(String, u64)> {
    answer[list]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["name"].as_str().unwrap().to_owned(),
                e["count"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn count_by(events: &[&Value], kind: &str, key: impl Fn(&Value) -> String) -> Vec<(String, u64)> {
    let mut counts = BTreeMap::new();
    for event in events.iter().filter(|e| text(e, "/type") == kind) {
        let name = key(event);
        if !name.is_empty() {
            *counts.entry(name).or_insert(0) += 1;
        }
    }
    ranked(counts)
}

/// The first or last page view's page of each session.
fn session_pages(events: &[&Value], last: bool) -> Vec<(String, u64)> {
    let mut by_session: BTreeMap<&str, &Value> = BTreeMap::new();
    for event in events.iter().filter(|e| text(e, "/type") == "page_view") {
        let session = text(event, "/user/session_id");
        let replace = by_session.get(session).is_none_or(|seen| {
            if last {
                ts(event) > ts(seen)
            } else {
                ts(event) < ts(seen)
            }
        });
        if replace {
            by_session.insert(session, event);
        }
    }
    let mut counts = BTreeMap::new();
    for event in by_session.values() {
        *counts.entry(path(event)).or_insert(0) += 1;
    }
    ranked(counts)
}

pub fn check(sqlite: &Backend, clickhouse: &Backend, fixture: &Fixture) {
    let range = format!("from={}&to={}", fixture.from(), fixture.to());
    let queries = [
        format!("/api/1/behaviour?{range}"),
        format!("/api/1/behaviour?{range}&limit=2"),
        format!("/api/1/behaviour?{range}&environment=production&browser=Safari"),
    ];
    for query in &queries {
        same(query, &sqlite.ok(query), &clickhouse.ok(query));
    }
    let answer = sqlite.ok(&queries[0]);
    let now = fixture.in_range(fixture.from(), fixture.to());
    assert_eq!(
        listed(&answer, "pages_by_views"),
        count_by(&now, "page_view", path)
    );
    assert_eq!(
        listed(&answer, "pages_by_errors"),
        count_by(&now, "error", path)
    );
    assert_eq!(listed(&answer, "entry_pages"), session_pages(&now, false));
    assert_eq!(listed(&answer, "exit_pages"), session_pages(&now, true));
    let host = |e: &Value| {
        let referrer = text(e, "/page/referrer");
        let host = referrer
            .split("://")
            .nth(1)
            .unwrap_or("")
            .split('/')
            .next()
            .unwrap_or("");
        if host == "shop.example" {
            String::new()
        } else {
            host.to_owned()
        }
    };
    assert_eq!(
        listed(&answer, "referrers"),
        count_by(&now, "page_view", host)
    );
    assert_eq!(
        listed(&answer, "clicks"),
        count_by(&now, "click", |e| text(e, "/target").to_owned())
    );
    assert_eq!(
        listed(&answer, "form_submits"),
        count_by(&now, "form_submit", |e| text(e, "/target").to_owned())
    );
    let devices: Vec<String> = listed(&answer, "devices")
        .into_iter()
        .map(|d| d.0)
        .collect();
    let mut sorted = devices.clone();
    sorted.sort();
    assert_eq!(sorted, ["desktop", "mobile", "tablet"]);
    assert_eq!(
        listed(&answer, "operating_systems").len(),
        4,
        "Windows, iOS, Linux, Android"
    );

    let rage = &answer["rage_clicks"][0];
    let bursts: Vec<&&Value> = now
        .iter()
        .filter(|e| text(e, "/type") == "rage_click")
        .collect();
    let clicks: f64 = bursts.iter().map(|e| e["count"].as_f64().unwrap()).sum();
    assert_eq!(
        (rage["name"].as_str(), rage["count"].as_u64()),
        (Some("button#buy"), Some(bursts.len() as u64))
    );
    assert_eq!(rage["clicks"].as_f64(), Some(clicks));

    // Time on page: by total visible time, with the average.
    let mut time: BTreeMap<String, (f64, u64)> = BTreeMap::new();
    for event in now.iter().filter(|e| text(e, "/type") == "time_on_page") {
        let entry = time.entry(path(event)).or_default();
        entry.0 += event["duration"].as_f64().unwrap();
        entry.1 += 1;
    }
    let mut want: Vec<(String, f64, u64)> = time.into_iter().map(|(k, (t, n))| (k, t, n)).collect();
    want.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let got: Vec<(String, f64, u64)> = answer["pages_by_time"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["name"].as_str().unwrap().to_owned(),
                e["total_ms"].as_f64().unwrap(),
                e["count"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(got, want);
    // The average is per page view: a view may report several stretches of visible time.
    for entry in answer["pages_by_time"].as_array().unwrap() {
        let page = entry["name"].as_str().unwrap();
        let views = now
            .iter()
            .filter(|e| text(e, "/type") == "page_view" && path(e) == page)
            .count();
        let average = entry["average_ms"].as_f64().unwrap();
        let total = entry["total_ms"].as_f64().unwrap();
        assert!((average - total / views as f64).abs() < 1e-6, "{page}");
    }
    assert_eq!(
        sqlite.ok(&queries[1])["clicks"].as_array().unwrap().len(),
        2
    );
}

/// `/sessions`: every session of the range summed up from its events, the most recently
/// active first; both stores alike.
pub fn check_sessions(sqlite: &Backend, clickhouse: &Backend, fixture: &Fixture) {
    let range = format!("from={}&to={}", fixture.from(), fixture.to());
    let queries = [
        format!("/api/1/sessions?{range}&limit=100"),
        format!("/api/1/sessions?{range}&limit=3&browser=Firefox"),
    ];
    for query in &queries {
        same(query, &sqlite.ok(query), &clickhouse.ok(query));
    }
    let events = fixture.in_range(fixture.from(), fixture.to());
    let mut expected: BTreeMap<String, Vec<&Value>> = BTreeMap::new();
    for event in &events {
        let session = text(event, "/user/session_id");
        if !session.is_empty() {
            expected.entry(session.to_owned()).or_default().push(event);
        }
    }
    let answer = sqlite.ok(&queries[0]);
    let listed = answer["sessions"].as_array().unwrap();
    assert_eq!(listed.len(), expected.len(), "every session of the range");
    for pair in listed.windows(2) {
        assert!(pair[0]["ended_at"].as_f64() >= pair[1]["ended_at"].as_f64());
    }
    for session in listed {
        let id = session["session_id"].as_str().unwrap();
        let mut own = expected[id].clone();
        own.sort_by(|a, b| ts(a).total_cmp(&ts(b)));
        let views: Vec<&&Value> = own
            .iter()
            .filter(|e| text(e, "/type") == "page_view")
            .collect();
        let (first, last) = (ts(own[0]), ts(own[own.len() - 1]));
        assert_eq!(session["started_at"].as_f64(), Some(first), "{id}");
        assert_eq!(session["duration_ms"].as_f64(), Some(last - first), "{id}");
        assert_eq!(session["events"], own.len(), "{id}");
        assert_eq!(session["page_views"], views.len(), "{id}");
        let errors = own.iter().filter(|e| text(e, "/type") == "error").count();
        assert_eq!(session["errors"], errors, "{id}");
        let entry = views.first().map(|e| path(e)).unwrap_or_default();
        let exit = views.last().map(|e| path(e)).unwrap_or_default();
        assert_eq!(
            (
                session["entry_page"].as_str(),
                session["exit_page"].as_str()
            ),
            (Some(entry.as_str()), Some(exit.as_str())),
            "{id}"
        );
    }
    let firefox = sqlite.ok(&queries[1]);
    let firefox = firefox["sessions"].as_array().unwrap();
    assert!(!firefox.is_empty() && firefox.len() <= 3);
    assert!(
        firefox.iter().all(|s| s["browser"] == "Firefox"),
        "{firefox:?}"
    );
}
