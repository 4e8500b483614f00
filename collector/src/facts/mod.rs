//! What the query side needs from an event, pulled out once when the event is written.
//!
//! Both stores keep these facts as plain columns next to the event as sent (SQLite's
//! `events` table, ClickHouse's `events` table), so that queries filter and group by columns
//! instead of digging in JSON, and, more importantly, so that both stores group by *the same*
//! values: the user agent is parsed, the URL cut to its path and the visitor chosen here, in
//! Rust, not by two SQL dialects that would disagree at the edges. One function
//! ([`Facts::of`]) is the only definition.

mod url;
mod useragent;

use serde_json::Value;

use crate::validate::EventType;

pub use url::{external_referrer, host, path};
pub use useragent::{classify, Client};

/// The derived columns of one event. Absent values are empty strings or 0.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Facts {
    /// The one line that names the event in lists, and what free-text search looks at.
    pub message: String,
    pub level: String,
    pub release: String,
    pub environment: String,
    pub user_id: String,
    /// Who, for unique visitors and users affected: `user.visitor_id` (the SDK's anonymous
    /// id), else `user.id`.
    pub visitor_id: String,
    pub session_id: String,
    pub page_url: String,
    /// `page.url` without origin, query and fragment: what the `page` filter matches.
    pub page_path: String,
    /// Host of `page.referrer` when it is another site's (see [`external_referrer`]).
    pub referrer_host: String,
    pub browser: String,
    pub os: String,
    /// `mobile`, `tablet` or `desktop`.
    pub device: String,
    /// The event's number: a web vital's `value`, `time_on_page`'s `duration`,
    /// `rage_click`'s `count`, `http_error`'s `http.duration`; else 0.
    pub value: f64,
    /// A web vital's `rating`.
    pub rating: String,
    /// A web vital's `id` (one per metric instance and page load), so that several reports
    /// of one instance count once.
    pub metric_id: String,
    /// An error's issue ([`crate::grouping::fingerprint`]); empty for other events.
    pub fingerprint: String,
    /// What a web vital blames, to group reports by: LCP's element (`attribution.target`),
    /// INP's interaction target, CLS's largest shift target; empty for other events.
    pub attribution: String,
}

impl Facts {
    pub fn of(event_type: EventType, event: &Value) -> Facts {
        let page_url = text(event, &["page", "url"]);
        let referrer = text(event, &["page", "referrer"]);
        let visitor = text(event, &["user", "visitor_id"]);
        let user_id = text(event, &["user", "id"]);
        let viewport_width = event.pointer("/browser/viewport/w").and_then(Value::as_f64);
        let client = classify(&text(event, &["browser", "user_agent"]), viewport_width);
        let (value, rating, metric_id) = match event_type {
            EventType::WebVital => {
                let value = number(event, &["value"]);
                let rating = match text(event, &["rating"]) {
                    given if given.is_empty() => rate(&text(event, &["name"]), value),
                    given => given,
                };
                (value, rating, text(event, &["id"]))
            }
            EventType::TimeOnPage => (number(event, &["duration"]), String::new(), String::new()),
            EventType::RageClick => (number(event, &["count"]), String::new(), String::new()),
            EventType::HttpError => (
                number(event, &["http", "duration"]),
                String::new(),
                String::new(),
            ),
            _ => (0.0, String::new(), String::new()),
        };
        Facts {
            message: headline(event_type, event),
            level: text(event, &["level"]),
            release: text(event, &["release"]),
            environment: text(event, &["environment"]),
            visitor_id: if visitor.is_empty() {
                user_id.clone()
            } else {
                visitor
            },
            user_id,
            session_id: text(event, &["user", "session_id"]),
            page_path: path(&page_url),
            referrer_host: external_referrer(&page_url, &referrer),
            page_url,
            browser: client.browser,
            os: client.os,
            device: client.device,
            value,
            rating,
            metric_id,
            fingerprint: match event_type {
                EventType::Error => crate::grouping::fingerprint(event).unwrap_or_default(),
                _ => String::new(),
            },
            attribution: match event_type {
                EventType::WebVital => blamed(event),
                _ => String::new(),
            },
        }
    }
}

/// The element or interaction target a web vital's attribution names, by metric.
fn blamed(event: &Value) -> String {
    let field = match event.get("name").and_then(Value::as_str) {
        Some("LCP") => "target",
        Some("INP") => "interaction_target",
        Some("CLS") => "largest_shift_target",
        _ => return String::new(),
    };
    text(event, &["attribution", field])
}

/// The published web-vitals thresholds (docs/protocol.md): `(name, good up to, poor over)`.
const THRESHOLDS: &[(&str, f64, f64)] = &[
    ("FCP", 1800.0, 3000.0),
    ("FP", 1800.0, 3000.0),
    ("LCP", 2500.0, 4000.0),
    ("CLS", 0.1, 0.25),
    ("INP", 200.0, 500.0),
    ("TTFB", 800.0, 1800.0),
    ("TBT", 200.0, 600.0),
];

/// A vital's rating by the thresholds, for a report that came without one.
fn rate(name: &str, value: f64) -> String {
    let Some((_, good, poor)) = THRESHOLDS.iter().find(|(n, _, _)| *n == name) else {
        return String::new();
    };
    let rating = if value <= *good {
        "good"
    } else if value <= *poor {
        "needs-improvement"
    } else {
        "poor"
    };
    rating.to_owned()
}

/// The string at `path`, or empty.
pub fn text(event: &Value, path: &[&str]) -> String {
    let mut value = event;
    for key in path {
        match value.get(key) {
            Some(next) => value = next,
            None => return String::new(),
        }
    }
    value.as_str().unwrap_or_default().to_owned()
}

fn number(event: &Value, path: &[&str]) -> f64 {
    let mut value = event;
    for key in path {
        match value.get(key) {
            Some(next) => value = next,
            None => return 0.0,
        }
    }
    value.as_f64().filter(|v| v.is_finite()).unwrap_or(0.0)
}

/// The one line that names the event in lists: what a person would search for.
pub fn headline(event_type: EventType, event: &Value) -> String {
    match event_type {
        EventType::Error => {
            // The thrown error is the last value, after its causes.
            let thrown = crate::grouping::thrown(event);
            let value = text(thrown, &["value"]);
            if value.is_empty() {
                text(thrown, &["type"])
            } else {
                value
            }
        }
        EventType::Message => text(event, &["message"]),
        EventType::Custom | EventType::WebVital => text(event, &["name"]),
        EventType::ResourceError => text(event, &["resource", "url"]),
        EventType::HttpError => text(event, &["http", "url"]),
        EventType::Click | EventType::FormSubmit | EventType::RageClick => text(event, &["target"]),
        EventType::PageView => text(event, &["page", "url"]),
        EventType::TimeOnPage | EventType::ResourceTiming => String::new(),
        EventType::NavigationTiming => text(event, &["navigation_type"]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_page_view_from_a_phone() {
        let event = json!({"type": "page_view", "page": {"url": "https://shop.example/cart?x=1",
            "referrer": "https://news.example/item"},
            "user": {"id": "u1", "visitor_id": "v1", "session_id": "s1"},
            "browser": {"user_agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
                "viewport": {"w": 390, "h": 844}},
            "release": "r1", "environment": "prod"});
        let facts = Facts::of(EventType::PageView, &event);
        assert_eq!(facts.visitor_id, "v1");
        assert_eq!(facts.user_id, "u1");
        assert_eq!(facts.session_id, "s1");
        assert_eq!(facts.page_path, "/cart");
        assert_eq!(facts.referrer_host, "news.example");
        assert_eq!(
            (
                facts.browser.as_str(),
                facts.os.as_str(),
                facts.device.as_str()
            ),
            ("Safari", "iOS", "mobile")
        );
        assert_eq!(facts.message, "https://shop.example/cart?x=1");
        assert_eq!(
            (facts.release.as_str(), facts.environment.as_str()),
            ("r1", "prod")
        );
    }

    #[test]
    fn numbers_by_type_and_the_visitor_fallback() {
        let vital = json!({"name": "LCP", "value": 1234.5, "rating": "good", "id": "v1-1",
            "user": {"id": "u9"}});
        let facts = Facts::of(EventType::WebVital, &vital);
        assert_eq!((facts.value, facts.rating.as_str()), (1234.5, "good"));
        assert_eq!(
            (facts.metric_id.as_str(), facts.message.as_str()),
            ("v1-1", "LCP")
        );
        assert_eq!(
            facts.visitor_id, "u9",
            "user.id stands in for a missing visitor_id"
        );
        let time = json!({"duration": 5000, "page": {"url": "https://a.example/"}});
        assert_eq!(Facts::of(EventType::TimeOnPage, &time).value, 5000.0);
        let rage = json!({"target": "button.buy", "count": 5});
        let facts = Facts::of(EventType::RageClick, &rage);
        assert_eq!((facts.value, facts.message.as_str()), (5.0, "button.buy"));
        let http = json!({"http": {"url": "/api", "status": 500, "duration": 120.5}});
        assert_eq!(Facts::of(EventType::HttpError, &http).value, 120.5);
        assert_eq!(
            Facts::of(EventType::Click, &json!({"target": "a"})).value,
            0.0
        );
    }
}
