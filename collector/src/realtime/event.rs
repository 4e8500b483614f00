//! The few fields of an event that cleaning and the live aggregates look at, taken once from
//! the event and its [`Facts`] (the same values the stores group by, so a live Top-N of pages
//! and the query API's page list agree).

use serde_json::Value;

use crate::clickhouse::EventRow;
use crate::facts::{text, Facts};
use crate::validate::EventType;

#[derive(Clone, Debug, PartialEq)]
pub struct LiveEvent {
    pub project_id: u64,
    pub event_id: String,
    pub event_type: EventType,
    /// The event's own time, ms since the epoch.
    pub timestamp_ms: f64,
    /// When the collector accepted it, ms since the epoch.
    pub received_at_ms: i64,
    /// A web vital's or custom event's `name`; empty for the other types.
    pub name: String,
    /// A web vital's value (see [`Facts::value`]).
    pub value: f64,
    pub page_path: String,
    pub page_url: String,
    /// An error's issue fingerprint.
    pub fingerprint: String,
    pub visitor_id: String,
    pub session_id: String,
    pub user_agent: String,
    pub release: String,
    pub environment: String,
}

impl LiveEvent {
    /// From an event as sent, computing its facts.
    pub fn of(
        project_id: u64,
        received_at_ms: i64,
        event_id: &str,
        event_type: EventType,
        timestamp_ms: f64,
        event: &Value,
    ) -> LiveEvent {
        let facts = Facts::of(event_type, event);
        LiveEvent {
            project_id,
            event_id: event_id.to_owned(),
            event_type,
            timestamp_ms,
            received_at_ms,
            name: named(event_type, &facts.message),
            value: facts.value,
            page_path: facts.page_path,
            page_url: facts.page_url,
            fingerprint: facts.fingerprint,
            visitor_id: facts.visitor_id,
            session_id: facts.session_id,
            user_agent: text(event, &["browser", "user_agent"]),
            release: facts.release,
            environment: facts.environment,
        }
    }

    /// From a row the consumer built (its facts are computed already) and the event it came
    /// from (for the user agent, which rows keep parsed only).
    pub fn from_row(row: &EventRow, event_type: EventType, event: &Value) -> LiveEvent {
        LiveEvent {
            project_id: row.project_id,
            event_id: row.event_id.clone(),
            event_type,
            timestamp_ms: row.timestamp_ms,
            received_at_ms: i64::try_from(row.received_at_ms).unwrap_or(i64::MAX),
            name: named(event_type, &row.message),
            value: row.value,
            page_path: row.page_path.clone(),
            page_url: row.page_url.clone(),
            fingerprint: row.fingerprint.clone(),
            visitor_id: row.visitor_id.clone(),
            session_id: row.session_id.clone(),
            user_agent: text(event, &["browser", "user_agent"]),
            release: row.release.clone(),
            environment: row.environment.clone(),
        }
    }

    /// The minute the event happened in, as seconds since the epoch (the window key).
    pub fn minute(&self) -> i64 {
        floor_to(self.timestamp_ms, 60)
    }

    pub fn hour(&self) -> i64 {
        floor_to(self.timestamp_ms, 3600)
    }

    pub fn day(&self) -> i64 {
        floor_to(self.timestamp_ms, 86_400)
    }
}

fn named(event_type: EventType, headline: &str) -> String {
    match event_type {
        EventType::WebVital | EventType::Custom => headline.to_owned(),
        _ => String::new(),
    }
}

/// Start of the `seconds`-long bucket holding `ms`, in seconds since the epoch.
pub fn floor_to(ms: f64, seconds: i64) -> i64 {
    let secs = (ms / 1000.0).floor();
    let secs = if secs.is_finite() {
        secs.clamp(0.0, 4e12) as i64
    } else {
        0
    };
    secs - secs.rem_euclid(seconds)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn takes_the_fields_cleaning_and_aggregation_need() {
        let event = json!({"type": "web_vital", "name": "LCP", "value": 1234.5,
            "page": {"url": "https://a.example/pricing?x=1"},
            "user": {"visitor_id": "v1", "session_id": "s1"},
            "browser": {"user_agent": "Googlebot/2.1"}, "release": "r1"});
        let live = LiveEvent::of(3, 10, "e1", EventType::WebVital, 125_000.0, &event);
        assert_eq!(live.name, "LCP");
        assert_eq!(live.value, 1234.5);
        assert_eq!(live.page_path, "/pricing");
        assert_eq!(live.visitor_id, "v1");
        assert_eq!(live.user_agent, "Googlebot/2.1");
        assert_eq!((live.minute(), live.hour(), live.day()), (120, 0, 0));
        let click = LiveEvent::of(3, 10, "e2", EventType::Click, 0.0, &json!({"target": "#b"}));
        assert_eq!(click.name, "", "only vitals and custom events have a name");
    }

    #[test]
    fn buckets_clamp_wild_clocks() {
        assert_eq!(floor_to(-5.0, 60), 0);
        assert_eq!(floor_to(f64::NAN, 60), 0);
        assert_eq!(floor_to(3_599_999.0, 3600), 0);
        assert_eq!(floor_to(3_600_000.0, 3600), 3600);
    }
}
