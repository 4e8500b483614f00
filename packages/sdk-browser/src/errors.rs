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

/// Exceptions linked by `cause` that one error event carries, the thrown one included
/// (Sentry's limit).
const MAX_LINKED: usize = 5;

/// The exceptions of an error event for a thrown or rejected value: its `cause` chain (as
/// long as each cause is error-like, at most [`MAX_LINKED`] in all), the deepest cause
/// first and the thrown value last, as Sentry orders them.
pub fn exceptions_from_value(value: &JsValue, mechanism: Mechanism) -> Vec<Exception> {
    let mut chain = alloc::vec![exception_from_value(value, mechanism)];
    let mut current = value.clone();
    while chain.len() < MAX_LINKED {
        let cause = get(&current, "cause");
        if !(cause.is_object() && get_string(&cause, "message").is_some()) {
            break;
        }
        chain.push(exception_from_value(&cause, mechanism));
        current = cause;
    }
    chain.reverse();
    chain
}

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
        cross_origin: false,
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
    let mut exceptions = match get_string(dom_event, "type")?.as_str() {
        "error" => exceptions_from_error_event(dom_event),
        "unhandledrejection" => {
            exceptions_from_value(&get(dom_event, "reason"), Mechanism::OnUnhandledRejection)
        }
        _ => return None,
    };
    for exception in &mut exceptions {
        exception.early = early;
    }
    Some(error_event(exceptions, timestamp))
}

/// An `error` event with `exceptions` (causes first, the thrown one last).
pub fn error_event(mut exceptions: Vec<Exception>, timestamp: f64) -> Event {
    let thrown = exceptions.pop();
    let mut event = match thrown {
        Some(thrown) => Event::error(thrown, timestamp),
        None => Event::new("error", timestamp),
    };
    exceptions.append(&mut event.exceptions);
    event.exceptions = exceptions;
    event
}

fn exceptions_from_error_event(dom_event: &JsValue) -> Vec<Exception> {
    let error = get(dom_event, "error");
    if error.is_object() {
        let mut chain = exceptions_from_value(&error, Mechanism::OnError);
        if let Some(thrown) = chain.last_mut() {
            add_event_position(thrown, dom_event);
        }
        return chain;
    }
    // Cross-origin scripts and `throw "string"` give no error object: the event's message
    // ("Uncaught ..." or "Script error.") is all there is.
    let message = get_string(dom_event, "message")
        .filter(|m| !m.is_empty())
        .unwrap_or_else(|| to_display(&error));
    let mut exception = exception_from_value(&JsValue::from_str(&message), Mechanism::OnError);
    let filename = get_string(dom_event, "filename").unwrap_or_default();
    // What a browser reports for an error in a script from another origin loaded without
    // `crossorigin` (docs/sdk.md): no error object, no position, this message.
    exception.cross_origin =
        filename.is_empty() && matches!(message.as_str(), "Script error." | "Script error");
    add_event_position(&mut exception, dom_event);
    alloc::vec![exception]
}

/// The position the browser reported for the error event, as the only frame of an exception
/// that has none.
fn add_event_position(exception: &mut Exception, dom_event: &JsValue) {
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
}

fn to_u32(n: f64) -> Option<u32> {
    (n >= 1.0 && n <= f64::from(u32::MAX)).then_some(n as u32)
}
