//! Turning what a page throws into exceptions: `errors::exception_from_value` (error types and
//! names, messages of non-errors and error-like objects, stack parsing, the limits on message
//! length and frame count, hostile thrown values, non-error rejections),
//! `errors::event_from_dom_event` (error and unhandled-rejection events, with and without an
//! error object or a position), and the window events and early errors the loader forwards, as
//! the process hook receives them. How to run them, and how the tests of one file share the
//! SDK: `support/mod.rs`.

#![cfg(target_arch = "wasm32")]

mod support;

use js_sys::{Array, Reflect};
use monitor_sdk_browser::api::{capture_early_error, queued};
use monitor_sdk_browser::errors::{
    event_from_dom_event, exception_from_value, exceptions_from_value,
};
use monitor_sdk_core::stack::Frame;
use monitor_sdk_core::{Exception, Mechanism};
use support::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

// ---------------------------------------------------------------------------------------------
// errors::exception_from_value
// ---------------------------------------------------------------------------------------------

fn describe(frame: &Frame) -> String {
    format!(
        "{} @ {}:{:?}:{:?}",
        frame.function, frame.filename, frame.lineno, frame.colno
    )
}

fn generic(value: &JsValue) -> Exception {
    exception_from_value(value, Mechanism::Generic)
}

#[wasm_bindgen_test]
fn a_real_error_gives_type_message_and_frames() {
    reset();
    let error: JsValue = js_sys::Error::new("boom").into();
    let stack = str_at(&error, "stack").expect("Chromium errors have a stack");
    let e = generic(&error);
    assert_eq!(e.ty, "Error");
    assert_eq!(e.value, "boom");
    assert_eq!(e.mechanism.as_str(), "generic");
    assert!(!e.early);
    assert!(!e.frames.is_empty(), "no frames parsed from {stack}");
    assert!(e.frames.len() <= 50);
    // Oldest call first: the last frame is where the error was created, the JS shim that
    // calls `new Error` for js_sys, served by the test runner.
    let last = e.frames.last().expect("frames");
    assert!(
        last.filename.starts_with("http://127.0.0.1:"),
        "{}",
        describe(last)
    );
    assert!(
        last.lineno.is_some_and(|l| l >= 1) && last.colno.is_some_and(|c| c >= 1),
        "{}",
        describe(last)
    );
    assert!(
        e.frames
            .iter()
            .all(|f| !f.filename.contains("boom") && !f.function.contains("boom")),
        "the message line became a frame"
    );
}

#[wasm_bindgen_test]
fn error_subclasses_and_names() {
    reset();
    let e = generic(&js_sys::TypeError::new("x is not a function").into());
    assert_eq!(
        (e.ty.as_str(), e.value.as_str()),
        ("TypeError", "x is not a function")
    );
    assert!(!e.frames.is_empty());

    let e = generic(&js_sys::RangeError::new("too far").into());
    assert_eq!(e.ty, "RangeError");

    let custom: JsValue = js_sys::Error::new("c").into();
    Reflect::set(&custom, &"name".into(), &"ValidationError".into()).expect("set name");
    assert_eq!(generic(&custom).ty, "ValidationError");
    Reflect::set(&custom, &"name".into(), &"".into()).expect("set name");
    assert_eq!(
        generic(&custom).ty,
        "Error",
        "an empty name falls back to Error"
    );
    Reflect::set(&custom, &"name".into(), &7.into()).expect("set name");
    assert_eq!(
        generic(&custom).ty,
        "Error",
        "a non-string name falls back to Error"
    );

    let e = generic(&dom_exception());
    assert_eq!(
        (e.ty.as_str(), e.value.as_str()),
        ("AbortError", "The user aborted a request.")
    );
}

#[wasm_bindgen_test]
fn non_error_values_become_error_with_a_display_message() {
    reset();
    let cases: Vec<(&str, JsValue, &str)> = vec![
        ("string", "oops".into(), "oops"),
        ("number", 42.into(), "42"),
        ("null", JsValue::NULL, "null"),
        ("undefined", JsValue::UNDEFINED, "undefined"),
        ("boolean", JsValue::FALSE, "false"),
        ("plain object", obj(&[("code", 7.into())]), r#"{"code":7}"#),
        ("symbol", JsValue::symbol(Some("why")), "Symbol(why)"),
        ("bigint (not JSON)", bigint(), "10"),
        ("circular object", circular(), "[object Object]"),
        ("function", named_function(), "function handleClick() {}"),
        (
            "object whose message is not a string",
            obj(&[("message", 5.into())]),
            r#"{"message":5}"#,
        ),
    ];
    for (name, value, want) in cases {
        let e = generic(&value);
        assert_eq!(e.ty, "Error", "{name}");
        assert_eq!(e.value, want, "{name}");
        assert!(e.frames.is_empty(), "{name}");
    }
}

#[wasm_bindgen_test]
fn error_like_objects_use_name_and_message() {
    reset();
    let e = generic(&obj(&[
        ("name", "ChunkLoadError".into()),
        ("message", "Loading chunk 7 failed".into()),
        ("stack", 12.into()),
    ]));
    assert_eq!(e.ty, "ChunkLoadError");
    assert_eq!(e.value, "Loading chunk 7 failed");
    assert!(e.frames.is_empty(), "a non-string stack gives no frames");

    let e = generic(&obj(&[
        ("message", "from elsewhere".into()),
        (
            "stack",
            "Error: from elsewhere\n    at f (https://a.test/x.js:3:4)".into(),
        ),
    ]));
    assert_eq!(e.ty, "Error");
    assert_eq!(e.frames.len(), 1);
    assert_eq!(
        describe(&e.frames[0]),
        "f @ https://a.test/x.js:Some(3):Some(4)"
    );
}

#[wasm_bindgen_test]
fn hostile_thrown_values_do_not_throw_or_panic() {
    reset();
    let e = generic(&error_with_throwing_message());
    assert_eq!(e.ty, "Error");
    let e = generic(&error_with_throwing_name_and_stack());
    assert_eq!(
        (e.ty.as_str(), e.value.as_str()),
        ("Error", "still readable")
    );
    assert!(e.frames.is_empty());
    for (name, v) in [
        ("throwing proxy", throwing_proxy()),
        ("revoked proxy", revoked_proxy()),
        ("unprintable", unprintable()),
    ] {
        let e = generic(&v);
        assert_eq!((e.ty.as_str(), e.value.as_str()), ("Error", ""), "{name}");
    }
}

#[wasm_bindgen_test]
fn long_messages_and_deep_stacks_are_bounded() {
    reset();
    let error: JsValue = js_sys::Error::new(&"m".repeat(20_000)).into();
    let frames: String = (0..5_000)
        .map(|i| format!("\n    at f{i} (https://a.test/app.js:{}:1)", i + 1))
        .collect();
    let stack = format!("Error: m{frames}");
    Reflect::set(&error, &"stack".into(), &stack.into()).expect("set stack");
    let e = generic(&error);
    assert_eq!(
        e.value,
        format!("{}…", "m".repeat(8_192)),
        "cut at 8192 bytes plus '…'"
    );
    assert_eq!(e.frames.len(), 50);
    // The 50 frames kept are the ones closest to the throw, the throw site last.
    assert_eq!(
        describe(&e.frames[49]),
        "f0 @ https://a.test/app.js:Some(1):Some(1)"
    );
    assert_eq!(
        describe(&e.frames[0]),
        "f49 @ https://a.test/app.js:Some(50):Some(1)"
    );

    // The limit is in bytes: 8,192 bytes are 2,048 four-byte chars, or 2,730 three-byte
    // chars (the 2,731st would end at byte 8,193).
    let e = generic(&js_sys::Error::new(&"😀".repeat(5_000)).into());
    assert_eq!(e.value, format!("{}…", "😀".repeat(2_048)));
    let e = generic(&js_sys::Error::new(&"€".repeat(5_000)).into());
    assert_eq!(e.value, format!("{}…", "€".repeat(2_730)));
    let e = generic(&js_sys::Error::new(&"é".repeat(4_096)).into());
    assert_eq!(e.value, "é".repeat(4_096), "8,192 bytes are kept whole");

    // A stack of multibyte function names is parsed up to 32 KiB, whatever the chars.
    let error: JsValue = js_sys::Error::new("m").into();
    let frames: String = (0..5_000)
        .map(|i| format!("\n    at 関数{i} (https://a.test/app.js:{}:1)", i + 1))
        .collect();
    Reflect::set(&error, &"stack".into(), &format!("Error: m{frames}").into()).expect("set stack");
    let e = generic(&error);
    assert_eq!(e.frames.len(), 50);
    assert_eq!(
        describe(&e.frames[49]),
        "関数0 @ https://a.test/app.js:Some(1):Some(1)"
    );
}

#[wasm_bindgen_test]
fn an_error_with_a_long_message_keeps_its_frames() {
    reset();
    let short = generic(&js_sys::Error::new("m").into());
    assert!(!short.frames.is_empty());
    // Longer than the 32K parse limit: V8 repeats the message at the top of the stack.
    for len in [32_768, 40_000, 200_000] {
        let long: JsValue = js_sys::Error::new(&"m".repeat(len)).into();
        let e = generic(&long);
        assert_eq!(e.value.len(), 8_192 + '…'.len_utf8(), "{len}");
        assert_eq!(
            e.frames.len(),
            short.frames.len(),
            "a {len}-char message cost frames"
        );
        assert!(
            e.frames.iter().all(|f| !f.filename.contains("mmm")),
            "the message became a frame"
        );
    }
}

#[wasm_bindgen_test]
fn custom_errors_with_short_messages_keep_their_frames() {
    reset();
    let e = generic(&named_error("ValidationError", "bad input"));
    assert_eq!(
        (e.ty.as_str(), e.value.as_str()),
        ("ValidationError", "bad input")
    );
    assert!(!e.frames.is_empty());
    let e = generic(&reworded_error("bad input", "while saving: "));
    assert_eq!(e.value, "while saving: bad input");
    assert!(!e.frames.is_empty());
}

#[wasm_bindgen_test]
fn rejections_with_non_errors_are_labelled() {
    reset();
    let e = exception_from_value(&"nope".into(), Mechanism::OnUnhandledRejection);
    assert_eq!(e.ty, "UnhandledRejection");
    assert_eq!(e.value, "Non-Error promise rejection: nope");
    let e = exception_from_value(&JsValue::UNDEFINED, Mechanism::OnUnhandledRejection);
    assert_eq!(e.value, "Non-Error promise rejection: undefined");
    let e = exception_from_value(
        &js_sys::Error::new("real").into(),
        Mechanism::OnUnhandledRejection,
    );
    assert_eq!((e.ty.as_str(), e.value.as_str()), ("Error", "real"));
    assert_eq!(e.mechanism.as_str(), "onunhandledrejection");
}

// ---------------------------------------------------------------------------------------------
// errors::event_from_dom_event
// ---------------------------------------------------------------------------------------------

fn only_exception(event: &monitor_sdk_core::Event) -> &Exception {
    assert_eq!(event.kind, "error");
    assert_eq!(event.exceptions.len(), 1);
    &event.exceptions[0]
}

#[wasm_bindgen_test]
fn error_event_with_an_error_object() {
    reset();
    let error: JsValue = js_sys::TypeError::new("bad call").into();
    let dom = error_event(
        "error",
        &obj(&[
            ("error", error),
            ("message", "Uncaught TypeError: bad call".into()),
            ("filename", "https://app.test/main.js".into()),
            ("lineno", 10.into()),
            ("colno", 5.into()),
        ]),
    );
    let event = event_from_dom_event(&dom, 1_234.5, false).expect("an error event");
    assert_eq!(event.timestamp, 1_234.5);
    let e = only_exception(&event);
    assert_eq!((e.ty.as_str(), e.value.as_str()), ("TypeError", "bad call"));
    assert_eq!(e.mechanism.as_str(), "onerror");
    assert!(!e.early);
    // The error's own stack wins over the event's position.
    assert!(!e.frames.is_empty());
    assert!(e
        .frames
        .iter()
        .all(|f| f.filename != "https://app.test/main.js"));
}

#[wasm_bindgen_test]
fn error_event_without_an_error_object_uses_message_and_position() {
    reset();
    let dom = error_event(
        "error",
        &obj(&[
            ("error", "thrown string".into()),
            ("message", "Uncaught thrown string".into()),
            ("filename", "https://app.test/main.js".into()),
            ("lineno", 10.into()),
            ("colno", 5.into()),
        ]),
    );
    let event = event_from_dom_event(&dom, 1.0, false).expect("an error event");
    let e = only_exception(&event);
    assert_eq!(
        (e.ty.as_str(), e.value.as_str()),
        ("Error", "Uncaught thrown string")
    );
    assert_eq!(e.mechanism.as_str(), "onerror");
    assert_eq!(e.frames.len(), 1);
    assert_eq!(
        describe(&e.frames[0]),
        " @ https://app.test/main.js:Some(10):Some(5)"
    );

    // Cross-origin "Script error." with no position: no frame at all.
    let dom = error_event("error", &obj(&[("message", "Script error.".into())]));
    let event = event_from_dom_event(&dom, 1.0, false).expect("an error event");
    let e = only_exception(&event);
    assert_eq!(e.value, "Script error.");
    assert!(e.frames.is_empty());

    // Line 0 (unknown) is not a line.
    let dom = error_event(
        "error",
        &obj(&[
            ("message", "m".into()),
            ("filename", "https://app.test/a.js".into()),
            ("lineno", 0.into()),
            ("colno", 0.into()),
        ]),
    );
    let event = event_from_dom_event(&dom, 1.0, false).expect("an error event");
    assert_eq!(
        describe(&only_exception(&event).frames[0]),
        " @ https://app.test/a.js:None:None"
    );
}

#[wasm_bindgen_test]
fn error_event_with_a_stackless_error_object_gets_the_event_position() {
    reset();
    let dom = error_event(
        "error",
        &obj(&[
            ("error", obj(&[("message", "no stack".into())])),
            ("filename", "https://app.test/vendor.js".into()),
            ("lineno", 3.into()),
            ("colno", 9.into()),
        ]),
    );
    let event = event_from_dom_event(&dom, 1.0, false).expect("an error event");
    let e = only_exception(&event);
    assert_eq!(e.value, "no stack");
    assert_eq!(e.frames.len(), 1);
    assert_eq!(
        describe(&e.frames[0]),
        " @ https://app.test/vendor.js:Some(3):Some(9)"
    );
}

#[wasm_bindgen_test]
fn promise_rejection_events() {
    reset();
    let dom = rejection_event(&js_sys::Error::new("async failure").into());
    let event = event_from_dom_event(&dom, 2.0, true).expect("a rejection event");
    let e = only_exception(&event);
    assert_eq!(
        (e.ty.as_str(), e.value.as_str()),
        ("Error", "async failure")
    );
    assert_eq!(e.mechanism.as_str(), "onunhandledrejection");
    assert!(e.early);
    assert!(!e.frames.is_empty());

    let dom = rejection_event(&obj(&[("status", 500.into())]));
    let event = event_from_dom_event(&dom, 2.0, false).expect("a rejection event");
    let e = only_exception(&event);
    assert_eq!(e.ty, "UnhandledRejection");
    assert_eq!(e.value, r#"Non-Error promise rejection: {"status":500}"#);
    assert!(e.frames.is_empty());
}

#[wasm_bindgen_test]
fn other_events_and_non_events_are_not_errors() {
    reset();
    for (name, v) in [
        ("click", plain_event("click")),
        (
            "ErrorEvent of another type",
            error_event("warning", &obj(&[])),
        ),
        ("undefined", JsValue::UNDEFINED),
        ("null", JsValue::NULL),
        ("string", "error".into()),
        ("empty object", obj(&[])),
        ("throwing proxy", throwing_proxy()),
        ("revoked proxy", revoked_proxy()),
    ] {
        assert!(event_from_dom_event(&v, 1.0, false).is_none(), "{name}");
    }
}

// ---------------------------------------------------------------------------------------------
// Window events (forwarded by the loader's listener) and early errors
// ---------------------------------------------------------------------------------------------

#[wasm_bindgen_test]
fn uncaught_errors_and_rejections_are_captured() {
    let sdk = Running::start(&[]);
    let error = error_event(
        "error",
        &obj(&[
            ("error", js_sys::Error::new("uncaught").into()),
            ("message", "Uncaught Error: uncaught".into()),
        ]),
    );
    let before = js_sys::Date::now();
    assert!(cap(DOM_EVENT, error, JsValue::UNDEFINED).is_some());
    let ev = sdk.last_event();
    assert!(num_at(&ev, "timestamp").is_some_and(|t| t >= before));
    assert_eq!(
        str_at(&ev, "exception.values.0.value").as_deref(),
        Some("uncaught")
    );
    let mechanism = at(&ev, "exception.values.0.mechanism");
    assert_eq!(str_at(&mechanism, "type").as_deref(), Some("onerror"));
    assert_eq!(at(&mechanism, "handled"), JsValue::FALSE);

    let rejection = rejection_event(&"plain reason".into());
    assert!(cap(DOM_EVENT, rejection, JsValue::UNDEFINED).is_some());
    let ev = sdk.last_event();
    assert_eq!(
        str_at(&ev, "exception.values.0.type").as_deref(),
        Some("UnhandledRejection")
    );
    assert_eq!(
        str_at(&ev, "exception.values.0.mechanism.type").as_deref(),
        Some("onunhandledrejection")
    );

    for other in [plain_event("click"), plain_event("message"), obj(&[])] {
        assert_eq!(cap(DOM_EVENT, other, JsValue::UNDEFINED), None);
    }
    assert_eq!(queued(), 2, "other events are ignored");
}

#[wasm_bindgen_test]
fn early_errors_keep_their_time_and_original_mechanism() {
    let sdk = Running::start(&[]);
    let error = error_event(
        "error",
        &obj(&[("error", js_sys::Error::new("too early").into())]),
    );
    let id = capture_early_error(Array::of2(&error, &1_700_000_000_000.0.into()).into());
    assert!(id.is_some());
    let ev = sdk.last_event();
    assert_eq!(num_at(&ev, "timestamp"), Some(1_700_000_000_000.0));
    let m = at(&ev, "exception.values.0.mechanism");
    assert_eq!(str_at(&m, "type").as_deref(), Some("early"));
    assert_eq!(str_at(&m, "data.original").as_deref(), Some("onerror"));
    assert_eq!(at(&m, "handled"), JsValue::FALSE);

    let rejection = rejection_event(&js_sys::Error::new("early rejection").into());
    let before = js_sys::Date::now();
    let record: JsValue = Array::of2(&rejection, &"not a time".into()).into();
    assert!(capture_early_error(record).is_some());
    let ev = sdk.last_event();
    assert!(
        num_at(&ev, "timestamp").is_some_and(|t| t >= before),
        "now() is used"
    );
    assert_eq!(
        str_at(&ev, "exception.values.0.mechanism.data.original").as_deref(),
        Some("onunhandledrejection")
    );

    let seen = sdk.seen();
    for record in [
        Array::of2(&plain_event("click"), &1.into()).into(),
        Array::new().into(),
        obj(&[("0", error.clone())]),
        throwing_proxy(),
    ] {
        let _ = capture_early_error(record);
    }
    assert_eq!(
        sdk.seen(),
        seen + 1,
        "only the object with an error event at [0] counts"
    );
}

// ---------------------------------------------------------------------------------------------
// Bugs that were fixed: these failed before the fixes and keep them fixed.
// ---------------------------------------------------------------------------------------------

#[wasm_bindgen_test]
fn a_reworded_error_with_a_long_message_keeps_its_frames() {
    reset();
    // V8 fixes the stack's `Name: message` line when the error is created; a handler that
    // adds context to the message (`error.message = 'while saving: ' + error.message`) makes
    // it differ from `message`, and a long one used to fill the 32K cut.
    let short = generic(&reworded_error("m", "while saving: "));
    assert!(!short.frames.is_empty());
    let long = generic(&reworded_error(&"m".repeat(40_000), "while saving: "));
    assert!(long.value.starts_with("while saving: mmm"));
    assert_eq!(
        long.frames.len(),
        short.frames.len(),
        "the 32K stack cut kept only the message line"
    );
    // Multi-line and multibyte messages too.
    let long = generic(&reworded_error(
        &format!("{}\n{}", "語".repeat(20_000), "é".repeat(20_000)),
        "while saving: ",
    ));
    assert_eq!(long.frames.len(), short.frames.len());
}

#[wasm_bindgen_test]
fn lines_of_the_message_that_look_like_frames_are_not_frames() {
    reset();
    // An error that wraps another's stack in its message (`new Error('save failed: ' +
    // cause.stack)`), long or short: the stack's frames start after the message.
    for len in [1, 40_000] {
        let message = format!(
            "{}\n    at fake (https://evil.test/x.js:1:1)",
            "m".repeat(len)
        );
        let e = generic(&js_sys::TypeError::new(&message).into());
        assert_eq!(e.ty, "TypeError");
        assert!(!e.frames.is_empty());
        assert!(
            e.frames.iter().all(|f| !f.filename.contains("evil.test")),
            "{len}: a line of the message became a frame"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// errors::exceptions_from_value: `cause` chains and cross-origin errors
// ---------------------------------------------------------------------------------------------

fn with_cause(message: &str, cause: &JsValue) -> JsValue {
    let error: JsValue = js_sys::Error::new(message).into();
    Reflect::set(&error, &"cause".into(), cause).expect("set cause");
    error
}

fn chain_of(value: &JsValue) -> Vec<String> {
    exceptions_from_value(value, Mechanism::Generic)
        .iter()
        .map(|e| e.value.clone())
        .collect()
}

#[wasm_bindgen_test]
fn causes_come_first_and_the_thrown_error_last() {
    reset();
    let root: JsValue = js_sys::TypeError::new("root").into();
    let error = with_cause("outer", &with_cause("middle", &root));
    assert_eq!(chain_of(&error), ["root", "middle", "outer"]);
    let types: Vec<String> = exceptions_from_value(&error, Mechanism::Generic)
        .iter()
        .map(|e| e.ty.clone())
        .collect();
    assert_eq!(types, ["TypeError", "Error", "Error"]);
}

#[wasm_bindgen_test]
fn chains_are_cut_at_five_and_cycles_end() {
    reset();
    let mut error: JsValue = js_sys::Error::new("e0").into();
    for i in 1..10 {
        error = with_cause(&format!("e{i}"), &error);
    }
    assert_eq!(chain_of(&error), ["e5", "e6", "e7", "e8", "e9"]);
    let cyclic: JsValue = js_sys::Error::new("self").into();
    Reflect::set(&cyclic, &"cause".into(), &cyclic).expect("set cause");
    assert_eq!(chain_of(&cyclic).len(), 5, "a cycle is cut by the limit");
}

#[wasm_bindgen_test]
fn a_cause_that_is_no_error_ends_the_chain() {
    reset();
    for cause in [
        JsValue::from_str("just text"),
        JsValue::from_f64(7.0),
        JsValue::NULL,
        obj(&[("code", "E1".into())]),
        throwing_proxy(),
    ] {
        assert_eq!(chain_of(&with_cause("outer", &cause)), ["outer"]);
    }
}

#[wasm_bindgen_test]
fn a_cross_origin_script_error_is_marked() {
    reset();
    let opaque = error_event(
        "error",
        &obj(&[("message", "Script error.".into()), ("lineno", 0.into())]),
    );
    let event = event_from_dom_event(&opaque, 1.0, false).expect("an error event");
    let thrown = event.exceptions.last().expect("exception");
    assert!(thrown.cross_origin);
    assert_eq!(thrown.value, "Script error.");
    let local = error_event(
        "error",
        &obj(&[
            ("message", "Script error.".into()),
            ("filename", "https://app.test/a.js".into()),
        ]),
    );
    let event = event_from_dom_event(&local, 1.0, false).expect("an error event");
    assert!(
        !event.exceptions[0].cross_origin,
        "a position means the browser told us more"
    );
}
