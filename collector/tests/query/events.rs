//! Event search, paging and lookup, and the refusals of the query API.

use serde_json::{json, Value};

use super::backend::{Backend, TOKEN};
use super::compare::same;
use super::fixture::{Fixture, SITE};
use super::oracle::{path, text, ts};

/// Which fixture events a search should find.
type Keep = Box<dyn Fn(&Value) -> bool>;

/// Project 1's events in the fixture's range, newest first, as the API orders them.
fn expected(fixture: &Fixture, keep: impl Fn(&Value) -> bool) -> Vec<&Value> {
    let mut events: Vec<&Value> = fixture
        .in_range(fixture.from(), fixture.to())
        .into_iter()
        .filter(|e| keep(e))
        .collect();
    events.sort_by(|a, b| {
        ts(b)
            .total_cmp(&ts(a))
            .then_with(|| text(b, "/event_id").cmp(text(a, "/event_id")))
    });
    events
}

fn ids(events: &[&Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| text(e, "/event_id").to_owned())
        .collect()
}

fn listed(answer: &Value) -> Vec<String> {
    answer["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| text(e, "/event_id").to_owned())
        .collect()
}

pub fn check(sqlite: &Backend, clickhouse: &Backend, fixture: &Fixture) {
    let range = format!("from={}&to={}", fixture.from(), fixture.to());
    let searches: Vec<(String, Keep)> = vec![
        (String::new(), Box::new(|_| true)),
        (
            "&type=page_view".into(),
            Box::new(|e| text(e, "/type") == "page_view"),
        ),
        (
            "&user=user-3".into(),
            Box::new(|e| text(e, "/user/id") == "user-3"),
        ),
        (
            "&session=session-5".into(),
            Box::new(|e| text(e, "/user/session_id") == "session-5"),
        ),
        (
            "&release=web@1.10.0".into(),
            Box::new(|e| text(e, "/release") == "web@1.10.0"),
        ),
        (
            "&environment=staging".into(),
            Box::new(|e| text(e, "/environment") == "staging"),
        ),
        (
            "&page=/checkout".into(),
            Box::new(|e| path(e) == "/checkout"),
        ),
        (
            "&browser=Safari".into(),
            Box::new(|e| text(e, "/browser/user_agent").contains("iPhone")),
        ),
        // Case-insensitive, in the headline: a click's or rage click's target.
        (
            "&q=BUTTON%23BUY".into(),
            Box::new(|e| text(e, "/target") == "button#buy"),
        ),
        (
            "&type=click&page=/checkout".into(),
            Box::new(|e| text(e, "/type") == "click" && path(e) == "/checkout"),
        ),
    ];
    for (filter, keep) in &searches {
        let query = format!("/api/1/events?{range}{filter}&limit=1000");
        let a = sqlite.ok(&query);
        same(&query, &a, &clickhouse.ok(&query));
        let want = ids(&expected(fixture, keep));
        assert!(
            !want.is_empty(),
            "{filter} selects nothing: a useless check"
        );
        assert_eq!(listed(&a), want, "{query}");
        assert_eq!(a["next_cursor"], Value::Null);
    }
    let all = sqlite.ok(&format!("/api/1/events?{range}&limit=1000"));
    assert_eq!(
        all["events"][0]["page"]["url"]
            .as_str()
            .unwrap()
            .split('?')
            .next()
            .unwrap()[..SITE.len()],
        *SITE,
        "events come back as sent"
    );
    // The default range is the last 24 hours, which holds the whole fixture but the events
    // after the range; project 2's never show.
    let recent = sqlite.ok("/api/1/events?limit=1000");
    assert_eq!(
        recent["events"].as_array().unwrap().len(),
        fixture.events.len()
    );

    paging(sqlite, clickhouse, fixture);
    lookup(sqlite, clickhouse, fixture);
    refusals(sqlite);
    refusals(clickhouse);
}

/// Pages of 7 with the cursor give the whole list once, while new events arrive.
fn paging(sqlite: &Backend, clickhouse: &Backend, fixture: &Fixture) {
    let range = format!("from={}&to={}", fixture.from(), fixture.to());
    let whole = sqlite.ok(&format!("/api/2/events?{range}&limit=1000"));
    let whole = listed(&whole);
    for store in [sqlite, clickhouse] {
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        for page in 0.. {
            let after = cursor
                .as_ref()
                .map(|c| format!("&cursor={c}"))
                .unwrap_or_default();
            let answer = store.ok(&format!("/api/2/events?{range}&limit=7{after}"));
            seen.extend(listed(&answer));
            if page == 0 {
                // Newer than everything listed: it must not shift the pages still to come.
                let newest = json!({"event_id": "f".repeat(32), "type": "custom",
                    "timestamp": (fixture.to() - 1) as f64, "name": "late"});
                store.ingest(2, &[newest]);
            }
            match answer["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => break,
            }
        }
        assert_eq!(
            seen, whole,
            "{}: pages = the list, each event once",
            store.name
        );
        store.wait_for_events(2, fixture.from(), fixture.to(), whole.len() + 1);
    }
}

fn lookup(sqlite: &Backend, clickhouse: &Backend, fixture: &Fixture) {
    let event = &fixture.events[3];
    let id = text(event, "/event_id");
    let a = sqlite.ok(&format!("/api/1/events/{id}"));
    same(
        "event by id",
        &a,
        &clickhouse.ok(&format!("/api/1/events/{id}")),
    );
    let mut stored = a.clone();
    stored
        .as_object_mut()
        .unwrap()
        .remove("received_at")
        .unwrap();
    assert_eq!(&stored, event);
    for store in [sqlite, clickhouse] {
        let (status, body) = store.get(&format!("/api/2/events/{id}"));
        assert_eq!(status, 404, "another project's event: {body}");
        let (status, _) = store.get(&format!("/api/1/events/{}", "9".repeat(32)));
        assert_eq!(status, 404);
        let (status, body) = store.get("/api/1/events/nope");
        assert_eq!(status, 400, "{body}");
    }
}

/// Bad tokens, ranges, parameters: each a JSON error with the right status.
fn refusals(store: &Backend) {
    let cases = [
        ("GET", "/api/1/events", None, 401, "token"),
        ("GET", "/api/1/events", Some("wrong"), 401, "token"),
        (
            "GET",
            "/api/1/events",
            Some(super::backend::KEY_ONE),
            401,
            "token",
        ),
        ("GET", "/api/1/overview", None, 401, "token"),
        ("GET", "/api/9/events", Some(TOKEN), 404, "project 9"),
        (
            "GET",
            "/api/1/events?from=10&to=5",
            Some(TOKEN),
            400,
            "before",
        ),
        (
            "GET",
            "/api/1/events?from=yesterday",
            Some(TOKEN),
            400,
            "from",
        ),
        ("GET", "/api/1/events?relase=1", Some(TOKEN), 400, "relase"),
        (
            "GET",
            "/api/1/events?cursor=abc",
            Some(TOKEN),
            400,
            "cursor",
        ),
        ("GET", "/api/1/events?type=boom", Some(TOKEN), 400, "boom"),
        ("GET", "/api/1/events?limit=0", Some(TOKEN), 400, "limit"),
        (
            "GET",
            "/api/1/overview?interval=1s",
            Some(TOKEN),
            400,
            "interval",
        ),
        (
            "GET",
            "/api/1/overview?from=0&interval=1m",
            Some(TOKEN),
            400,
            "buckets",
        ),
        ("DELETE", "/api/1/overview", Some(TOKEN), 405, "method"),
    ];
    for (method, path, token, status, says) in cases {
        let (got, body) = store.call(method, path, token, "");
        assert_eq!(got, status, "{}: {method} {path}: {body}", store.name);
        let reason = body["error"].as_str().unwrap_or_default();
        assert!(
            reason.contains(says),
            "{}: {method} {path}: {body}",
            store.name
        );
    }
}
