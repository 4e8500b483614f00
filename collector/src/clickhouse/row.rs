//! One event as a row of `events`: the columns queries filter and group by, pulled out of the
//! event, plus the whole event as JSON so that nothing the SDK sent is lost.
//!
//! The field order is the column order: plain `RowBinary` carries no names.

use ::clickhouse::Row;
use serde::Serialize;
use serde_json::Value;

use crate::kafka::message::EventMessage;
use crate::validate::EventType;

#[derive(Clone, Debug, PartialEq, Row, Serialize)]
pub struct EventRow {
    pub project_id: u64,
    pub event_id: String,
    #[serde(rename = "type")]
    pub event_type: String,
    /// `DateTime`: seconds since the epoch.
    pub timestamp: u32,
    pub timestamp_ms: f64,
    pub received_at: u32,
    pub received_at_ms: u64,
    pub level: String,
    pub release: String,
    pub environment: String,
    pub user_id: String,
    pub session_id: String,
    pub page_url: String,
    pub message: String,
    pub payload: String,
}

impl EventRow {
    /// Maps a decoded message. Absent optional fields become empty strings (ClickHouse
    /// compares and groups those faster than `Nullable`).
    pub fn from_message(message: &EventMessage) -> EventRow {
        let event = &message.event;
        let received_at_ms = u64::try_from(message.received_at).unwrap_or(0);
        EventRow {
            project_id: message.project_id,
            event_id: message.event_id.clone(),
            event_type: message.event_type.as_str().to_owned(),
            timestamp: seconds(message.timestamp),
            timestamp_ms: message.timestamp,
            received_at: seconds(received_at_ms as f64),
            received_at_ms,
            level: text(event, &["level"]),
            release: text(event, &["release"]),
            environment: text(event, &["environment"]),
            user_id: text(event, &["user", "id"]),
            session_id: text(event, &["user", "session_id"]),
            page_url: text(event, &["page", "url"]),
            message: headline(message.event_type, event),
            payload: event.to_string(),
        }
    }
}

/// `DateTime` holds whole seconds from 1970 to 2106; a wild client clock is clamped into it.
fn seconds(ms: f64) -> u32 {
    (ms / 1000.0).clamp(0.0, f64::from(u32::MAX)) as u32
}

fn text(event: &Value, path: &[&str]) -> String {
    let mut value = event;
    for key in path {
        match value.get(key) {
            Some(next) => value = next,
            None => return String::new(),
        }
    }
    value.as_str().unwrap_or_default().to_owned()
}

/// The one line that names the event in lists: what a person would search for.
fn headline(event_type: EventType, event: &Value) -> String {
    match event_type {
        EventType::Error => {
            let first = event.pointer("/exception/values/0").unwrap_or(&Value::Null);
            let value = text(first, &["value"]);
            if value.is_empty() {
                text(first, &["type"])
            } else {
                value
            }
        }
        EventType::Message => text(event, &["message"]),
        EventType::Custom | EventType::WebVital => text(event, &["name"]),
        EventType::ResourceError => text(event, &["resource", "url"]),
        EventType::HttpError => text(event, &["http", "url"]),
        EventType::Click | EventType::RageClick | EventType::FormSubmit => text(event, &["target"]),
        EventType::PageView => text(event, &["page", "url"]),
        EventType::TimeOnPage | EventType::ResourceTiming => String::new(),
        EventType::NavigationTiming => text(event, &["navigation_type"]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kafka::message::{decode, encode};
    use serde_json::json;

    #[test]
    fn maps_the_contract_fields() {
        let event = json!({
            "event_id": "c".repeat(32), "type": "error", "timestamp": 1_763_870_000_123.5,
            "level": "error", "release": "r1", "environment": "prod",
            "user": {"id": "u1", "session_id": "s1"}, "page": {"url": "https://a.example/x"},
            "exception": {"values": [{"type": "TypeError", "value": "x is not a function"}]}
        });
        let row = EventRow::from_message(&decode(&encode(3, 1_763_870_001_000, &event)).unwrap());
        assert_eq!(row.project_id, 3);
        assert_eq!(row.event_type, "error");
        assert_eq!(row.timestamp, 1_763_870_000);
        assert_eq!(row.timestamp_ms, 1_763_870_000_123.5);
        assert_eq!(
            (row.received_at, row.received_at_ms),
            (1_763_870_001, 1_763_870_001_000)
        );
        assert_eq!(
            (row.user_id.as_str(), row.session_id.as_str()),
            ("u1", "s1")
        );
        assert_eq!(row.page_url, "https://a.example/x");
        assert_eq!(row.message, "x is not a function");
        assert_eq!(serde_json::from_str::<Value>(&row.payload).unwrap(), event);
    }

    /// The `web_vitals_per_minute` view (migrations.rs) reads the value from the payload's
    /// *last* `"value":`, which is the top-level one only while serde_json writes keys sorted
    /// (no `preserve_order` feature anywhere in the build) and the event's own value is a number.
    #[test]
    fn payload_keys_are_sorted_so_the_top_level_value_comes_last() {
        let event = json!({
            "value": 1234.5, "name": "LCP", "type": "web_vital", "event_id": "e".repeat(32),
            "timestamp": 1_763_870_000_000u64, "attribution": {"value": 1, "name": "a"},
            "breadcrumbs": [{"data": {"value": 2, "name": "b"}}], "extra": {"value": 3},
            "tags": {"k": "v"}, "user": {"id": "u"}
        });
        let row = EventRow::from_message(&decode(&encode(1, 1, &event)).unwrap());
        let last = row.payload.rfind("\"value\":").unwrap();
        assert_eq!(&row.payload[last..], "\"value\":1234.5}");
        assert_eq!(row.message, "LCP");
    }

    #[test]
    fn clamps_wild_clocks() {
        assert_eq!(seconds(-5.0), 0);
        assert_eq!(seconds(1e20), u32::MAX);
    }
}
