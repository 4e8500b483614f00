//! One event as a row of `events`: the columns queries filter and group by, pulled out of the
//! event ([`Facts`], the same ones the embedded store keeps), plus the whole event as JSON so
//! that nothing the SDK sent is lost.
//!
//! The field order is the column order: plain `RowBinary` carries no types, and the insert
//! names the columns, so the fields after `payload` (migration 9) may come in any order
//! relative to the table's, but each must exist there.

use ::clickhouse::Row;
use serde::Serialize;

use crate::facts::Facts;
use crate::kafka::message::EventMessage;

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
    // Migration 9: the query API's columns.
    pub visitor_id: String,
    pub page_path: String,
    pub referrer_host: String,
    pub browser: String,
    pub os: String,
    pub device: String,
    pub value: f64,
    pub rating: String,
    pub metric_id: String,
    // Migration 10.
    pub fingerprint: String,
    // Migration 13.
    pub attribution: String,
}

impl EventRow {
    /// Maps a decoded message. Absent optional fields become empty strings (ClickHouse
    /// compares and groups those faster than `Nullable`).
    pub fn from_message(message: &EventMessage) -> EventRow {
        let event = &message.event;
        let received_at_ms = u64::try_from(message.received_at).unwrap_or(0);
        let facts = Facts::of(message.event_type, event);
        EventRow {
            project_id: message.project_id,
            event_id: message.event_id.clone(),
            event_type: message.event_type.as_str().to_owned(),
            timestamp: seconds(message.timestamp),
            timestamp_ms: message.timestamp,
            received_at: seconds(received_at_ms as f64),
            received_at_ms,
            level: facts.level,
            release: facts.release,
            environment: facts.environment,
            user_id: facts.user_id,
            session_id: facts.session_id,
            page_url: facts.page_url,
            message: facts.message,
            payload: event.to_string(),
            visitor_id: facts.visitor_id,
            page_path: facts.page_path,
            referrer_host: facts.referrer_host,
            browser: facts.browser,
            os: facts.os,
            device: facts.device,
            value: facts.value,
            rating: facts.rating,
            metric_id: facts.metric_id,
            fingerprint: facts.fingerprint,
            attribution: facts.attribution,
        }
    }
}

/// `DateTime` holds whole seconds from 1970 to 2106; a wild client clock is clamped into it.
fn seconds(ms: f64) -> u32 {
    (ms / 1000.0).clamp(0.0, f64::from(u32::MAX)) as u32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kafka::message::{decode, encode};
    use serde_json::{json, Value};

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
