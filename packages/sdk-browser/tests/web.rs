//! Browser tests of the SDK's wasm glue, run in headless Chromium by wasm-bindgen-test.
//!
//! Run from the workspace root:
//!
//! ```sh
//! cargo test -p monitor-sdk-browser --features std --target wasm32-unknown-unknown
//! ```
//!
//! What that needs:
//! - `--features std`: the shipped crate is no_std with its own panic handler, which conflicts
//!   with the test harness's std.
//! - `.cargo/config.toml` (workspace root) sets `wasm-bindgen-test-runner` as the runner for
//!   wasm32-unknown-unknown; the wasm-bindgen CLI on PATH must be the version the
//!   `wasm-bindgen` crate is pinned to (0.2.130).
//! - `chromedriver` on PATH (Debian: `apt-get install -y chromium chromium-driver`), or
//!   `CHROMEDRIVER=/usr/bin/chromedriver`. The runner adds `headless`, `no-sandbox` and
//!   `disable-dev-shm-usage` itself; `webdriver.json` next to this crate's Cargo.toml adds the
//!   flags that keep Chromium off the network (background updates, sync, first-run). The runner
//!   reads `webdriver.json` from its working directory, which cargo sets to the crate directory.
//! - Do not pass `-q`: the runner rejects it. `-- --include-ignored` also runs the tests that
//!   show known SDK bugs (marked `#[ignore = "BUG: ..."]`); they fail until those are fixed.
//!
//! The whole file is wasm-only: natively (`cargo test --workspace`) it compiles to nothing.
//!
//! All tests share one wasm instance and so the SDK's global state. wasm-bindgen-test runs them
//! one at a time; each test that starts the SDK does so through `support::Running`, which closes
//! it when dropped, and tests that need "no SDK" call `reset()` first. The SDK's browser calls go
//! through the npm loader's `host` object (`global`, `send`, `schedule`, `process`); the tests
//! pass a recording stand-in and drive the loader's side by hand (`on_response`, `tick`,
//! `page_leave`), so nothing reaches the network. Tests of functions that read page objects
//! without a running SDK call `reset()`, which also hands the SDK the real global object.

#![cfg(target_arch = "wasm32")]

mod support;

use js_sys::{Array, Reflect, JSON};
use monitor_sdk_browser::api::{
    add_breadcrumb, capture, capture_early_error, capture_exception, capture_message, close,
    flush_step, init, is_enabled, queued, scope, set_tag, set_user, track,
};
use monitor_sdk_browser::errors::{event_from_dom_event, exception_from_value};
use monitor_sdk_browser::options::{from_js, string_map};
use monitor_sdk_browser::state::with_sdk;
use monitor_sdk_browser::transport::{on_response, page_leave, tick};
use monitor_sdk_core::stack::Frame;
use monitor_sdk_core::{Exception, Mechanism, Value};
use support::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// `capture` kinds (api.rs): exception, message, track, early record, window event.
const EXCEPTION: u32 = 0;
const MESSAGE: u32 = 1;
const TRACK: u32 = 2;
const EARLY: u32 = 3;
const DOM_EVENT: u32 = 4;
/// `scope` kinds (api.rs): user, tag, breadcrumb.
const USER: u32 = 0;
const TAG: u32 = 1;
const BREADCRUMB: u32 = 2;

/// The event id an export returned: `capture` returns a JS string or `undefined` (cheaper in
/// the wasm than `Option<String>`); the Rust functions return `Option<String>`.
trait EventId {
    fn id(self) -> Option<String>;
}

impl EventId for JsValue {
    fn id(self) -> Option<String> {
        let id = self.as_string();
        assert!(
            id.is_some() || self.is_undefined(),
            "capture returned {self:?}"
        );
        id
    }
}

impl EventId for Option<String> {
    fn id(self) -> Option<String> {
        self
    }
}

/// `capture(kind, a, b)`, the export the loader calls, as an event id.
fn cap(kind: u32, a: JsValue, b: JsValue) -> Option<String> {
    capture(kind, a, b).id()
}

/// The loader reporting the answer to the request in flight (`Retry-After` in seconds).
fn answer(status: u32, retry_after_secs: Option<f64>) {
    on_response(status, retry_after_secs.unwrap_or(f64::NAN));
}

fn message(text: &str) -> Option<String> {
    capture_message(text.into(), JsValue::UNDEFINED)
}

/// Every kind of value a page can pass to an export, including ones that throw on any access.
fn hostile_values() -> Vec<(&'static str, JsValue)> {
    vec![
        ("undefined", JsValue::UNDEFINED),
        ("null", JsValue::NULL),
        ("true", JsValue::TRUE),
        ("0", JsValue::from_f64(0.0)),
        ("NaN", JsValue::from_f64(f64::NAN)),
        ("-Infinity", JsValue::from_f64(f64::NEG_INFINITY)),
        ("empty string", JsValue::from_str("")),
        ("long string", JsValue::from_str(&"é".repeat(100_000))),
        ("symbol", JsValue::symbol(Some("s"))),
        ("bigint", bigint()),
        ("array", Array::of2(&1.into(), &"x".into()).into()),
        ("function", named_function()),
        ("circular object", circular()),
        ("unprintable object", unprintable()),
        ("throwing proxy", throwing_proxy()),
        ("throwing proxy function", throwing_proxy_function()),
        ("revoked proxy", revoked_proxy()),
        ("error with throwing message", error_with_throwing_message()),
        (
            "error with throwing name and stack",
            error_with_throwing_name_and_stack(),
        ),
        ("options-like proxy", obj(&[("dsn", throwing_proxy())])),
    ]
}

/// With no SDK running, every export must do nothing and report nothing, whatever it is given.
fn assert_every_export_is_a_no_op() {
    for (name, v) in hostile_values() {
        for kind in [EXCEPTION, MESSAGE, TRACK, EARLY, DOM_EVENT, 5, u32::MAX] {
            assert_eq!(
                cap(kind, v.clone(), v.clone()),
                None,
                "capture({kind}, {name})"
            );
            scope(kind, v.clone(), v.clone());
        }
        let record: JsValue = Array::of2(&v, &v).into();
        assert_eq!(cap(EARLY, record, v.clone()), None, "early [{name}]");
        assert_eq!(
            track("signup".into(), v.clone()),
            None,
            "track('signup', {name})"
        );
        set_tag("key".into(), v.clone());
        add_breadcrumb(obj(&[("message", v.clone()), ("data", v.clone())]));
        on_response(200, v.as_f64().unwrap_or(f64::NAN));
        on_response(u32::MAX, f64::INFINITY);
        on_response(429, -1.0);
        tick();
        page_leave();
        assert!(!flush_step(), "flushStep after {name}");
        assert_eq!(queued(), 0, "queued after {name}");
        assert!(!is_enabled(), "isEnabled after {name}");
        close();
    }
    assert!(with_sdk(|_| ()).is_none(), "no SDK may have been created");
}

// ---------------------------------------------------------------------------------------------
// Exports without a running SDK
// ---------------------------------------------------------------------------------------------

#[wasm_bindgen_test]
fn every_export_is_safe_before_init() {
    reset();
    assert_every_export_is_a_no_op();
}

#[wasm_bindgen_test]
fn every_export_is_safe_after_a_failed_init() {
    reset();
    let host = make_host(&JsValue::UNDEFINED);
    assert!(!init(
        obj(&[("dsn", "not a dsn".into())]),
        host.clone().into()
    ));
    assert!(!is_enabled());
    assert_every_export_is_a_no_op();
    assert!(host.requests().is_empty());
}

#[wasm_bindgen_test]
fn every_export_is_ignored_after_close() {
    let sdk = Running::start(&[]);
    assert!(is_enabled());
    assert!(message("before close").is_some());
    close();
    assert!(!is_enabled());
    assert_eq!(queued(), 0);
    assert_every_export_is_a_no_op();
    // The event queued before close went out by beacon; nothing was captured after it.
    assert_eq!(sdk.seen(), 1);
    assert_eq!(sdk.host.beaconed().len(), 1);
    assert!(sdk.host.fetched().is_empty());
}

// ---------------------------------------------------------------------------------------------
// init
// ---------------------------------------------------------------------------------------------

#[wasm_bindgen_test]
fn init_refuses_malformed_dsns_and_stays_disabled() {
    reset();
    let bad = [
        JsValue::UNDEFINED,
        JsValue::from_f64(1.0),
        "".into(),
        "   ".into(),
        "ftp://k@h/1".into(),
        "http://h/1".into(),
        "http://k y@h/1".into(),
        "http://k@/1".into(),
        "http://k@h:99999/1".into(),
        "http://k@h".into(),
        "http://k@h/0".into(),
        "http://k@h/abc".into(),
        "http://k@h/1234567890123456789".into(),
    ];
    for dsn in bad {
        let text = dsn.as_string().unwrap_or_else(|| "<not a string>".into());
        let host = make_host(&JsValue::UNDEFINED);
        assert!(
            !init(quiet_options(&[("dsn", dsn)]), host.into()),
            "init accepted DSN {text:?}"
        );
        assert!(!is_enabled(), "enabled after DSN {text:?}");
        assert!(
            with_sdk(|_| ()).is_none(),
            "an SDK was installed for {text:?}"
        );
    }
}

#[wasm_bindgen_test]
fn init_refuses_hostile_options_without_throwing() {
    reset();
    for (name, v) in hostile_values() {
        assert!(!init(v.clone(), v.clone()), "init({name}) succeeded");
        assert!(!is_enabled());
    }
}

#[wasm_bindgen_test]
fn init_with_a_valid_dsn_enables_the_sdk() {
    reset();
    for dsn in [
        DSN,
        "https://key_1-x@collector.example:8443/prefix/42",
        " HTTP://k:secret@127.0.0.1:9/7 ",
    ] {
        let host = make_host(&JsValue::UNDEFINED);
        assert!(
            init(quiet_options(&[("dsn", dsn.into())]), host.into()),
            "{dsn}"
        );
        assert!(is_enabled(), "{dsn}");
        close();
        assert!(!is_enabled());
    }
}

#[wasm_bindgen_test]
fn a_hostile_host_only_keeps_events_queued() {
    // The host is the loader's object, but nothing the wasm does with it may throw or panic.
    for (name, host) in hostile_values() {
        reset();
        assert!(init(quiet_options(&[]), host), "{name}");
        assert!(message("kept").is_some(), "{name}");
        assert!(!flush_step(), "{name}: nothing can be in flight");
        assert_eq!(queued(), 1, "{name}: the event stays queued");
        page_leave();
        tick();
        answer(200, None);
        assert_eq!(queued(), 1, "{name}");
        close();
    }
}

#[wasm_bindgen_test]
fn init_with_enabled_false_installs_a_silent_sdk() {
    reset();
    let host = make_host(&JsValue::UNDEFINED);
    let options = quiet_options(&[("enabled", false.into())]);
    assert!(!init(options, host.clone().into()));
    assert!(!is_enabled());
    assert_eq!(capture_exception("x".into()), None);
    assert_eq!(track("t".into(), JsValue::UNDEFINED), None);
    assert_eq!(queued(), 0);
    close();
    assert!(host.requests().is_empty() && host.delays().is_empty());
}

#[wasm_bindgen_test]
fn a_broken_re_init_keeps_the_running_sdk() {
    let sdk = Running::start(&[]);
    let other = make_host(&JsValue::UNDEFINED);
    assert!(!init(obj(&[("dsn", "nope".into())]), other.into()));
    assert!(is_enabled(), "a bad re-init must not silence a working SDK");
    assert!(message("still here").is_some());
    assert_eq!(sdk.seen(), 1, "the original hook is still installed");
}

#[wasm_bindgen_test]
fn re_init_replaces_the_sdk_and_its_host() {
    let first = Running::start(&[]);
    assert!(message("old").is_some());
    // A second SDK, without close(): from now on only its host and hook are used.
    let second_host = make_host(&JsValue::UNDEFINED);
    assert!(init(
        quiet_options(&[("release", "second".into())]),
        second_host.clone().into()
    ));
    assert!(is_enabled());
    assert_eq!(queued(), 0, "the new SDK starts with an empty queue");
    assert!(message("new").is_some());
    assert!(flush_step());
    assert_eq!(first.seen(), 1, "the old hook saw only the old event");
    assert!(first.host.requests().is_empty(), "the old host is not used");
    let fetched = second_host.fetched();
    assert_eq!(fetched.len(), 1);
    assert_eq!(len_at(&fetched[0], "events"), 1);
    assert_eq!(
        str_at(&fetched[0], "events.0.release").as_deref(),
        Some("second")
    );
}

#[wasm_bindgen_test]
fn a_non_function_process_hook_is_ignored() {
    for process in [JsValue::from_str("beforeSend"), obj(&[]), JsValue::NULL] {
        let _sdk = Running::start_with_process(&[], &process);
        assert!(message("m").is_some());
        assert_eq!(queued(), 1);
    }
}

#[wasm_bindgen_test]
fn the_capture_and_scope_dispatchers_route_by_kind() {
    let sdk = Running::start(&[]);
    assert!(cap(
        EXCEPTION,
        js_sys::Error::new("e").into(),
        JsValue::UNDEFINED
    )
    .is_some());
    let ev = sdk.last_event();
    assert_eq!(
        str_at(&ev, "exception.values.0.value").as_deref(),
        Some("e")
    );
    assert_eq!(
        str_at(&ev, "exception.values.0.mechanism.type").as_deref(),
        Some("generic")
    );

    assert!(cap(MESSAGE, "hi".into(), "warning".into()).is_some());
    let ev = sdk.last_event();
    assert_eq!(str_at(&ev, "message").as_deref(), Some("hi"));
    assert_eq!(str_at(&ev, "level").as_deref(), Some("warning"));

    assert!(cap(TRACK, "signup".into(), obj(&[("plan", "pro".into())])).is_some());
    let ev = sdk.last_event();
    assert_eq!(str_at(&ev, "name").as_deref(), Some("signup"));
    assert_eq!(str_at(&ev, "data.plan").as_deref(), Some("pro"));

    let early = error_event(
        "error",
        &obj(&[("error", js_sys::Error::new("early").into())]),
    );
    let record: JsValue = Array::of2(&early, &5.into()).into();
    assert!(cap(EARLY, record, JsValue::UNDEFINED).is_some());
    let ev = sdk.last_event();
    assert_eq!(num_at(&ev, "timestamp"), Some(5.0));
    assert_eq!(
        str_at(&ev, "exception.values.0.mechanism.type").as_deref(),
        Some("early")
    );

    let uncaught = error_event(
        "error",
        &obj(&[("error", js_sys::Error::new("late").into())]),
    );
    assert!(cap(DOM_EVENT, uncaught, JsValue::UNDEFINED).is_some());
    let ev = sdk.last_event();
    assert_eq!(
        str_at(&ev, "exception.values.0.mechanism.type").as_deref(),
        Some("onerror")
    );

    let seen = sdk.seen();
    assert_eq!(cap(5, "x".into(), "y".into()), None);
    assert_eq!(cap(u32::MAX, "x".into(), "y".into()), None);
    assert_eq!(sdk.seen(), seen, "unknown kinds capture nothing");

    scope(USER, obj(&[("id", "u1".into())]), JsValue::UNDEFINED);
    scope(TAG, "route".into(), "/home".into());
    scope(
        BREADCRUMB,
        obj(&[("message", "crumb".into())]),
        JsValue::UNDEFINED,
    );
    scope(3, obj(&[("id", "ignored".into())]), "ignored".into());
    scope(u32::MAX, obj(&[("id", "ignored".into())]), "ignored".into());
    assert!(message("after scope").is_some());
    let ev = sdk.last_event();
    assert_eq!(str_at(&ev, "user.id").as_deref(), Some("u1"));
    assert_eq!(str_at(&ev, "tags.route").as_deref(), Some("/home"));
    assert_eq!(len_at(&ev, "breadcrumbs"), 1);
    assert_eq!(
        str_at(&ev, "breadcrumbs.0.message").as_deref(),
        Some("crumb")
    );
}

// ---------------------------------------------------------------------------------------------
// options
// ---------------------------------------------------------------------------------------------

#[wasm_bindgen_test]
fn options_of_the_wrong_type_fall_back_to_defaults() {
    reset();
    let wrong = obj(&[
        ("dsn", 5.into()),
        ("release", 1.into()),
        ("environment", JsValue::NULL),
        ("sampleRate", "0.5".into()),
        ("maxBreadcrumbs", "3".into()),
        ("enabled", "no".into()),
        ("debug", 1.into()),
        ("tunnel", JsValue::TRUE),
        ("maxBatchSize", f64::NAN.into()),
        ("flushInterval", f64::INFINITY.into()),
        ("maxQueueSize", JsValue::symbol(None)),
    ]);
    for (name, js) in [
        ("wrong types", wrong),
        ("undefined", JsValue::UNDEFINED),
        ("a string", "dsn".into()),
        ("a throwing proxy", throwing_proxy()),
        ("a revoked proxy", revoked_proxy()),
    ] {
        let o = from_js(&js);
        assert_eq!(o.dsn, "", "{name}");
        assert_eq!(o.release, None, "{name}");
        assert_eq!(o.environment, None, "{name}");
        assert_eq!(o.sample_rate, 1.0, "{name}");
        assert_eq!(o.max_breadcrumbs, 100, "{name}");
        assert!(o.enabled, "{name}");
        assert!(!o.debug, "{name}");
        assert_eq!(o.tunnel, None, "{name}");
        assert_eq!(o.max_batch_events, 30, "{name}");
        assert_eq!(o.flush_interval_ms, 5_000.0, "{name}");
        assert_eq!(o.max_queued_events, 500, "{name}");
    }
}

#[wasm_bindgen_test]
fn options_are_read_and_clamped() {
    reset();
    let o = from_js(&obj(&[
        ("dsn", DSN.into()),
        ("release", "1.2.3".into()),
        ("environment", "staging".into()),
        ("sampleRate", 7.0.into()),
        ("maxBreadcrumbs", 1e300.into()),
        ("enabled", false.into()),
        ("debug", true.into()),
        ("tunnel", "/t".into()),
        ("maxBatchSize", 0.0.into()),
        ("flushInterval", (-5.0).into()),
        ("maxQueueSize", 1e9.into()),
    ]));
    assert_eq!(o.dsn, DSN);
    assert_eq!(o.release.as_deref(), Some("1.2.3"));
    assert_eq!(o.environment.as_deref(), Some("staging"));
    assert_eq!(o.sample_rate, 1.0);
    assert_eq!(o.max_breadcrumbs, 100);
    assert!(!o.enabled);
    assert!(o.debug);
    assert_eq!(o.tunnel.as_deref(), Some("/t"));
    assert_eq!(o.max_batch_events, 1);
    assert_eq!(o.flush_interval_ms, 0.0);
    assert_eq!(o.max_queued_events, 10_000);

    let o = from_js(&obj(&[
        ("sampleRate", (-1.0).into()),
        ("maxBreadcrumbs", (-4.0).into()),
        ("maxBatchSize", 2.9.into()),
    ]));
    assert_eq!(o.sample_rate, 0.0);
    assert_eq!(o.max_breadcrumbs, 100, "a negative count is ignored");
    assert_eq!(o.max_batch_events, 2);
}

fn map_json(map: &monitor_sdk_core::Map) -> String {
    let mut out = String::new();
    map.write_json(&mut out);
    out
}

#[wasm_bindgen_test]
fn string_map_keeps_50_keys_as_strings() {
    reset();
    let map = string_map(&many_keys(1_000));
    assert_eq!(map.len(), 50);
    assert!(map.get("k0") == Some(&Value::from("v0")));
    assert!(map.get("k49") == Some(&Value::from("v49")));
    assert!(map.get("k50").is_none());

    let mixed = obj(&[
        ("id", "u1".into()),
        ("age", 42.into()),
        ("nested", obj(&[("a", 1.into())])),
        ("gone", JsValue::NULL),
        ("missing", JsValue::UNDEFINED),
        ("sym", JsValue::symbol(Some("s"))),
        ("bad", throwing_proxy()),
    ]);
    assert_eq!(
        map_json(&string_map(&mixed)),
        r#"{"id":"u1","age":"42","nested":"{\"a\":1}","sym":"Symbol(s)","bad":""}"#
    );
}

#[wasm_bindgen_test]
fn string_map_of_non_objects_and_hostile_objects_is_empty() {
    reset();
    for (name, v) in [
        ("undefined", JsValue::UNDEFINED),
        ("null", JsValue::NULL),
        ("string", "abc".into()),
        ("number", 3.into()),
        ("throwing proxy", throwing_proxy()),
        ("revoked proxy", revoked_proxy()),
    ] {
        assert!(string_map(&v).is_empty(), "{name}");
    }
}

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
        e.value.chars().count(),
        8_192 + 1,
        "cut at 8192 chars plus '…'"
    );
    assert!(e.value.ends_with('…'));
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
}

#[wasm_bindgen_test]
fn rejections_with_non_errors_are_labelled() {
    reset();
    let e = exception_from_value(&"nope".into(), Mechanism::OnUnhandledRejection);
    assert_eq!(e.ty, "UnhandledRejection");
    assert_eq!(
        e.value,
        "Non-Error promise rejection captured with value: nope"
    );
    let e = exception_from_value(&JsValue::UNDEFINED, Mechanism::OnUnhandledRejection);
    assert_eq!(
        e.value,
        "Non-Error promise rejection captured with value: undefined"
    );
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
    assert_eq!(
        e.value,
        r#"Non-Error promise rejection captured with value: {"status":500}"#
    );
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
// Captured events on the wire (as the process hook receives them)
// ---------------------------------------------------------------------------------------------

#[wasm_bindgen_test]
fn a_captured_exception_is_encoded_per_protocol() {
    let sdk = Running::start(&[
        ("release", "web@1.0.0".into()),
        ("environment", "test".into()),
    ]);
    let before = js_sys::Date::now();
    let id = capture_exception(js_sys::TypeError::new("bad \"quote\"\n\u{2028}").into())
        .expect("captured");
    let after = js_sys::Date::now();
    assert!(is_event_id(&id), "{id}");
    assert_eq!(queued(), 1);

    let ev = sdk.last_event();
    assert_eq!(str_at(&ev, "event_id").as_deref(), Some(id.as_str()));
    assert_eq!(str_at(&ev, "type").as_deref(), Some("error"));
    assert_eq!(str_at(&ev, "level").as_deref(), Some("error"));
    let ts = num_at(&ev, "timestamp").expect("timestamp");
    assert!(
        ts >= before && ts <= after,
        "{ts} not in [{before}, {after}]"
    );
    assert_eq!(str_at(&ev, "release").as_deref(), Some("web@1.0.0"));
    assert_eq!(str_at(&ev, "environment").as_deref(), Some("test"));

    assert_eq!(len_at(&ev, "exception.values"), 1);
    let x = at(&ev, "exception.values.0");
    assert_eq!(str_at(&x, "type").as_deref(), Some("TypeError"));
    assert_eq!(
        str_at(&x, "value").as_deref(),
        Some("bad \"quote\"\n\u{2028}")
    );
    assert_eq!(str_at(&x, "mechanism.type").as_deref(), Some("generic"));
    assert_eq!(at(&x, "mechanism.handled"), JsValue::TRUE);
    let frames = len_at(&x, "stacktrace.frames");
    assert!(frames >= 1);
    for i in 0..frames {
        let f = at(&x, &format!("stacktrace.frames.{i}"));
        assert!(str_at(&f, "filename").is_some(), "frame {i}");
        assert!(str_at(&f, "function").is_some(), "frame {i}");
        assert!(at(&f, "in_app").as_bool().is_some(), "frame {i}");
        for key in ["lineno", "colno"] {
            let n = at(&f, key);
            assert!(
                n.is_undefined() || n.as_f64().is_some_and(|n| n >= 1.0),
                "frame {i} {key}"
            );
        }
    }

    // Context attached to every event.
    let session = session_storage_get("__monitor_sid").expect("session id stored");
    assert!(is_event_id(&session));
    assert_eq!(str_at(&ev, "user.session_id"), Some(session));
    let href = str_at(&js_sys::global().into(), "location.href");
    assert_eq!(str_at(&ev, "page.url"), href);
    let ua = str_at(&js_sys::global().into(), "navigator.userAgent");
    assert_eq!(str_at(&ev, "browser.user_agent"), ua);
    assert!(num_at(&ev, "browser.viewport.w").is_some());
    assert!(num_at(&ev, "browser.viewport.h").is_some());
}

#[wasm_bindgen_test]
fn every_hostile_value_becomes_a_valid_event() {
    let sdk = Running::start(&[]);
    for (name, v) in hostile_values() {
        let id = capture_exception(v.clone());
        assert!(id.is_some(), "captureException({name}) dropped the event");
        let ev = sdk.last_event();
        assert_eq!(str_at(&ev, "event_id"), id, "{name}");
        let ty = str_at(&ev, "exception.values.0.type").expect("type is a string");
        let value = str_at(&ev, "exception.values.0.value").expect("value is a string");
        assert!(
            !ty.is_empty() || !value.is_empty(),
            "{name}: empty type and value"
        );

        // Messages, tracks and the scope setters must cope too.
        let _ = capture_message(v.clone(), v.clone());
        let _ = track(v.clone(), v.clone());
        set_tag("hostile".into(), v.clone());
        add_breadcrumb(obj(&[("message", v.clone()), ("data", v.clone())]));
        set_user(v.clone());
    }
    let ids: Vec<String> = sdk
        .events()
        .iter()
        .filter_map(|e| str_at(e, "event_id"))
        .collect();
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "event ids repeat");
    assert_eq!(queued() as usize, ids.len());
}

#[wasm_bindgen_test]
fn messages_and_levels() {
    let sdk = Running::start(&[]);
    for (level, want) in [
        (JsValue::from_str("warn"), "warning"),
        ("fatal".into(), "fatal"),
        ("debug".into(), "debug"),
        ("log".into(), "info"),
        ("LOUD".into(), "info"),
        (JsValue::UNDEFINED, "info"),
        (3.into(), "info"),
    ] {
        assert!(capture_message("hello".into(), level).is_some());
        let ev = sdk.last_event();
        assert_eq!(str_at(&ev, "type").as_deref(), Some("message"));
        assert_eq!(str_at(&ev, "message").as_deref(), Some("hello"));
        assert_eq!(str_at(&ev, "level").as_deref(), Some(want));
    }
    assert!(capture_message(obj(&[("a", 1.into())]), JsValue::UNDEFINED).is_some());
    assert_eq!(
        str_at(&sdk.last_event(), "message").as_deref(),
        Some(r#"{"a":1}"#)
    );
    assert!(capture_message("x".repeat(9_000).into(), JsValue::UNDEFINED).is_some());
    let message = str_at(&sdk.last_event(), "message").expect("message");
    assert_eq!(message.chars().count(), 8_193);
}

#[wasm_bindgen_test]
fn track_names_and_data() {
    let sdk = Running::start(&[]);
    assert!(track("signup".into(), obj(&[("plan", "pro".into())])).is_some());
    let ev = sdk.last_event();
    assert_eq!(str_at(&ev, "type").as_deref(), Some("custom"));
    assert_eq!(str_at(&ev, "name").as_deref(), Some("signup"));
    assert_eq!(str_at(&ev, "data.plan").as_deref(), Some("pro"));

    assert!(track("n".into(), "text".into()).is_some());
    assert_eq!(str_at(&sdk.last_event(), "data").as_deref(), Some("text"));
    assert!(track("n".into(), JsValue::NULL).is_some());
    assert!(at(&sdk.last_event(), "data").is_null());

    // Data JSON cannot hold, or too large, is left out; the event is still recorded.
    let big = obj(&[("blob", "x".repeat(20_000).into())]);
    for (name, data) in [
        ("undefined", JsValue::UNDEFINED),
        ("function", named_function()),
        ("circular", circular()),
        ("bigint", bigint()),
        ("symbol", JsValue::symbol(None)),
        ("throwing proxy", throwing_proxy()),
        ("over 16 KB", big),
    ] {
        assert!(track("n".into(), data).is_some(), "{name}");
        assert!(at(&sdk.last_event(), "data").is_undefined(), "{name}");
    }

    assert_eq!(track("".into(), obj(&[])), None, "an empty name is refused");
    let seen = sdk.seen();
    assert_eq!(
        track(throwing_proxy(), obj(&[])),
        None,
        "an unprintable name is refused"
    );
    assert_eq!(sdk.seen(), seen);
    assert!(track("n".repeat(500).into(), JsValue::UNDEFINED).is_some());
    let name = str_at(&sdk.last_event(), "name").expect("name");
    assert_eq!(name.chars().count(), 201, "names are cut at 200 chars");
}

fn user_json() -> String {
    with_sdk(|sdk| map_json(&sdk.client.scope.user)).expect("SDK running")
}

fn session_json() -> String {
    let session = with_sdk(|sdk| match sdk.client.scope.user.get("session_id") {
        Some(Value::String(s)) => s.clone(),
        _ => String::new(),
    });
    let session = session.expect("SDK running");
    assert!(is_event_id(&session), "session id {session:?}");
    format!(r#""session_id":"{session}""#)
}

#[wasm_bindgen_test]
fn set_user_replaces_the_user_but_keeps_the_session() {
    let sdk = Running::start(&[("user", obj(&[("id", "from-init".into())]))]);
    let session = session_json();
    assert_eq!(user_json(), format!(r#"{{"id":"from-init",{session}}}"#));

    set_user(obj(&[
        ("id", "u1".into()),
        ("email", "a@b.test".into()),
        ("age", 42.into()),
        ("nothing", JsValue::NULL),
    ]));
    assert_eq!(
        user_json(),
        format!(r#"{{"id":"u1","email":"a@b.test","age":"42",{session}}}"#)
    );
    assert!(capture_message("m".into(), JsValue::UNDEFINED).is_some());
    let ev = sdk.last_event();
    assert_eq!(str_at(&ev, "user.id").as_deref(), Some("u1"));
    assert_eq!(str_at(&ev, "user.age").as_deref(), Some("42"));

    // The page cannot replace the SDK's session id.
    set_user(obj(&[("session_id", "page-value".into())]));
    assert_eq!(user_json(), format!("{{{session}}}"));

    for cleared in [
        JsValue::NULL,
        JsValue::UNDEFINED,
        "u2".into(),
        throwing_proxy(),
    ] {
        set_user(obj(&[("id", "u1".into())]));
        set_user(cleared);
        assert_eq!(user_json(), format!("{{{session}}}"));
    }
    set_user(many_keys(1_000));
    assert_eq!(
        with_sdk(|sdk| sdk.client.scope.user.len()),
        Some(51),
        "50 user keys plus the session id"
    );
}

#[wasm_bindgen_test]
fn the_session_id_lives_in_session_storage() {
    const KEY: &str = "__monitor_sid";
    let kept = "0123456789abcdef0123456789abcdef";
    session_storage_set(KEY, kept);
    {
        let _sdk = Running::start(&[]);
        assert_eq!(session_json(), format!(r#""session_id":"{kept}""#));
    }
    for broken in ["not-hex", "0123456789ABCDEF0123456789ABCDEG", ""] {
        session_storage_set(KEY, broken);
        let _sdk = Running::start(&[]);
        let fresh = session_storage_get(KEY).expect("a fresh id is stored");
        assert!(is_event_id(&fresh), "{fresh:?} replaced {broken:?}");
        assert_eq!(session_json(), format!(r#""session_id":"{fresh}""#));
    }
}

#[wasm_bindgen_test]
fn tags_from_init_and_set_tag() {
    let sdk = Running::start(&[("tags", obj(&[("a", "1".into()), ("b", 2.into())]))]);
    set_tag("route".into(), "/home".into());
    set_tag("count".into(), 3.into());
    set_tag("obj".into(), obj(&[("x", 1.into())]));
    set_tag("ignored-undefined".into(), JsValue::UNDEFINED);
    set_tag(5.into(), "ignored-non-string-key".into());
    set_tag("".into(), "ignored-empty-key".into());
    set_tag("k".repeat(100).into(), "v".repeat(1_000).into());
    assert!(capture_message("m".into(), JsValue::UNDEFINED).is_some());
    let ev = sdk.last_event();
    let tags = at(&ev, "tags");
    let keys: Vec<String> = js_sys::Object::keys(&tags.clone().into())
        .iter()
        .filter_map(|k| k.as_string())
        .collect();
    let long_key = format!("{}…", "k".repeat(32));
    assert_eq!(keys, ["a", "b", "route", "count", "obj", long_key.as_str()]);
    assert_eq!(str_at(&tags, "b").as_deref(), Some("2"));
    assert_eq!(str_at(&tags, "count").as_deref(), Some("3"));
    assert_eq!(str_at(&tags, "obj").as_deref(), Some(r#"{"x":1}"#));
    let long_value = str_at(&tags, &long_key).expect("long tag");
    assert_eq!(long_value.chars().count(), 201);
}

#[wasm_bindgen_test]
fn breadcrumbs_are_read_defensively_and_bounded() {
    let sdk = Running::start(&[("maxBreadcrumbs", 3.into())]);
    add_breadcrumb("not an object".into());
    add_breadcrumb(JsValue::NULL);
    add_breadcrumb(obj(&[]));
    add_breadcrumb(obj(&[
        ("category", "ui.click".into()),
        ("message", "button#buy".into()),
        ("level", "warning".into()),
        ("timestamp", 1_000.5.into()),
        ("data", obj(&[("x", 1.into())])),
    ]));
    add_breadcrumb(obj(&[
        ("category", 5.into()),
        ("level", "shout".into()),
        ("timestamp", f64::INFINITY.into()),
        ("data", Array::of1(&1.into()).into()),
    ]));
    add_breadcrumb(obj(&[
        ("message", "big data".into()),
        ("data", obj(&[("blob", "x".repeat(20_000).into())])),
    ]));
    assert!(capture_message("m".into(), JsValue::UNDEFINED).is_some());
    let ev = sdk.last_event();
    assert_eq!(
        len_at(&ev, "breadcrumbs"),
        3,
        "maxBreadcrumbs keeps the newest 3"
    );
    let b0 = at(&ev, "breadcrumbs.0");
    assert_eq!(str_at(&b0, "category").as_deref(), Some("ui.click"));
    assert_eq!(str_at(&b0, "message").as_deref(), Some("button#buy"));
    assert_eq!(str_at(&b0, "level").as_deref(), Some("warning"));
    assert_eq!(num_at(&b0, "timestamp"), Some(1_000.5));
    assert_eq!(num_at(&b0, "data.x"), Some(1.0));
    let b1 = at(&ev, "breadcrumbs.1");
    assert_eq!(str_at(&b1, "category").as_deref(), Some("manual"));
    assert_eq!(str_at(&b1, "message").as_deref(), Some(""));
    assert_eq!(str_at(&b1, "level").as_deref(), Some("info"));
    assert!(
        num_at(&b1, "timestamp").is_some_and(|t| t > 1e12),
        "now() replaces Infinity"
    );
    assert!(
        at(&b1, "data").is_undefined(),
        "array data is not an object"
    );
    let b2 = at(&ev, "breadcrumbs.2");
    assert_eq!(str_at(&b2, "message").as_deref(), Some("big data"));
    assert!(at(&b2, "data").is_undefined(), "data over 16 KB is dropped");
}

#[wasm_bindgen_test]
fn sample_rate_zero_drops_everything() {
    let sdk = Running::start(&[("sampleRate", 0.into())]);
    assert_eq!(capture_exception("x".into()), None);
    assert_eq!(capture_message("x".into(), JsValue::UNDEFINED), None);
    assert_eq!(track("x".into(), JsValue::UNDEFINED), None);
    assert_eq!(queued(), 0);
    assert_eq!(sdk.seen(), 0);
    // A rate that is not a number is ignored (default 1).
    let _sdk = Running::start(&[("sampleRate", "0".into())]);
    assert!(capture_message("x".into(), JsValue::UNDEFINED).is_some());
}

#[wasm_bindgen_test]
fn the_queue_is_bounded() {
    let _sdk = Running::start(&[("maxQueueSize", 2.into())]);
    assert!(capture_message("1".into(), JsValue::UNDEFINED).is_some());
    assert!(capture_message("2".into(), JsValue::UNDEFINED).is_some());
    assert_eq!(capture_message("3".into(), JsValue::UNDEFINED), None);
    assert_eq!(queued(), 2);
}

#[wasm_bindgen_test]
fn dedupe_drops_an_immediately_repeated_error() {
    let _sdk = Running::start(&[("defaultIntegrations", JsValue::UNDEFINED)]);
    let error: JsValue = js_sys::Error::new("same").into();
    assert!(capture_exception(error.clone()).is_some());
    assert_eq!(
        capture_exception(error.clone()),
        None,
        "the repeat is dropped"
    );
    assert!(capture_exception(js_sys::Error::new("other").into()).is_some());
    assert!(capture_exception(error).is_some(), "not a repeat any more");
    assert_eq!(queued(), 3);

    let _sdk = Running::start(&[("defaultIntegrations", false.into())]);
    let error: JsValue = js_sys::Error::new("same").into();
    assert!(capture_exception(error.clone()).is_some());
    assert!(
        capture_exception(error).is_some(),
        "no dedupe without default integrations"
    );
}

// ---------------------------------------------------------------------------------------------
// The process hook (beforeSend and JS integrations)
// ---------------------------------------------------------------------------------------------

#[wasm_bindgen_test]
fn a_hook_returning_null_drops_the_event() {
    let sdk = Running::start_with_hook(&[], |_| JsValue::NULL);
    assert_eq!(capture_exception("x".into()), None);
    assert_eq!(capture_message("x".into(), JsValue::UNDEFINED), None);
    assert_eq!(sdk.seen(), 2, "the hook saw both");
    assert_eq!(queued(), 0);
}

#[wasm_bindgen_test]
fn a_hook_returning_a_string_replaces_the_event() {
    let sdk = Running::start_with_hook(&[], |json| {
        let event = parse(json);
        Reflect::set(&event, &"tags".into(), &obj(&[("hooked", "yes".into())])).expect("set");
        JSON::stringify(&event).expect("stringify").into()
    });
    let id = capture_message("m".into(), JsValue::UNDEFINED).expect("kept");
    assert_eq!(queued(), 1);
    close();
    let sent = sdk.host.beaconed();
    assert_eq!(sent.len(), 1);
    assert_eq!(
        str_at(&sent[0], "events.0.tags.hooked").as_deref(),
        Some("yes")
    );
    assert_eq!(str_at(&sent[0], "events.0.event_id"), Some(id));
}

#[wasm_bindgen_test]
fn a_hook_returning_anything_else_keeps_the_event_unchanged() {
    for answer in [
        JsValue::UNDEFINED,
        5.into(),
        JsValue::TRUE,
        obj(&[("x", 1.into())]),
    ] {
        let sdk = Running::start_with_process(&[], &constant_hook(&answer));
        assert!(capture_message("kept".into(), JsValue::UNDEFINED).is_some());
        close();
        let sent = sdk.host.beaconed();
        assert_eq!(
            str_at(&sent[0], "events.0.message").as_deref(),
            Some("kept")
        );
    }
}

#[wasm_bindgen_test]
fn a_throwing_hook_keeps_the_event() {
    let sdk = Running::start_with_process(&[], &throwing_hook());
    assert!(capture_exception(js_sys::Error::new("kept").into()).is_some());
    assert_eq!(queued(), 1);
    close();
    let sent = sdk.host.beaconed();
    assert_eq!(
        str_at(&sent[0], "events.0.exception.values.0.value").as_deref(),
        Some("kept")
    );
}

#[wasm_bindgen_test]
fn a_hook_that_calls_back_into_the_sdk_is_refused_not_panicking() {
    use std::cell::RefCell;
    use std::rc::Rc;
    let inner: Rc<RefCell<Vec<String>>> = Rc::default();
    let log = inner.clone();
    let sdk = Running::start_with_hook(&[], move |_| {
        let mut log = log.borrow_mut();
        log.push(format!("{:?}", capture_exception("inner".into())));
        log.push(format!(
            "{:?}",
            capture_message("inner".into(), JsValue::UNDEFINED)
        ));
        log.push(format!("{:?}", track("inner".into(), JsValue::UNDEFINED)));
        let early: JsValue = Array::of2(&plain_event("error"), &1.into()).into();
        log.push(format!("{:?}", capture_early_error(early)));
        set_user(obj(&[("id", "from-hook".into())]));
        set_tag("from".into(), "hook".into());
        add_breadcrumb(obj(&[("message", "from hook".into())]));
        let ev = error_event("error", &obj(&[("error", js_sys::Error::new("e").into())]));
        log.push(format!("{:?}", cap(DOM_EVENT, ev, JsValue::UNDEFINED)));
        let host = make_host(&JsValue::UNDEFINED);
        log.push(format!("{}", init(quiet_options(&[]), host.into())));
        answer(200, None);
        tick();
        page_leave();
        close();
        log.push(format!("{} {} {}", flush_step(), queued(), is_enabled()));
        JsValue::UNDEFINED
    });
    let id = capture_exception(js_sys::Error::new("outer").into());
    assert!(id.is_some(), "the outer event is kept");
    assert_eq!(
        *inner.borrow(),
        [
            "None",
            "None",
            "None",
            "None",
            "None",
            "false",
            "false 0 false"
        ],
        "every call from inside the hook is refused"
    );
    assert_eq!(sdk.seen(), 1, "the hook ran once: no recursion");
    assert_eq!(queued(), 1);
    // close() inside the hook was refused like the rest: the SDK still works afterwards.
    let user = user_json();
    assert!(!user.contains("from-hook"), "{user}");
    assert!(capture_message("after".into(), JsValue::UNDEFINED).is_some());
    assert_eq!(queued(), 2);
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
// Sending: host.send, the timer, answers, beacons
// ---------------------------------------------------------------------------------------------

#[wasm_bindgen_test]
fn flush_step_sends_one_batch_at_a_time() {
    let sdk = Running::start(&[]);
    assert!(message("a").is_some());
    assert!(track("b".into(), JsValue::UNDEFINED).is_some());
    assert!(
        sdk.host.requests().is_empty(),
        "nothing is sent before it is due"
    );

    let before = js_sys::Date::now();
    assert!(flush_step(), "a request is in flight");
    assert_eq!(queued(), 0, "the batch is in flight");
    assert!(message("c").is_some());
    assert!(flush_step(), "still in flight");
    let requests = sdk.host.requests();
    assert_eq!(requests.len(), 1, "one request at a time");
    let (url, body, beacon) = &requests[0];
    assert_eq!(url, INGEST_URL);
    assert!(!beacon);
    assert_eq!(
        str_at(body, "sdk.name").as_deref(),
        Some("monitor-sdk.browser")
    );
    assert_eq!(str_at(body, "sdk.version").as_deref(), Some("0.1.0"));
    assert!(num_at(body, "sent_at").is_some_and(|t| t >= before));
    assert_eq!(len_at(body, "events"), 2);
    assert_eq!(str_at(body, "events.0.message").as_deref(), Some("a"));
    assert_eq!(str_at(body, "events.1.name").as_deref(), Some("b"));

    answer(200, None);
    assert!(with_sdk(|sdk| sdk.client.in_flight_id())
        .flatten()
        .is_none());
    assert_eq!(queued(), 1, "c waits for its batch");
    assert!(flush_step(), "the next batch goes out");
    assert_eq!(sdk.host.fetched().len(), 2);
    assert_eq!(
        str_at(&sdk.host.fetched()[1], "events.0.message").as_deref(),
        Some("c")
    );
    answer(204, None);
    assert_eq!(queued(), 0);
    assert!(!flush_step(), "nothing in flight, nothing queued");
    answer(200, None);
    assert_eq!(
        sdk.host.requests().len(),
        2,
        "a stray answer changes nothing"
    );
}

#[wasm_bindgen_test]
fn the_tunnel_receives_the_same_body() {
    let sdk = Running::start(&[("tunnel", "/monitor-tunnel".into())]);
    assert!(message("a").is_some());
    assert!(flush_step());
    let requests = sdk.host.requests();
    assert_eq!(requests[0].0, "/monitor-tunnel?key=k&project_id=1");
    assert_eq!(len_at(&requests[0].1, "events"), 1);
}

#[wasm_bindgen_test]
fn a_full_batch_is_sent_at_once() {
    let sdk = Running::start(&[("maxBatchSize", 3.into())]);
    for i in 0..2 {
        assert!(capture_message(i.into(), JsValue::UNDEFINED).is_some());
    }
    assert!(sdk.host.requests().is_empty());
    assert!(capture_message(2.into(), JsValue::UNDEFINED).is_some());
    let fetched = sdk.host.fetched();
    assert_eq!(fetched.len(), 1, "the third event filled the batch");
    assert_eq!(len_at(&fetched[0], "events"), 3);
    assert_eq!(queued(), 0);
}

#[wasm_bindgen_test]
async fn the_flush_interval_is_scheduled_through_the_host() {
    let sdk = Running::start(&[("flushInterval", 40.into())]);
    assert!(message("timed").is_some());
    let delays = sdk.host.delays();
    assert_eq!(delays.len(), 1);
    assert!(delays[0] > 0.0 && delays[0] <= 40.0, "{delays:?}");
    assert!(message("same batch").is_some());
    assert_eq!(
        sdk.host.delays().len(),
        1,
        "the armed timer already covers it"
    );

    // A tick before the deadline sends nothing and asks again for the rest of the wait.
    tick();
    assert!(sdk.host.requests().is_empty());
    assert_eq!(sdk.host.delays().len(), 2);

    let _ = sleep(60).await;
    tick();
    let fetched = sdk.host.fetched();
    assert_eq!(fetched.len(), 1, "the timer sent the batch");
    assert_eq!(len_at(&fetched[0], "events"), 2);
    answer(200, None);
    assert_eq!(sdk.host.delays().len(), 2, "nothing left to wait for");
}

#[wasm_bindgen_test]
async fn a_429_keeps_the_events_and_honours_retry_after() {
    // A short interval, so the next attempt is set by Retry-After, not by the interval.
    let sdk = Running::start(&[("flushInterval", 10.into())]);
    assert!(message("limited").is_some());
    assert!(flush_step());
    answer(429, Some(7.0));
    assert_eq!(queued(), 1, "kept for later");
    assert!(!flush_step(), "no request while rate-limited");
    let _ = sleep(20).await;
    tick();
    assert_eq!(sdk.host.requests().len(), 1, "still waiting");
    let wait = *sdk.host.delays().last().expect("a timer");
    assert!(
        wait > 6_000.0 && wait <= 7_000.0,
        "next attempt in {wait} ms"
    );
}

#[wasm_bindgen_test]
fn retry_after_values_are_bounded() {
    // (Retry-After seconds as the loader passes it, expected wait in seconds)
    for (retry_after, want) in [
        (Some(0.5), 0.5),
        (Some(120.0), 120.0),
        (None, 60.0),
        (Some(-5.0), 60.0),
        (Some(f64::INFINITY), 60.0),
        (Some(1e12), 3_600.0),
    ] {
        for status in [429, 503] {
            let _sdk = Running::start(&[("flushInterval", 0.into())]);
            assert!(message("m").is_some());
            assert!(with_sdk(|s| s.client.in_flight_id()).flatten().is_some());
            let sent = js_sys::Date::now();
            answer(status, retry_after);
            assert_eq!(queued(), 1);
            let wake = with_sdk(|s| s.client.next_wakeup())
                .flatten()
                .expect("a wakeup");
            let wait = (wake - sent) / 1000.0;
            assert!(
                (wait - want).abs() < 0.5,
                "{status} with {retry_after:?}: next attempt in {wait} s, want {want} s"
            );
        }
    }
}

#[wasm_bindgen_test]
fn answers_that_drop_or_keep_the_batch() {
    // (status, events still queued afterwards)
    for (status, kept) in [
        (200, 0),
        (299, 0),
        (400, 0),
        (401, 0),
        (403, 0),
        (413, 0),
        (0, 1),
        (408, 1),
        (429, 1),
        (500, 1),
        (503, 1),
        // Not a u16: a garbled status is a failure, not a truncated 200.
        (65_736, 1),
        (u32::MAX, 1),
    ] {
        let _sdk = Running::start(&[]);
        assert!(message("m").is_some());
        assert!(flush_step());
        answer(status, None);
        assert_eq!(queued(), kept, "status {status}");
        assert!(with_sdk(|sdk| sdk.client.in_flight_id())
            .flatten()
            .is_none());
    }
}

#[wasm_bindgen_test]
fn a_host_that_refuses_or_throws_keeps_the_events() {
    for (name, refuse) in [
        ("false", JsValue::FALSE),
        ("undefined", JsValue::UNDEFINED),
        ("a truthy non-boolean", "yes".into()),
        ("throws", JsValue::TRUE),
    ] {
        let sdk = Running::start(&[]);
        if name == "throws" {
            sdk.host.set_send_throws(true);
        } else {
            sdk.host.set_send_result(&refuse);
        }
        assert!(message("x").is_some());
        assert!(!flush_step(), "{name}: nothing in flight");
        assert_eq!(queued(), 1, "{name}");
        assert!(!flush_step(), "{name}: backing off");
        assert_eq!(sdk.host.requests().len(), 1, "{name}");
    }
}

#[wasm_bindgen_test]
fn leaving_the_page_hands_the_queue_to_the_beacon() {
    let sdk = Running::start(&[]);
    for i in 0..2 {
        assert!(capture_message(i.into(), JsValue::UNDEFINED).is_some());
    }
    page_leave();
    assert_eq!(queued(), 0);
    let requests = sdk.host.requests();
    assert_eq!(requests.len(), 1);
    let (url, body, beacon) = &requests[0];
    assert!(beacon);
    assert_eq!(url, INGEST_URL);
    assert_eq!(len_at(body, "events"), 2);
    page_leave();
    assert_eq!(sdk.host.requests().len(), 1, "nothing queued, nothing sent");
}

#[wasm_bindgen_test]
fn a_refused_beacon_keeps_the_events() {
    let sdk = Running::start(&[]);
    sdk.host.set_send_result(&JsValue::FALSE);
    assert!(message("x").is_some());
    page_leave();
    assert_eq!(queued(), 1, "kept for when the page comes back (bfcache)");
    assert_eq!(sdk.host.beaconed().len(), 1);
}

#[wasm_bindgen_test]
fn close_sends_everything_by_beacon_in_requests_under_60_kb() {
    let sdk = Running::start(&[]);
    for i in 0..20 {
        let text = format!("{i}:{}", "x".repeat(5_000));
        assert!(message(&text).is_some());
    }
    close();
    assert!(!is_enabled());
    let sizes = sdk.host.beacon_sizes();
    assert!(sizes.len() >= 2, "{sizes:?}");
    assert!(sizes.iter().all(|s| *s <= 60_000), "{sizes:?}");
    let events: u32 = sdk
        .host
        .beaconed()
        .iter()
        .map(|b| len_at(b, "events"))
        .sum();
    assert_eq!(events, 20);
}

#[wasm_bindgen_test]
fn a_host_that_calls_back_into_the_sdk_is_refused() {
    use std::cell::RefCell;
    use std::rc::Rc;
    let sdk = Running::start(&[("flushInterval", 10.into())]);
    let log: Rc<RefCell<Vec<String>>> = Rc::default();
    let send_log = log.clone();
    let send: Closure<dyn FnMut(JsValue, JsValue, JsValue) -> JsValue> =
        Closure::new(move |_url, _body, _beacon| {
            let mut log = send_log.borrow_mut();
            log.push(format!("{:?}", message("from send")));
            answer(200, None);
            tick();
            page_leave();
            log.push(format!("{} {}", flush_step(), queued()));
            JsValue::TRUE
        });
    let schedule_log = log.clone();
    let schedule: Closure<dyn FnMut(JsValue)> = Closure::new(move |_ms| {
        let mut log = schedule_log.borrow_mut();
        log.push(format!("{:?}", capture_exception("from schedule".into())));
    });
    Reflect::set(&sdk.host, &"send".into(), send.as_ref()).expect("set send");
    Reflect::set(&sdk.host, &"schedule".into(), schedule.as_ref()).expect("set schedule");

    assert!(message("outer").is_some());
    assert!(flush_step());
    assert_eq!(*log.borrow(), ["None", "None", "false 0"]);
    assert!(
        with_sdk(|sdk| sdk.client.in_flight_id())
            .flatten()
            .is_some(),
        "the on_response from inside send was refused"
    );
    answer(200, None);
    assert_eq!(queued(), 0);
    assert_eq!(sdk.seen(), 1);
    close();
}

// ---------------------------------------------------------------------------------------------
// Known bugs: these assert the intended behaviour and fail today. Run them with
// `-- --include-ignored`.
// ---------------------------------------------------------------------------------------------

#[wasm_bindgen_test]
#[ignore = "BUG: the answer to the previous SDK's request settles the new SDK's request"]
fn a_late_answer_after_re_init_does_not_settle_the_new_request() {
    let sdk = Running::start(&[]);
    assert!(message("old").is_some());
    assert!(flush_step());
    // close() and init again while the first request is in flight (the loader's close() does
    // this when flush() times out), then send from the new SDK.
    close();
    sdk.reinit(&[]);
    assert!(message("new").is_some());
    assert!(flush_step());
    assert_eq!(sdk.host.fetched().len(), 2);
    // The loader reports the old request's 200: that says nothing about the new one.
    answer(200, None);
    assert!(
        with_sdk(|s| s.client.in_flight_id()).flatten().is_some(),
        "the new request was marked delivered by the old answer"
    );
    // The new request fails: its event must come back to the queue.
    answer(503, None);
    assert_eq!(queued(), 1, "the new SDK's event was lost");
}

#[wasm_bindgen_test]
#[ignore = "BUG: a long breadcrumb trail makes every later event too large to send"]
fn long_breadcrumbs_do_not_make_every_event_too_large() {
    let _sdk = Running::start(&[]);
    for i in 0..100 {
        let message = format!("{i}: {}", "x".repeat(1_000));
        add_breadcrumb(obj(&[
            ("category", "console".into()),
            ("message", message.into()),
        ]));
    }
    assert!(
        capture_exception(js_sys::Error::new("after a noisy console").into()).is_some(),
        "the error was dropped as larger than one request"
    );
}

#[wasm_bindgen_test]
#[ignore = "BUG: user values are not cut, so one large value drops every later event"]
fn a_large_user_value_does_not_drop_every_event() {
    let _sdk = Running::start(&[]);
    set_user(obj(&[("id", "x".repeat(70_000).into())]));
    assert!(
        message("m").is_some(),
        "the event was dropped as larger than one request"
    );
}

#[wasm_bindgen_test]
#[ignore = "BUG: a message over 32K chars leaves no room for the stack's frames"]
fn an_error_with_a_long_message_keeps_its_frames() {
    reset();
    let short: JsValue = js_sys::Error::new("m").into();
    assert!(!generic(&short).frames.is_empty());
    let long: JsValue = js_sys::Error::new(&"m".repeat(40_000)).into();
    assert!(
        !generic(&long).frames.is_empty(),
        "the 32K stack cut kept only the message line"
    );
}

#[wasm_bindgen_test]
#[ignore = "BUG: beacons past the browser's 64 KiB keepalive quota are refused"]
fn leaving_the_page_sends_more_than_64_kib() {
    let sdk = Running::start(&[]);
    sdk.host.set_real_beacon(true);
    for i in 0..20 {
        let text = format!("{i}:{}", "x".repeat(5_000));
        assert!(message(&text).is_some());
    }
    page_leave();
    assert_eq!(
        queued(),
        0,
        "Chromium refused the second beacon: in-flight keepalive data is capped at 64 KiB"
    );
}

#[wasm_bindgen_test]
#[ignore = "BUG?: leaving the page within 5 s of a network error sends no beacon"]
fn leaving_the_page_after_a_network_error_still_uses_the_beacon() {
    let sdk = Running::start(&[]);
    assert!(message("m").is_some());
    assert!(flush_step());
    answer(0, None);
    assert_eq!(queued(), 1);
    page_leave();
    assert_eq!(
        sdk.host.beaconed().len(),
        1,
        "flush_beacon gives up while backing off, so the events die with the page"
    );
}

#[wasm_bindgen_test]
#[ignore = "BUG: a failed init still replaces the running SDK's global object"]
fn a_broken_re_init_keeps_the_running_sdks_page_access() {
    let sdk = Running::start(&[]);
    // A host without `global`, and a DSN that makes init fail.
    assert!(!init(obj(&[("dsn", "nope".into())]), obj(&[])));
    assert!(is_enabled());
    set_user(obj(&[("id", "u1".into())]));
    assert!(message("m").is_some());
    let ev = sdk.last_event();
    assert_eq!(
        str_at(&ev, "user.id").as_deref(),
        Some("u1"),
        "setUser found no Object.keys"
    );
    assert!(
        str_at(&ev, "page.url").is_some(),
        "the page context is gone"
    );
}
