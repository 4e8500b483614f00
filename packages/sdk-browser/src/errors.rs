//! Turning whatever a page throws into an `error` event.
//!
//! Pages throw `Error` objects, but also strings, plain objects and `null`, and reject promises
//! with anything. Each becomes one exception with a type, a message and, when the value has a
//! `stack`, parsed frames; when it has none, the position the browser reported for the error
//! event is used as the only frame.

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use monitor_sdk_browser_utils::js::{get, get_f64, get_string, to_display};
use monitor_sdk_core::event::{truncate, MAX_MESSAGE_BYTES};
use monitor_sdk_core::stack::{parse_stack, Frame};
use monitor_sdk_core::text::find;
use monitor_sdk_core::{Event, Exception, Mechanism};
use wasm_bindgen::JsValue;

/// Frames kept per stack: enough to see the path into the error, bounded so one deep
/// recursion cannot fill a request.
const MAX_FRAMES: usize = 50;
/// Longest stack text (bytes) parsed, so a hostile `stack` cannot keep the main thread busy.
const MAX_STACK_BYTES: usize = 16_384;

/// An exception from any thrown or rejected value.
pub fn exception_from_value(value: &JsValue, mechanism: Mechanism) -> Exception {
    let is_error_like = value.is_object() && get_string(value, "message").is_some();
    let (ty, message, frames) = if is_error_like {
        let ty = get_string(value, "name")
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "Error".to_string());
        let message = get_string(value, "message").unwrap_or_default();
        let frames = get_string(value, "stack")
            .map(|stack| {
                parse_stack(
                    &truncate(frames_part(&stack, &ty, &message), MAX_STACK_BYTES),
                    MAX_FRAMES,
                )
            })
            .unwrap_or_default();
        (ty, message, frames)
    } else if mechanism == Mechanism::OnUnhandledRejection {
        let mut message = String::from("Non-Error promise rejection: ");
        message.push_str(&to_display(value));
        ("UnhandledRejection".to_string(), message, Vec::new())
    } else {
        ("Error".to_string(), to_display(value), Vec::new())
    };
    Exception {
        ty: truncate(&ty, 200),
        value: truncate(&message, MAX_MESSAGE_BYTES),
        mechanism,
        early: false,
        frames,
    }
}

/// V8 stacks start with `Name: message` as it was when the error was created, which can be
/// longer than the parsing limit. When it is the current one, it is skipped exactly (a message
/// may itself contain lines that look like frames); when the message was reworded since, the
/// frames start at the first `at` line.
fn frames_part<'a>(stack: &'a str, ty: &str, message: &str) -> &'a str {
    let exact = stack
        .strip_prefix(ty)
        .and_then(|r| r.strip_prefix(": "))
        .and_then(|r| r.strip_prefix(message));
    exact
        .or_else(|| find(stack, "\n    at ").and_then(|at| stack.get(at..)))
        .unwrap_or(stack)
}

/// An event from a window `error` or `unhandledrejection` event, `None` for other events.
pub fn event_from_dom_event(dom_event: &JsValue, timestamp: f64, early: bool) -> Option<Event> {
    let mut exception = match get_string(dom_event, "type")?.as_str() {
        "error" => exception_from_error_event(dom_event),
        "unhandledrejection" => {
            exception_from_value(&get(dom_event, "reason"), Mechanism::OnUnhandledRejection)
        }
        _ => return None,
    };
    exception.early = early;
    Some(Event::error(exception, timestamp))
}

fn exception_from_error_event(dom_event: &JsValue) -> Exception {
    let error = get(dom_event, "error");
    let mut exception = if error.is_object() {
        exception_from_value(&error, Mechanism::OnError)
    } else {
        // Cross-origin scripts and `throw "string"` give no error object: the event's message
        // ("Uncaught ..." or "Script error.") is all there is.
        let message = get_string(dom_event, "message")
            .filter(|m| !m.is_empty())
            .unwrap_or_else(|| to_display(&error));
        exception_from_value(&JsValue::from_str(&message), Mechanism::OnError)
    };
    if exception.frames.is_empty() {
        let filename = get_string(dom_event, "filename").unwrap_or_default();
        if !filename.is_empty() {
            exception.frames.push(Frame {
                filename: truncate(&filename, 2_048),
                function: String::new(),
                lineno: get_f64(dom_event, "lineno").and_then(to_u32),
                colno: get_f64(dom_event, "colno").and_then(to_u32),
            });
        }
    }
    exception
}

fn to_u32(n: f64) -> Option<u32> {
    (n >= 1.0 && n <= f64::from(u32::MAX)).then_some(n as u32)
}
