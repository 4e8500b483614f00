//! Dedupe: drops an error that repeats the previous one.
//!
//! A failing render loop or a retrying timer throws the same error many times a second; one
//! event says all there is to say, and the rest would eat the user's quota and the page's
//! bandwidth. Two errors are the same when their type, message and frames match.

use monitor_sdk_core::{Event, Integration};

#[derive(Default)]
pub struct Dedupe {
    last: Option<u64>,
}

/// FNV-1a over the error's type, message and frame positions. A hash rather than a copy of
/// the strings: it is all the comparison needs, and it keeps the integration small.
fn fingerprint(event: &Event) -> Option<u64> {
    let exception = event.exceptions.last()?; // the thrown one; causes come before it
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |bytes: &[u8]| {
        for b in bytes.iter().chain(&[0xff]) {
            hash = (hash ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    };
    feed(exception.ty.as_bytes());
    feed(exception.value.as_bytes());
    for frame in &exception.frames {
        feed(frame.filename.as_bytes());
        feed(&frame.lineno.unwrap_or(0).to_le_bytes());
        feed(&frame.colno.unwrap_or(0).to_le_bytes());
    }
    Some(hash)
}

impl Integration for Dedupe {
    fn name(&self) -> &'static str {
        "Dedupe"
    }

    fn process_event(&mut self, event: &mut Event) -> bool {
        let Some(current) = fingerprint(event) else {
            return true;
        };
        if self.last == Some(current) {
            return false;
        }
        self.last = Some(current);
        true
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use alloc::vec;
    use monitor_sdk_core::stack::Frame;
    use monitor_sdk_core::{Exception, Level, Mechanism};

    fn error(msg: &str, line: u32) -> Event {
        Event::error(
            Exception {
                ty: "Error".into(),
                value: msg.into(),
                mechanism: Mechanism::OnError,
                early: false,
                cross_origin: false,
                frames: vec![Frame {
                    filename: "https://a.test/app.js".into(),
                    function: "f".into(),
                    lineno: Some(line),
                    colno: Some(1),
                }],
            },
            0.0,
        )
    }

    #[test]
    fn drops_consecutive_repeats_only() {
        let mut dedupe = Dedupe::default();
        assert!(dedupe.process_event(&mut error("a", 1)));
        assert!(!dedupe.process_event(&mut error("a", 1)));
        assert!(dedupe.process_event(&mut error("a", 2)));
        assert!(dedupe.process_event(&mut error("b", 2)));
        assert!(dedupe.process_event(&mut error("a", 2)));
        // Non-error events pass and do not reset the memory.
        assert!(dedupe.process_event(&mut Event::message("m", Level::Info, 0.0)));
        assert!(!dedupe.process_event(&mut error("a", 2)));
    }
}
