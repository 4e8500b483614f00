//! Issues: grouping, figures, detail, events, status changes and regressions.

use serde_json::{json, Value};

use super::backend::Backend;
use super::compare::same;
use super::fixture::{checkout_error_at, Fixture, CHROME, HOUR};
use super::oracle::{text, ts};

/// The fixture's three issues by the type of their error, as the oracle tells them apart.
const CHECKOUT: &str = "TypeError";
const REQUEST: &str = "Error";
const PAYMENT: &str = "TimeoutError";

fn kind(event: &Value) -> &str {
    text(event, "/exception/values/0/type")
}

fn errors<'a>(events: &[&'a Value], of: &str) -> Vec<&'a Value> {
    events
        .iter()
        .copied()
        .filter(|e| text(e, "/type") == "error" && kind(e) == of)
        .collect()
}

fn users(events: &[&Value]) -> usize {
    let mut ids: Vec<&str> = events.iter().map(|e| text(e, "/user/visitor_id")).collect();
    ids.sort_unstable();
    ids.dedup();
    ids.len()
}

fn range(fixture: &Fixture) -> String {
    format!("from={}&to={}&interval=1h", fixture.from(), fixture.to())
}

/// The issue of the list whose title starts with `prefix`.
fn find<'a>(list: &'a Value, prefix: &str) -> &'a Value {
    list["issues"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["title"].as_str().unwrap().starts_with(prefix))
        .unwrap_or_else(|| panic!("no issue {prefix}: {list}"))
}

/// Read-only questions, asked before anything changes a status.
pub fn check(sqlite: &Backend, clickhouse: &Backend, fixture: &Fixture) {
    let range = range(fixture);
    let queries = [
        format!("/api/1/issues?{range}&status=all"),
        format!("/api/1/issues?{range}"),
        format!("/api/1/issues?{range}&status=all&sort=users"),
        format!("/api/1/issues?{range}&status=all&sort=last_seen&limit=2"),
        format!("/api/1/issues?{range}&status=all&browser=Firefox"),
        format!("/api/1/issues?{range}&status=resolved"),
    ];
    for query in &queries {
        same(query, &sqlite.ok(query), &clickhouse.ok(query));
    }
    let list = sqlite.ok(&queries[0]);
    let now = fixture.in_range(fixture.from(), fixture.to());
    assert_eq!(list["total"], 3, "{list}");
    let titles: Vec<&str> = list["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["title"].as_str().unwrap())
        .collect();
    assert!(titles[0].starts_with("TypeError: "), "{titles:?}");
    assert!(titles[1].starts_with("Error: Request "), "{titles:?}");
    assert!(titles[2].starts_with("TimeoutError: payment"), "{titles:?}");

    for of in [CHECKOUT, REQUEST, PAYMENT] {
        let issue = find(&list, of);
        let mine = errors(&now, of);
        assert_eq!(issue["count"], mine.len(), "{of}");
        assert_eq!(issue["users"], users(&mine), "{of}");
        assert_eq!(issue["status"], "unresolved");
        assert_eq!(issue["regression"], false);
        let sparkline: u64 = issue["series"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["count"].as_u64().unwrap())
            .sum();
        assert_eq!(sparkline, mine.len() as u64, "{of}: the sparkline adds up");
        // First and last seen and releases are over all time.
        let all = errors(&fixture.events.iter().collect::<Vec<_>>(), of);
        let first = all.iter().min_by(|a, b| ts(a).total_cmp(&ts(b))).unwrap();
        let last = all.iter().max_by(|a, b| ts(a).total_cmp(&ts(b))).unwrap();
        assert_eq!(issue["first_seen"].as_f64(), Some(ts(first)), "{of}");
        assert_eq!(issue["last_seen"].as_f64(), Some(ts(last)), "{of}");
        assert_eq!(
            issue["first_release"],
            json!(text(first, "/release")),
            "{of}"
        );
        assert_eq!(issue["last_release"], json!(text(last, "/release")), "{of}");
        assert_eq!(issue["total_count"], all.len(), "{of}");
    }
    let checkout = find(&list, CHECKOUT);
    assert_eq!(checkout["culprit"], "applyCoupon (/assets/index.js)");
    assert!(errors(&now, CHECKOUT)
        .iter()
        .any(|e| text(e, "/browser/user_agent").contains("Firefox")));
    assert_eq!(find(&list, PAYMENT)["level"], "warning");
    let limited = sqlite.ok(&queries[3]);
    assert_eq!(
        (
            limited["total"].as_u64(),
            limited["issues"].as_array().unwrap().len()
        ),
        (Some(3), 2)
    );

    detail(
        sqlite,
        clickhouse,
        fixture,
        checkout["fingerprint"].as_str().unwrap(),
    );
    refusals(sqlite);
    refusals(clickhouse);
}

fn detail(sqlite: &Backend, clickhouse: &Backend, fixture: &Fixture, fingerprint: &str) {
    let range = range(fixture);
    let path = format!("/api/1/issues/{fingerprint}?{range}");
    let one = sqlite.ok(&path);
    same(&path, &one, &clickhouse.ok(&path));
    let mine = errors(&fixture.events.iter().collect::<Vec<_>>(), CHECKOUT);
    let latest = mine.iter().max_by(|a, b| ts(a).total_cmp(&ts(b))).unwrap();
    let mut event = one["latest_event"].clone();
    event.as_object_mut().unwrap().remove("received_at");
    assert_eq!(&event, *latest, "the latest event, whole");

    // Its events, three a page, newest first, all of them once.
    let in_range = errors(&fixture.in_range(fixture.from(), fixture.to()), CHECKOUT);
    for store in [sqlite, clickhouse] {
        let mut seen = Vec::new();
        let mut cursor = String::new();
        loop {
            let page = store.ok(&format!(
                "/api/1/issues/{fingerprint}/events?{}&limit=3{cursor}",
                &range[..range.find("&interval").unwrap()]
            ));
            seen.extend(
                page["events"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|e| text(e, "/event_id").to_owned()),
            );
            match page["next_cursor"].as_str() {
                Some(next) => cursor = format!("&cursor={next}"),
                None => break,
            }
        }
        let mut want: Vec<&Value> = in_range.clone();
        want.sort_by(|a, b| ts(b).total_cmp(&ts(a)));
        let want: Vec<String> = want
            .iter()
            .map(|e| text(e, "/event_id").to_owned())
            .collect();
        assert_eq!(seen, want, "{}", store.name);
    }
}

fn refusals(store: &Backend) {
    let unknown = "0".repeat(32);
    let cases = [
        (
            "GET",
            format!("/api/1/issues/{unknown}"),
            "",
            404,
            "no issue",
        ),
        (
            "PATCH",
            format!("/api/1/issues/{unknown}"),
            r#"{"status":"resolved"}"#,
            404,
            "no issue",
        ),
        (
            "GET",
            "/api/1/issues/xyz".to_owned(),
            "",
            400,
            "fingerprint",
        ),
        (
            "GET",
            "/api/1/issues?status=open".to_owned(),
            "",
            400,
            "status",
        ),
        ("GET", "/api/1/issues?sort=age".to_owned(), "", 400, "sort"),
    ];
    for (method, path, body, status, says) in cases {
        let (got, answer) = store.call(method, &path, Some(super::backend::TOKEN), body);
        assert_eq!(got, status, "{}: {method} {path}: {answer}", store.name);
        assert!(
            answer["error"].as_str().unwrap_or("").contains(says),
            "{}: {answer}",
            store.name
        );
    }
    let (got, _) = store.call("PATCH", &format!("/api/1/issues/{unknown}"), None, "{}");
    assert_eq!(got, 401, "changing a status needs the token too");
}

fn set(store: &Backend, fingerprint: &str, body: &str, range: &str) -> Value {
    let (status, answer) = store.call(
        "PATCH",
        &format!("/api/1/issues/{fingerprint}?{range}"),
        Some(super::backend::TOKEN),
        body,
    );
    assert_eq!(status, 200, "{}: {answer}", store.name);
    answer
}

/// Status changes and regressions; this adds events, so it runs last.
pub fn statuses(sqlite: &Backend, clickhouse: &Backend, fixture: &Fixture) {
    let range = range(fixture);
    let list = sqlite.ok(&format!("/api/1/issues?{range}&status=all"));
    let checkout = find(&list, CHECKOUT)["fingerprint"]
        .as_str()
        .unwrap()
        .to_owned();
    let request = find(&list, REQUEST)["fingerprint"]
        .as_str()
        .unwrap()
        .to_owned();
    let last_release = find(&list, CHECKOUT)["last_release"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(last_release, "web@1.9.0");
    for store in [sqlite, clickhouse] {
        let (status, answer) = store.call(
            "PATCH",
            &format!("/api/1/issues/{checkout}"),
            Some(super::backend::TOKEN),
            r#"{"status":"done"}"#,
        );
        assert_eq!(status, 400, "{answer}");
        let (status, _) = store.call(
            "POST",
            &format!("/api/1/issues/{checkout}"),
            Some(super::backend::TOKEN),
            "not json",
        );
        assert_eq!(status, 400);

        let resolved = set(store, &checkout, r#"{"status":"resolved"}"#, &range);
        assert_eq!(
            (
                resolved["status"].as_str(),
                resolved["regression"].as_bool()
            ),
            (Some("resolved"), Some(false))
        );
        assert_eq!(resolved["resolved_in_release"], json!(last_release));
        let ignored = set(store, &request, r#"{"status":"ignored"}"#, &range);
        assert_eq!(ignored["status"], "ignored");
    }
    let open = format!("/api/1/issues?{range}");
    same(&open, &sqlite.ok(&open), &clickhouse.ok(&open));
    let unresolved = sqlite.ok(&open);
    assert_eq!(
        unresolved["total"], 1,
        "only the payment timeout is left open: {unresolved}"
    );

    // Seen again in the release it was resolved in (an old tab): still resolved. Then in a
    // newer release: a regression, unresolved again.
    std::thread::sleep(std::time::Duration::from_millis(5));
    let at = fixture.to() - HOUR / 2;
    let old = checkout_error_at(40, "web@1.9.0", CHROME, 0xa000, at);
    let newer = checkout_error_at(41, "web@1.10.0", CHROME, 0xb000, at + 1_000);
    for store in [sqlite, clickhouse] {
        store.ingest(1, std::slice::from_ref(&old));
    }
    let total = fixture.events.len() + 1;
    for store in [sqlite, clickhouse] {
        store.wait_for_events(1, 0, fixture.to() + 2 * HOUR, total);
        let issue = store.ok(&format!("/api/1/issues/{checkout}?{range}"));
        assert_eq!(
            (issue["status"].as_str(), issue["regression"].as_bool()),
            (Some("resolved"), Some(false)),
            "{}",
            store.name
        );
        store.ingest(1, std::slice::from_ref(&newer));
    }
    for store in [sqlite, clickhouse] {
        store.wait_for_events(1, 0, fixture.to() + 2 * HOUR, total + 1);
        let issue = store.ok(&format!("/api/1/issues/{checkout}?{range}"));
        assert_eq!(
            (issue["status"].as_str(), issue["regression"].as_bool()),
            (Some("unresolved"), Some(true)),
            "{}: {issue}",
            store.name
        );
        assert_eq!(issue["resolved_in_release"], Value::Null);
    }
    same(&open, &sqlite.ok(&open), &clickhouse.ok(&open));
    let reopened = sqlite.ok(&open);
    assert_eq!(reopened["total"], 2, "{reopened}");
    assert_eq!(find(&reopened, CHECKOUT)["regression"], true);
    // Set by hand, the flag goes.
    for store in [sqlite, clickhouse] {
        let issue = set(store, &checkout, r#"{"status":"unresolved"}"#, &range);
        assert_eq!(
            (issue["status"].as_str(), issue["regression"].as_bool()),
            (Some("unresolved"), Some(false))
        );
    }
    let ignored = format!("/api/1/issues?{range}&status=ignored");
    same(&ignored, &sqlite.ok(&ignored), &clickhouse.ok(&ignored));
    assert_eq!(
        sqlite.ok(&ignored)["issues"][0]["fingerprint"],
        json!(request)
    );
}
