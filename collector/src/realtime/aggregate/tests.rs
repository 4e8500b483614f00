use serde_json::json;

use super::*;
use crate::realtime::keys::{Board, Per, Stat, UniqueOf};
use crate::validate::EventType;

const MINUTE: f64 = 1_796_169_600_000.0; // 2026-12-02T00:00Z

fn plan() -> Plan {
    Plan {
        keys: Keys::new("m"),
        window_ttl: 3600,
        daily_ttl: 86_400,
    }
}

fn event(id: &str, event_type: EventType, at_ms: f64, body: serde_json::Value) -> LiveEvent {
    LiveEvent::of(1, 0, id, event_type, at_ms, &body)
}

fn all() -> Aggregators {
    Aggregators::new(plan(), &RealtimeConfig::default())
}

#[test]
fn every_aggregator_counts_a_known_stream() {
    let user = |v: &str, s: &str| json!({"visitor_id": v, "session_id": s});
    let events = [
        event(
            "a",
            EventType::PageView,
            MINUTE + 1.0,
            json!({"page": {"url": "https://x.example/a"}, "user": user("v1", "s1")}),
        ),
        event(
            "b",
            EventType::PageView,
            MINUTE + 61_000.0,
            json!({"page": {"url": "https://x.example/a?q"}, "user": user("v2", "s2")}),
        ),
        event(
            "c",
            EventType::Error,
            MINUTE + 62_000.0,
            json!({"page": {"url": "https://x.example/b"}, "user": user("v1", "s1"),
            "exception": {"values": [{"type": "TypeError", "value": "x is undefined"}]}}),
        ),
        event(
            "d",
            EventType::WebVital,
            MINUTE + 63_000.0,
            json!({"name": "LCP", "value": 1000.0, "user": user("v2", "s2")}),
        ),
        event(
            "e",
            EventType::WebVital,
            MINUTE + 64_000.0,
            json!({"name": "LCP", "value": 3000.0, "user": user("v2", "s3")}),
        ),
        event(
            "f",
            EventType::Custom,
            MINUTE + 65_000.0,
            json!({"name": "signup", "user": user("v3", "s4")}),
        ),
    ];
    let ops = all().ops(&events);
    let keys = plan().keys;
    let hash = |key: String, field: &str| ops.hash_incr.get(&(key, field.to_owned())).copied();
    let counters = keys.counters(1);
    assert_eq!(hash(counters.clone(), "total"), Some(6));
    assert_eq!(hash(counters.clone(), "page_view"), Some(2));
    assert_eq!(hash(counters.clone(), "custom:signup"), Some(1));
    let first = keys.window(1, Stat::Events, (MINUTE / 1000.0) as i64);
    let second = keys.window(1, Stat::Events, (MINUTE / 1000.0) as i64 + 60);
    assert_eq!(hash(first.clone(), "total"), Some(1));
    assert_eq!(hash(second.clone(), "total"), Some(5));
    assert_eq!(hash(second.clone(), "error"), Some(1));
    let vitals = keys.window(1, Stat::Vitals, (MINUTE / 1000.0) as i64 + 60);
    assert_eq!(hash(vitals.clone(), "LCP:count"), Some(2));
    assert_eq!(
        ops.hash_incr_float
            .get(&(vitals.clone(), "LCP:sum".to_owned())),
        Some(&4000.0)
    );
    assert_eq!(ops.expire.get(&first), Some(&3600));
    assert_eq!(ops.expire.get(&vitals), Some(&3600));

    let day = (MINUTE / 1000.0) as i64;
    let score = |board: Board, member: &str| {
        ops.sorted_incr
            .get(&(keys.leaderboard(1, board, day), member.to_owned()))
            .copied()
    };
    assert_eq!(score(Board::PagesByViews, "/a"), Some(2.0));
    assert_eq!(score(Board::PagesByErrors, "/b"), Some(1.0));
    assert_eq!(score(Board::CustomEvents, "signup"), Some(1.0));
    assert_eq!(score(Board::ActiveUsers, "v2"), Some(3.0));
    let fingerprint = &events[2].fingerprint;
    assert!(!fingerprint.is_empty());
    assert_eq!(score(Board::Issues, fingerprint), Some(1.0));

    let members = |of, per, start| {
        ops.hll_add
            .get(&keys.uniques(1, of, per, start))
            .map(|m| m.len())
    };
    assert_eq!(members(UniqueOf::Visitors, Per::Day, day), Some(3));
    assert_eq!(members(UniqueOf::Sessions, Per::Day, day), Some(4));
    assert_eq!(members(UniqueOf::Visitors, Per::Minute, day), Some(1));
    assert_eq!(
        ops.expire
            .get(&keys.uniques(1, UniqueOf::Visitors, Per::Day, day)),
        Some(&86_400)
    );
}

#[test]
fn only_the_configured_aggregators_run() {
    let config = RealtimeConfig {
        aggregators: vec!["counters".into()],
        ..RealtimeConfig::default()
    };
    let aggregators = Aggregators::new(plan(), &config);
    let events = [event(
        "a",
        EventType::PageView,
        MINUTE,
        json!({"user": {"visitor_id": "v"}}),
    )];
    let ops = aggregators.ops(&events);
    assert_eq!(ops.hash_incr.len(), 2, "{ops:?}");
    assert!(ops.sorted_incr.is_empty() && ops.hll_add.is_empty());
    let none = RealtimeConfig {
        aggregators: vec![],
        ..RealtimeConfig::default()
    };
    assert!(Aggregators::new(plan(), &none).is_empty());
}
