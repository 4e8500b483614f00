//! Web vitals: percentiles, ratings, groups, series and scores.

use std::collections::BTreeMap;

use serde_json::Value;

use super::backend::Backend;
use super::compare::{close, same, PERCENTILE_TOLERANCE};
use super::fixture::{Fixture, PAGES};
use super::oracle::{path, text, ts};

/// Interpolated like ClickHouse's `quantiles`: index `p * (n - 1)`.
fn percentile(values: &[f64], p: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let at = p * (sorted.len() - 1) as f64;
    let low = at.floor() as usize;
    let high = (low + 1).min(sorted.len() - 1);
    sorted[low] + (at - low as f64) * (sorted[high] - sorted[low])
}

/// Each metric instance's last report in the range: `(name, id) -> event`.
fn instances(fixture: &Fixture) -> BTreeMap<(String, String), &Value> {
    let mut last: BTreeMap<(String, String), &Value> = BTreeMap::new();
    for event in fixture.in_range(fixture.from(), fixture.to()) {
        if text(event, "/type") != "web_vital" {
            continue;
        }
        let key = (
            text(event, "/name").to_owned(),
            text(event, "/id").to_owned(),
        );
        let newer = last.get(&key).is_none_or(|seen| ts(event) > ts(seen));
        if newer {
            last.insert(key, event);
        }
    }
    last
}

fn find<'a>(list: &'a Value, key: &str, value: &str) -> &'a Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|m| m[key] == value)
        .unwrap_or_else(|| panic!("no {key} {value} in {list}"))
}

fn near(what: &str, actual: &Value, expected: f64) {
    let value = actual
        .as_f64()
        .unwrap_or_else(|| panic!("{what}: {actual}"));
    assert!(
        close(value, expected, PERCENTILE_TOLERANCE),
        "{what}: {value}, expected {expected}"
    );
}

pub fn check(sqlite: &Backend, clickhouse: &Backend, fixture: &Fixture) {
    let range = format!("from={}&to={}", fixture.from(), fixture.to());
    let queries = [
        format!("/api/1/vitals?{range}&interval=1h"),
        format!("/api/1/vitals?{range}&interval=30m&pages=2"),
        format!("/api/1/vitals?{range}&interval=1h&browser=Chrome"),
        format!("/api/1/vitals?{range}&interval=1h&page=/pricing&release=web@1.10.0"),
        format!("/api/1/vitals?{range}&interval=1h&device=mobile"),
    ];
    for query in &queries {
        same(query, &sqlite.ok(query), &clickhouse.ok(query));
    }
    let answer = sqlite.ok(&queries[0]);
    let last = instances(fixture);
    for name in ["LCP", "INP", "CLS", "FCP", "TTFB"] {
        let values: Vec<f64> = last
            .iter()
            .filter(|((n, _), _)| n == name)
            .map(|(_, e)| e["value"].as_f64().unwrap())
            .collect();
        let metric = find(&answer["metrics"], "name", name);
        assert_eq!(metric["count"], values.len(), "{name}: one per instance");
        for (key, p) in [
            ("p50", 0.5),
            ("p75", 0.75),
            ("p90", 0.9),
            ("p95", 0.95),
            ("p99", 0.99),
        ] {
            near(
                &format!("{name} {key}"),
                &metric[key],
                percentile(&values, p),
            );
        }
        let good = last
            .iter()
            .filter(|((n, _), e)| n == name && text(e, "/rating") == "good")
            .count();
        near(
            &format!("{name} good"),
            &metric["good"],
            good as f64 / values.len() as f64,
        );
        let shares: f64 = ["good", "needs_improvement", "poor"]
            .iter()
            .map(|k| metric[*k].as_f64().unwrap())
            .sum();
        near(&format!("{name} shares"), &shares.into(), 1.0);
    }
    let order: Vec<&str> = answer["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(order, ["LCP", "INP", "CLS", "FCP", "TTFB"]);
    let score = answer["score"]["score"].as_f64().unwrap();
    assert!((0.0..=100.0).contains(&score), "{score}");
    assert_eq!(answer["score"]["parts"].as_array().unwrap().len(), 5);

    // Pages: the most viewed first, each with its own vitals and score.
    let pages = answer["pages"].as_array().unwrap();
    assert!(!pages.is_empty());
    let views = |page: &str| {
        fixture
            .in_range(fixture.from(), fixture.to())
            .iter()
            .filter(|e| text(e, "/type") == "page_view" && path(e) == page)
            .count()
    };
    for pair in pages.windows(2) {
        assert!(pair[0]["page_views"].as_u64() >= pair[1]["page_views"].as_u64());
    }
    for page in pages {
        let key = page["key"].as_str().unwrap();
        assert!(PAGES.contains(&key), "{key}");
        assert_eq!(page["page_views"], views(key), "{key}");
        let lcp = last
            .iter()
            .filter(|((n, _), e)| n == "LCP" && path(e) == key)
            .count();
        assert_eq!(find(&page["metrics"], "name", "LCP")["count"], lcp, "{key}");
        assert!(page["score"]["score"].is_number());
    }
    assert_eq!(sqlite.ok(&queries[1])["pages"].as_array().unwrap().len(), 2);

    let devices: Vec<&str> = answer["devices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["key"].as_str().unwrap())
        .collect();
    assert_eq!(devices, ["desktop", "mobile", "tablet"]);
    // Filtered to one device, every part of the answer is that device's: the overall
    // metrics equal its group in the unfiltered answer, and its series counts add up to them.
    let mobile = sqlite.ok(&queries[4]);
    assert_eq!(
        mobile["metrics"],
        find(&answer["devices"], "key", "mobile")["metrics"]
    );
    let mobile_keys: Vec<&Value> = mobile["devices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| &d["key"])
        .collect();
    assert_eq!(mobile_keys, [&Value::from("mobile")]);
    let mobile_lcp = find(&mobile["series"], "name", "LCP")["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["count"].as_u64().unwrap())
        .sum::<u64>();
    assert_eq!(
        Value::from(mobile_lcp),
        find(&mobile["metrics"], "name", "LCP")["count"]
    );
    let browsers: Vec<&str> = answer["browsers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["key"].as_str().unwrap())
        .collect();
    assert_eq!(browsers, ["Chrome", "Firefox", "Safari"]);
    let safari_lcp = last
        .iter()
        .filter(|((n, _), e)| n == "LCP" && text(e, "/browser/user_agent").contains("iPhone"))
        .count();
    assert_eq!(
        find(
            &find(&answer["browsers"], "key", "Safari")["metrics"],
            "name",
            "LCP"
        )["count"],
        safari_lcp
    );

    // Attribution: each instance under its last report's target, with those reports' P75.
    let mut blamed: BTreeMap<(String, String), Vec<f64>> = BTreeMap::new();
    for ((name, _), event) in &last {
        let field = match name.as_str() {
            "LCP" => "/attribution/target",
            "INP" => "/attribution/interaction_target",
            "CLS" => "/attribution/largest_shift_target",
            _ => continue,
        };
        blamed
            .entry((name.clone(), text(event, field).to_owned()))
            .or_default()
            .push(event["value"].as_f64().unwrap());
    }
    let listed = answer["attribution"].as_array().unwrap();
    assert_eq!(listed.len(), blamed.len(), "{listed:?}");
    for ((name, target), values) in &blamed {
        let row = listed
            .iter()
            .find(|r| r["name"] == name.as_str() && r["target"] == target.as_str())
            .unwrap_or_else(|| panic!("{name} {target} in {listed:?}"));
        assert_eq!(row["count"], values.len(), "{name} {target}");
        near(
            &format!("{name} {target} p75"),
            &row["p75"],
            percentile(values, 0.75),
        );
    }
    assert!(
        !listed.iter().any(|r| r["target"] == "div.ad"),
        "an earlier report's target is not counted"
    );
    for pair in listed.windows(2) {
        if pair[0]["name"] == pair[1]["name"] {
            assert!(pair[0]["count"].as_u64() >= pair[1]["count"].as_u64());
        }
    }

    // The P75 series: two hours, the counts add up to the instances.
    let lcp = find(&answer["series"], "name", "LCP");
    let points = lcp["points"].as_array().unwrap();
    assert_eq!(points.len(), 2);
    let counted: u64 = points.iter().map(|p| p["count"].as_u64().unwrap()).sum();
    assert_eq!(
        counted,
        find(&answer["metrics"], "name", "LCP")["count"]
            .as_u64()
            .unwrap()
    );
}
