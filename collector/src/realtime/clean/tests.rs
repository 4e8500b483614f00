use serde_json::json;

use super::*;

fn cleaner(config: CleaningConfig) -> Cleaner {
    Cleaner::new(&config)
}

fn vital(name: &str, value: f64) -> LiveEvent {
    let event = json!({"type": "web_vital", "name": name, "value": value});
    LiveEvent::of(
        1,
        1_000_000,
        &format!("{name}{value}"),
        EventType::WebVital,
        999_000.0,
        &event,
    )
}

fn page_view(id: &str, url: &str, ua: &str) -> LiveEvent {
    let event = json!({"type": "page_view", "page": {"url": url}, "browser": {"user_agent": ua},
        "release": "r1", "environment": "prod"});
    LiveEvent::of(1, 1_000_000, id, EventType::PageView, 999_000.0, &event)
}

fn reason(result: Result<(), Dropped>) -> Option<(&'static str, &'static str)> {
    result.err().map(|d| (d.rule, d.reason))
}

#[test]
fn vitals_outside_physical_bounds_are_outliers() {
    let mut c = cleaner(CleaningConfig::default());
    assert_eq!(reason(c.judge(&vital("LCP", 1200.0))), None);
    assert_eq!(
        reason(c.judge(&vital("LCP", 60_000.5))),
        Some(("outlier", "vital_too_large"))
    );
    assert_eq!(
        reason(c.judge(&vital("INP", 61_000.0))),
        Some(("outlier", "vital_too_large"))
    );
    assert_eq!(
        reason(c.judge(&vital("TTFB", -1.0))),
        Some(("outlier", "negative_vital"))
    );
    assert_eq!(
        reason(c.judge(&vital("CLS", 10.5))),
        Some(("outlier", "cls_too_large"))
    );
    assert_eq!(
        reason(c.judge(&vital("CLS", 9.0))),
        None,
        "a CLS of 9 is bad, not impossible"
    );
}

#[test]
fn timestamps_too_far_from_arrival_are_outliers() {
    let mut c = cleaner(CleaningConfig {
        max_future_secs: 60,
        max_past_secs: 3600,
        ..CleaningConfig::default()
    });
    let mut event = page_view("a", "https://a.example/", "");
    event.timestamp_ms = event.received_at_ms as f64 + 61_000.0;
    assert_eq!(
        reason(c.judge(&event)),
        Some(("outlier", "future_timestamp"))
    );
    event.timestamp_ms = event.received_at_ms as f64 - 3_601_000.0;
    assert_eq!(reason(c.judge(&event)), Some(("outlier", "past_timestamp")));
    event.timestamp_ms = event.received_at_ms as f64 + 59_000.0;
    assert_eq!(reason(c.judge(&event)), None);
}

#[test]
fn filters_drop_bots_and_configured_releases_environments_and_urls() {
    let mut c = cleaner(CleaningConfig {
        drop_releases: vec!["canary".into()],
        drop_environments: vec!["staging".into()],
        drop_url_patterns: vec![r"^https?://localhost[:/]".into()],
        ..CleaningConfig::default()
    });
    let bot = page_view(
        "1",
        "https://a.example/",
        "Googlebot/2.1 (+http://www.google.com/bot.html)",
    );
    assert_eq!(reason(c.judge(&bot)), Some(("filter", "bot")));
    let mut canary = page_view("2", "https://a.example/", "");
    canary.release = "canary".into();
    assert_eq!(reason(c.judge(&canary)), Some(("filter", "release")));
    let mut staging = page_view("3", "https://a.example/", "");
    staging.environment = "staging".into();
    assert_eq!(reason(c.judge(&staging)), Some(("filter", "environment")));
    let local = page_view("4", "http://localhost:3000/x", "");
    assert_eq!(reason(c.judge(&local)), Some(("filter", "url")));
    assert_eq!(
        reason(c.judge(&page_view("5", "https://a.example/", ""))),
        None
    );
}

#[test]
fn a_second_copy_is_a_duplicate_and_counted() {
    let mut c = cleaner(CleaningConfig::default());
    let before = metrics::global()
        .realtime
        .dropped_count("duplicate", "event_id");
    let event = page_view("dup-1", "https://a.example/", "");
    assert_eq!(reason(c.judge(&event)), None);
    assert_eq!(reason(c.judge(&event)), Some(("duplicate", "event_id")));
    assert!(
        metrics::global()
            .realtime
            .dropped_count("duplicate", "event_id")
            > before
    );
    let mut c = cleaner(CleaningConfig {
        duplicate_window_secs: 0,
        ..CleaningConfig::default()
    });
    assert_eq!(reason(c.judge(&event)), None);
    assert_eq!(reason(c.judge(&event)), None, "the rule can be turned off");
}

#[test]
fn an_event_dropped_by_a_filter_is_not_remembered_as_seen() {
    let mut c = cleaner(CleaningConfig::default());
    let bot = page_view("same", "https://a.example/", "curl/8.0");
    assert_eq!(reason(c.judge(&bot)), Some(("filter", "bot")));
    assert_eq!(
        reason(c.judge(&bot)),
        Some(("filter", "bot")),
        "dropped for the same reason again"
    );
}

#[test]
fn a_forgotten_event_is_no_duplicate_when_it_comes_again() {
    let mut c = cleaner(CleaningConfig::default());
    let event = page_view("retried", "https://a.example/", "");
    assert_eq!(reason(c.judge(&event)), None);
    c.forget(std::slice::from_ref(&event));
    assert_eq!(
        reason(c.judge(&event)),
        None,
        "the store refused it: its retry is kept"
    );
    assert_eq!(reason(c.judge(&event)), Some(("duplicate", "event_id")));
}
