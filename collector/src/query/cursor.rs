//! The position in an event list: `(timestamp, event_id)` of the last event of a page.
//!
//! Lists are ordered by the event's own timestamp, newest first, with the id breaking ties,
//! and the next page asks for what sorts strictly after that position. So a page boundary
//! does not move when events arrive meanwhile (keyset pagination): nothing is shown twice or
//! skipped, whatever was inserted. An offset would shift by every insert. An event that
//! arrives late with an old timestamp shows up in the pages still to come, where it belongs.
//!
//! The text form is `{timestamp}_{event_id}`, the timestamp written as the shortest decimal
//! that reads back as the same `f64`, so both stores compare it exactly.

use std::fmt;

#[derive(Clone, Debug, PartialEq)]
pub struct Cursor {
    pub timestamp: f64,
    pub event_id: String,
}

impl Cursor {
    pub fn parse(text: &str) -> Option<Cursor> {
        let (timestamp, event_id) = text.rsplit_once('_')?;
        let timestamp: f64 = timestamp.parse().ok()?;
        let hex = event_id.len() == 32
            && event_id
                .bytes()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        (timestamp.is_finite() && timestamp > 0.0 && hex).then(|| Cursor {
            timestamp,
            event_id: event_id.to_owned(),
        })
    }

    /// The cursor after `event` (a stored event), if it has the fields.
    pub fn after(event: &serde_json::Value) -> Option<Cursor> {
        Some(Cursor {
            timestamp: event.get("timestamp")?.as_f64()?,
            event_id: event.get("event_id")?.as_str()?.to_owned(),
        })
    }
}

impl fmt::Display for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}_{}", self.timestamp, self.event_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_exactly() {
        for timestamp in [1_763_870_000_123.456, 1_763_870_000_123.0, 0.1 + 0.2] {
            let cursor = Cursor {
                timestamp,
                event_id: "a".repeat(32),
            };
            assert_eq!(Cursor::parse(&cursor.to_string()), Some(cursor));
        }
        assert_eq!(
            Cursor::parse(&format!("1763870000123_{}", "b".repeat(32)))
                .unwrap()
                .timestamp,
            1_763_870_000_123.0
        );
    }

    #[test]
    fn refuses_what_it_did_not_write() {
        let id = "a".repeat(32);
        for bad in [
            String::new(),
            id.clone(),
            format!("x_{id}"),
            format!("-5_{id}"),
            format!("inf_{id}"),
            format!("NaN_{id}"),
            "5_abc".to_owned(),
            format!("5_{}", "A".repeat(32)),
            format!("5_{id}' OR 1=1"),
        ] {
            assert_eq!(Cursor::parse(&bad), None, "{bad}");
        }
    }
}
