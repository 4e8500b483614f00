//! The overview: totals, changes, series.

use serde_json::Value;

use super::backend::Backend;
use super::compare::{near, same};
use super::fixture::{Fixture, HOUR};
use super::oracle::{count_by_type, path, session_figures, visitors};

fn totals(answer: &Value, name: &str) -> Value {
    answer["totals"][name].clone()
}

pub fn check(sqlite: &Backend, clickhouse: &Backend, fixture: &Fixture) {
    let (from, to) = (fixture.from(), fixture.to());
    let queries = [
        format!("/api/1/overview?from={from}&to={to}&interval=1h"),
        format!("/api/1/overview?from={from}&to={to}&interval=15m"),
        format!("/api/1/overview?from={from}&to={to}&interval=1h&page=/checkout"),
        format!("/api/1/overview?from={from}&to={to}&interval=1h&browser=Firefox&environment=production"),
        // Project 2 also has the event the paging check added.
        format!("/api/2/overview?from={from}&to={to}&interval=1d"),
    ];
    for query in &queries {
        same(query, &sqlite.ok(query), &clickhouse.ok(query));
    }

    let answer = sqlite.ok(&queries[0]);
    let now = fixture.in_range(from, to);
    let before = fixture.in_range(from - 2 * HOUR, from);
    let counts = count_by_type(&now);
    let page_views = counts["page_view"];
    assert_eq!(totals(&answer, "events")["value"], now.len() as u64);
    assert_eq!(totals(&answer, "events")["previous"], before.len() as u64);
    assert_eq!(totals(&answer, "page_views")["value"], page_views);
    assert_eq!(
        totals(&answer, "page_views")["previous"],
        count_by_type(&before)["page_view"]
    );
    assert_eq!(totals(&answer, "unique_visitors")["value"], visitors(&now));
    let (sessions, duration, bounce) = session_figures(&now);
    assert_eq!(totals(&answer, "sessions")["value"], sessions);
    near(
        "average session",
        &totals(&answer, "avg_session_duration_ms")["value"],
        duration.unwrap(),
    );
    near(
        "bounce rate",
        &totals(&answer, "bounce_rate")["value"],
        bounce.unwrap(),
    );
    assert!(
        bounce.unwrap() > 0.0 && bounce.unwrap() < 1.0,
        "the fixture has some bounces"
    );
    let (_, previous_duration, _) = session_figures(&before);
    let change = totals(&answer, "avg_session_duration_ms")["change"]
        .as_f64()
        .unwrap();
    near(
        "duration change",
        &change.into(),
        duration.unwrap() / previous_duration.unwrap() - 1.0,
    );
    let errors = counts["error"] as f64;
    near(
        "error rate",
        &totals(&answer, "error_rate")["value"],
        errors * 1000.0 / page_views as f64,
    );

    let by_type: Vec<(&str, u64)> = answer["events_by_type"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["type"].as_str().unwrap(), t["value"].as_u64().unwrap()))
        .collect();
    for (kind, n) in &counts {
        assert!(
            by_type.contains(&(kind.as_str(), *n)),
            "{kind}: {by_type:?}"
        );
    }

    // Two hourly buckets that add up to the totals.
    let series = answer["series"].as_array().unwrap();
    assert_eq!(series.len(), 2);
    assert_eq!(series[0]["t"], from);
    let views: u64 = series
        .iter()
        .map(|p| p["page_views"].as_u64().unwrap())
        .sum();
    assert_eq!(views, page_views);
    let in_sessions: u64 = series.iter().map(|p| p["sessions"].as_u64().unwrap()).sum();
    assert_eq!(
        in_sessions, sessions,
        "each session in the bucket it started in"
    );

    let checkout = sqlite.ok(&queries[2]);
    let on_checkout: Vec<&Value> = now
        .iter()
        .copied()
        .filter(|e| path(e) == "/checkout")
        .collect();
    assert_eq!(
        totals(&checkout, "events")["value"],
        on_checkout.len() as u64
    );
    let quarter = sqlite.ok(&queries[1]);
    assert_eq!(quarter["series"].as_array().unwrap().len(), 8);
}
