//! The Kafka message of one accepted event: its key and its value.
//!
//! The value is `{"v": 1, "project_id", "received_at", "event"}`, where `event` is the event
//! exactly as the SDK sent it (the same JSON the embedded store keeps). The collector's own
//! facts sit beside the event, not inside it, so they can never collide with a field a newer
//! SDK sends; `v` lets a later format be told apart.
//!
//! The key is `{project_id}:{event_id}`. librdkafka's partitioner hashes it, so events spread
//! over the partitions, while every redelivery of one event (a retried batch) lands on the same
//! partition, next to its first copy.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::config::MAX_PROJECT_ID;
use crate::validate::{validate_event, EventType};

/// The format version this collector writes and reads.
pub const VERSION: u32 = 1;

#[derive(Serialize)]
struct Outgoing<'a> {
    v: u32,
    project_id: u64,
    received_at: i64,
    event: &'a Value,
}

#[derive(Deserialize)]
struct Incoming {
    v: u32,
    project_id: u64,
    received_at: i64,
    event: Value,
}

/// A decoded message, checked again against the protocol.
#[derive(Debug)]
pub struct EventMessage {
    pub project_id: u64,
    /// Milliseconds since the epoch at which the collector accepted the event.
    pub received_at: i64,
    pub event_id: String,
    pub event_type: EventType,
    /// The event's own `timestamp`, milliseconds since the epoch.
    pub timestamp: f64,
    /// The event as sent.
    pub event: Value,
}

/// The message key of an event.
pub fn key(project_id: u64, event_id: &str) -> String {
    format!("{project_id}:{event_id}")
}

/// The message value of an event.
pub fn encode(project_id: u64, received_at: i64, event: &Value) -> Vec<u8> {
    let outgoing = Outgoing {
        v: VERSION,
        project_id,
        received_at,
        event,
    };
    // Serializing a `Value` cannot fail: its map keys are strings.
    serde_json::to_vec(&outgoing).unwrap_or_default()
}

/// Reads a message value. The event is validated again because the topic may hold messages
/// from another producer or an older collector; what comes out is safe to map to a row.
pub fn decode(bytes: &[u8]) -> Result<EventMessage, String> {
    let incoming: Incoming = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
    if incoming.v != VERSION {
        return Err(format!("unknown message version {}", incoming.v));
    }
    if incoming.project_id == 0 || incoming.project_id > MAX_PROJECT_ID {
        return Err(format!("project_id {} out of range", incoming.project_id));
    }
    let (event_id, event_type, timestamp) = validate_event(0, &incoming.event)?;
    Ok(EventMessage {
        project_id: incoming.project_id,
        received_at: incoming.received_at,
        event_id,
        event_type,
        timestamp,
        event: incoming.event,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn round_trips_and_keeps_the_event_untouched() {
        let event = json!({"event_id": "a".repeat(32), "type": "custom", "timestamp": 1.5,
                           "name": "n", "received_at": "theirs"});
        let bytes = encode(7, 123, &event);
        let message = decode(&bytes).unwrap();
        assert_eq!(message.project_id, 7);
        assert_eq!(message.received_at, 123);
        assert_eq!(message.event_type, EventType::Custom);
        assert_eq!(message.timestamp, 1.5);
        assert_eq!(message.event, event);
        assert_eq!(key(7, &message.event_id), format!("7:{}", "a".repeat(32)));
    }

    #[test]
    fn refuses_what_it_cannot_map() {
        assert!(decode(b"not json").is_err());
        let event = json!({"event_id": "a".repeat(32), "type": "custom", "timestamp": 1});
        assert!(decode(&encode(1, 1, &event)).unwrap_err().contains("name"));
        let wrong = json!({"v": 2, "project_id": 1, "received_at": 1, "event": event});
        assert!(decode(wrong.to_string().as_bytes()).is_err());
    }
}
