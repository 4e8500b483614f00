//! Dedupe: drops an error that repeats the previous one.
//!
//! A failing render loop or a retrying timer throws the same error many times a second; one
//! event says all there is to say, and the rest would eat the user's quota and the page's
//! bandwidth. Two errors are the same when their type, message and frames match.

use alloc::string::String;
use alloc::vec::Vec;
use monitor_sdk_core::{Event, Integration};

#[derive(Default)]
pub struct Dedupe {
    last: Option<Fingerprint>,
}

#[derive(PartialEq)]
struct Fingerprint {
    ty: String,
    value: String,
    frames: Vec<(String, Option<u32>, Option<u32>)>,
}

fn fingerprint(event: &Event) -> Option<Fingerprint> {
    let exception = event.exceptions.first()?;
    Some(Fingerprint {
        ty: exception.ty.clone(),
        value: exception.value.clone(),
        frames: exception
            .frames
            .iter()
            .map(|f| (f.filename.clone(), f.lineno, f.colno))
            .collect(),
    })
}

impl Integration for Dedupe {
    fn name(&self) -> &'static str {
        "Dedupe"
    }

    fn process_event(&mut self, event: &mut Event) -> bool {
        let Some(current) = fingerprint(event) else {
            return true;
        };
        if self.last.as_ref() == Some(&current) {
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
