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
//!   show known SDK bugs (marked `#[ignore = "bug: ..."]`); they fail until those are fixed.
//!
//! The whole file is wasm-only: natively (`cargo test --workspace`) it compiles to nothing.
//!
//! All tests share one wasm instance and so the SDK's global state. wasm-bindgen-test runs them
//! one at a time; each test that starts the SDK does so through `support::Running`, which closes
//! it when dropped, and tests that need "no SDK" call `reset()` first. The SDK's browser calls go
//! through the npm loader's `host` object (`global`, `send`, `beacon`, `schedule`, `process`);
//! the tests pass a recording stand-in and drive the loader's side by hand (`on_response` with
//! the id `send` was given, `tick`, `page_leave`), so nothing reaches the network (the few tests
//! that use Chromium's own sendBeacon or fetch post to a blocked port, see `support::DSN`).
//! Tests of functions that read page objects without a running SDK call `reset()`, which also
//! hands the SDK the real global object.

#![cfg(target_arch = "wasm32")]

mod support;

use js_sys::{Array, Reflect, JSON};
use monitor_sdk_browser::api::{
    add_breadcrumb, capture, capture_early_error, capture_exception, capture_message, close,
    flush_step, init, is_enabled, queued, scope, set_extra, set_tag, set_user_field, track,
    FLUSH_BLOCKED, FLUSH_DONE, FLUSH_IN_FLIGHT,
};
use monitor_sdk_browser::errors::{event_from_dom_event, exception_from_value};
use monitor_sdk_browser::options::from_js;
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
/// `scope` kinds (api.rs): one user field, tag, breadcrumb, clear the user, one extra.
const USER_FIELD: u32 = 0;
const TAG: u32 = 1;
const BREADCRUMB: u32 = 2;
const USER_CLEAR: u32 = 3;
const EXTRA: u32 = 4;

/// The largest request body (batch.rs): half the browser's 64 KiB keepalive quota, so a
/// page-leave beacon fits beside a keepalive fetch still in flight.
const MAX_REQUEST_BYTES: usize = 32_000;

/// `capture(kind, a, b)`, the export the loader calls, as an event id: it returns a JS string
/// or `undefined` (cheaper in the wasm than `Option<String>`), never anything else.
fn cap(kind: u32, a: JsValue, b: JsValue) -> Option<String> {
    let returned = capture(kind, a, b);
    let id = returned.as_string();
    assert!(
        id.is_some() || returned.is_undefined(),
        "capture returned {returned:?}"
    );
    id
}

/// The id of the request the client is waiting for an answer to, if any.
fn in_flight() -> Option<u32> {
    with_sdk(|sdk| sdk.client.in_flight_id()).flatten()
}

/// `clearUser`: the loader's `setUser(...)` calls this before setting each field.
fn clear_user() {
    scope(USER_CLEAR, JsValue::UNDEFINED, JsValue::UNDEFINED);
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
        set_user_field("key".into(), v.clone());
        set_extra("key".into(), v.clone());
        add_breadcrumb(obj(&[("message", v.clone()), ("data", v.clone())]));
        for id in [0, 1, 2, u32::MAX] {
            on_response(id, 200, v.as_f64().unwrap_or(f64::NAN));
            on_response(id, u32::MAX, f64::INFINITY);
            on_response(id, 429, -1.0);
        }
        tick();
        page_leave();
        assert_eq!(flush_step(), FLUSH_DONE, "flushStep after {name}");
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
// init and re-init
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
        assert_eq!(
            flush_step(),
            FLUSH_BLOCKED,
            "{name}: nothing can be in flight, the event waits"
        );
        assert_eq!(queued(), 1, "{name}: the event stays queued");
        page_leave();
        tick();
        on_response(1, 200, f64::NAN);
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

/// A stand-in global object whose page context is recognisable in events.
fn fake_global() -> JsValue {
    obj(&[
        ("location", obj(&[("href", "https://fake.test/".into())])),
        ("String", at(&js_sys::global().into(), "String")),
    ])
}

#[wasm_bindgen_test]
fn init_adopts_host_global_only_when_it_is_an_object() {
    let href = str_at(&js_sys::global().into(), "location.href").expect("location.href");
    // (host.global, the page URL events carry afterwards)
    for (name, global, want) in [
        ("the page's global", Some(js_sys::global().into()), &*href),
        ("another object", Some(fake_global()), "https://fake.test/"),
        ("missing", None, &*href),
        ("undefined", Some(JsValue::UNDEFINED), &*href),
        ("null", Some(JsValue::NULL), &*href),
        ("a string", Some("window".into()), &*href),
        ("a number", Some(5.into()), &*href),
    ] {
        reset();
        let host = make_host(&JsValue::UNDEFINED);
        match global {
            Some(global) => Reflect::set(&host, &"global".into(), &global).expect("set global"),
            None => {
                Reflect::delete_property(host.unchecked_ref::<js_sys::Object>(), &"global".into())
                    .expect("delete global")
            }
        };
        assert!(init(quiet_options(&[]), host.clone().into()), "{name}");
        assert!(message("m").is_some(), "{name}");
        close();
        let beaconed = host.beaconed();
        assert_eq!(beaconed.len(), 1, "{name}");
        assert_eq!(
            str_at(&beaconed[0], "events.0.page.url").as_deref(),
            Some(want),
            "{name}"
        );
    }
    reset();
}

#[wasm_bindgen_test]
fn a_broken_re_init_keeps_the_running_sdks_page_access() {
    let sdk = Running::start(&[]);
    // Hosts without an object `global`, and a DSN that makes init fail.
    for host in [obj(&[]), obj(&[("global", "window".into())]), JsValue::NULL] {
        assert!(!init(obj(&[("dsn", "nope".into())]), host));
        assert!(is_enabled());
        set_user_field("id".into(), 7.into());
        assert!(message("m").is_some());
        let ev = sdk.last_event();
        assert_eq!(str_at(&ev, "user.id").as_deref(), Some("7"));
        assert!(
            str_at(&ev, "page.url").is_some(),
            "the page context is gone"
        );
        assert!(str_at(&ev, "browser.user_agent").is_some());
    }
}

#[wasm_bindgen_test]
fn re_init_hands_the_old_queue_to_the_old_host_and_replaces_it() {
    let first = Running::start(&[("release", "first".into())]);
    assert!(message("old").is_some());
    // A second SDK, without close(): the old SDK's queue leaves by the OLD host's beacon,
    // and from now on only the new host and hook are used.
    let second_host = make_host(&JsValue::UNDEFINED);
    assert!(init(
        quiet_options(&[("release", "second".into())]),
        second_host.clone().into()
    ));
    assert!(is_enabled());
    let handed_over = first.host.beaconed();
    assert_eq!(handed_over.len(), 1, "the old queue went to the old beacon");
    assert_eq!(len_at(&handed_over[0], "events"), 1);
    assert_eq!(
        str_at(&handed_over[0], "events.0.message").as_deref(),
        Some("old")
    );
    assert_eq!(
        str_at(&handed_over[0], "events.0.release").as_deref(),
        Some("first")
    );
    assert!(first.host.fetched().is_empty());
    assert!(
        second_host.requests().is_empty(),
        "the new host saw nothing of the old SDK"
    );
    assert_eq!(queued(), 0, "the new SDK starts with an empty queue");

    assert!(message("new").is_some());
    assert_eq!(flush_step(), FLUSH_IN_FLIGHT);
    assert_eq!(first.seen(), 1, "the old hook saw only the old event");
    assert_eq!(first.host.requests().len(), 1, "the old host is not used");
    let fetched = second_host.fetched();
    assert_eq!(fetched.len(), 1);
    assert_eq!(len_at(&fetched[0], "events"), 1);
    assert_eq!(
        str_at(&fetched[0], "events.0.message").as_deref(),
        Some("new")
    );
    assert_eq!(
        str_at(&fetched[0], "events.0.release").as_deref(),
        Some("second")
    );
}

#[wasm_bindgen_test]
fn re_init_hands_over_one_batch_of_the_old_queue() {
    // The beacon carries one request (the browser's keepalive quota); the rest of the old
    // queue is dropped with the old SDK.
    let first = Running::start(&[]);
    for i in 0..20 {
        assert!(message(&format!("{i}:{}", "x".repeat(5_000))).is_some());
    }
    let second_host = make_host(&JsValue::UNDEFINED);
    assert!(init(quiet_options(&[]), second_host.clone().into()));
    let sizes = first.host.beacon_sizes();
    assert_eq!(sizes.len(), 1, "{sizes:?}");
    assert!(sizes[0] <= MAX_REQUEST_BYTES, "{sizes:?}");
    let handed_over = first.host.beaconed();
    let count = len_at(&handed_over[0], "events");
    assert!((1..20).contains(&count), "{count} of 20 events");
    assert!(
        str_at(&handed_over[0], "events.0.message").is_some_and(|m| m.starts_with("0:")),
        "the oldest events go first"
    );
    assert_eq!(queued(), 0);
    assert!(second_host.requests().is_empty());
}

#[wasm_bindgen_test]
fn an_answer_from_before_a_re_init_does_not_settle_the_new_request() {
    for close_first in [true, false] {
        let sdk = Running::start(&[]);
        assert!(message("old").is_some());
        assert_eq!(flush_step(), FLUSH_IN_FLIGHT);
        let old_id = sdk.host.last_id();
        // init again while the first request is in flight (the loader's close() closes the
        // wasm when flush() times out; a page can init again after it), then send from the
        // new SDK through the same host.
        if close_first {
            close();
        }
        sdk.reinit(&[]);
        assert!(message("new").is_some());
        assert_eq!(flush_step(), FLUSH_IN_FLIGHT);
        assert_eq!(sdk.host.fetched().len(), 2);
        let new_id = sdk.host.last_id();
        assert_ne!(new_id, old_id, "the new SDK reused the old request id");
        // The loader reports the old request's answer: it says nothing about the new one.
        for status in [200, 503, 400] {
            on_response(old_id, status, f64::NAN);
            assert_eq!(
                in_flight(),
                Some(new_id),
                "close first: {close_first}: the old answer {status} settled the new request"
            );
        }
        assert_eq!(queued(), 0);
        // The new request fails: its event comes back to the queue.
        sdk.host.answer(503, None);
        assert_eq!(in_flight(), None);
        assert_eq!(
            queued(),
            1,
            "close first: {close_first}: the new event was lost"
        );
    }
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

    scope(USER_FIELD, "id".into(), "u1".into());
    scope(USER_FIELD, "email".into(), "a@b.test".into());
    scope(TAG, "route".into(), "/home".into());
    scope(
        BREADCRUMB,
        obj(&[("message", "crumb".into())]),
        JsValue::UNDEFINED,
    );
    scope(EXTRA, "cart".into(), obj(&[("items", 3.into())]));
    for kind in [5, 6, u32::MAX] {
        scope(kind, "id".into(), "ignored".into());
        scope(kind, obj(&[("message", "ignored".into())]), "x".into());
    }
    assert!(message("after scope").is_some());
    let ev = sdk.last_event();
    assert_eq!(str_at(&ev, "user.id").as_deref(), Some("u1"));
    assert_eq!(str_at(&ev, "user.email").as_deref(), Some("a@b.test"));
    assert_eq!(str_at(&ev, "tags.route").as_deref(), Some("/home"));
    assert_eq!(num_at(&ev, "extra.cart.items"), Some(3.0));
    assert_eq!(
        keys_at(&ev, "extra"),
        ["cart"],
        "unknown kinds add no extra"
    );
    assert_eq!(len_at(&ev, "breadcrumbs"), 1, "unknown kinds add nothing");
    assert_eq!(
        str_at(&ev, "breadcrumbs.0.message").as_deref(),
        Some("crumb")
    );

    scope(USER_CLEAR, "id".into(), "ignored".into());
    assert!(message("after clear").is_some());
    let ev = sdk.last_event();
    assert!(at(&ev, "user.id").is_undefined(), "the user was cleared");
    assert!(at(&ev, "user.email").is_undefined(), "the user was cleared");
    assert!(
        str_at(&ev, "user.session_id").is_some(),
        "but not the session"
    );
    assert_eq!(str_at(&ev, "tags.route").as_deref(), Some("/home"));
    assert_eq!(
        num_at(&ev, "extra.cart.items"),
        Some(3.0),
        "clearing the user keeps the extras"
    );
    scope(EXTRA, "cart".into(), JsValue::UNDEFINED);
    assert!(message("after removing the extra").is_some());
    assert!(
        at(&sdk.last_event(), "extra").is_undefined(),
        "no extras, no extra object"
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

#[wasm_bindgen_test]
fn release_and_environment_are_cut() {
    reset();
    let o = from_js(&obj(&[
        ("release", "r".repeat(1_000).into()),
        ("environment", "é".repeat(1_000).into()),
    ]));
    // Limits are in bytes of UTF-8, cut on a character boundary, then '…' (3 bytes).
    assert_eq!(
        o.release,
        Some(format!("{}…", "r".repeat(200))),
        "200 bytes plus '…'"
    );
    assert_eq!(
        o.environment,
        Some(format!("{}…", "é".repeat(32))),
        "64 bytes (32 two-byte chars) plus '…'"
    );

    let o = from_js(&obj(&[
        ("release", "😀".repeat(51).into()),
        ("environment", "€".repeat(22).into()),
    ]));
    assert_eq!(
        o.release,
        Some(format!("{}…", "😀".repeat(50))),
        "200 bytes: 50 four-byte chars"
    );
    assert_eq!(
        o.environment,
        Some(format!("{}…", "€".repeat(21))),
        "63 bytes: the cut does not split the 22nd three-byte char"
    );

    let o = from_js(&obj(&[
        ("release", "é".repeat(100).into()),
        ("environment", "e".repeat(64).into()),
    ]));
    assert_eq!(o.release, Some("é".repeat(100)), "200 bytes are kept whole");
    assert_eq!(
        o.environment,
        Some("e".repeat(64)),
        "64 bytes are kept whole"
    );

    // Every event carries them, so they are cut before the first event is encoded.
    let sdk = Running::start(&[("release", "é".repeat(100_000).into())]);
    assert!(message("m").is_some());
    let release = str_at(&sdk.last_event(), "release").expect("release");
    assert_eq!(release, format!("{}…", "é".repeat(100)));
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
    // The page context is the URL and the referrer (when there is one); no title.
    let referrer = str_at(&js_sys::global().into(), "document.referrer").unwrap_or_default();
    let want: &[&str] = if referrer.is_empty() {
        &["url"]
    } else {
        &["url", "referrer"]
    };
    assert_eq!(keys_at(&ev, "page"), want);
    assert!(
        at(&ev, "page.title").is_undefined(),
        "the title is not sent"
    );
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
        set_tag(v.clone(), v.clone());
        set_user_field("hostile".into(), v.clone());
        set_user_field(v.clone(), v.clone());
        set_extra("hostile".into(), v.clone());
        set_extra(v.clone(), v.clone());
        scope(EXTRA, name.into(), v.clone());
        add_breadcrumb(obj(&[("message", v.clone()), ("data", v.clone())]));
        add_breadcrumb(v.clone());
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
        (JsValue::from_str("fatal"), "fatal"),
        ("error".into(), "error"),
        ("warning".into(), "warning"),
        ("info".into(), "info"),
        ("debug".into(), "debug"),
        // No aliases: "warn" and "log" are unknown levels like any other.
        ("warn".into(), "info"),
        ("log".into(), "info"),
        ("Warning".into(), "info"),
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
    assert_eq!(
        message,
        format!("{}…", "x".repeat(8_192)),
        "8,192 bytes plus '…'"
    );
    assert!(capture_message("語".repeat(9_000).into(), JsValue::UNDEFINED).is_some());
    let message = str_at(&sdk.last_event(), "message").expect("message");
    assert_eq!(
        message,
        format!("{}…", "語".repeat(2_730)),
        "8,190 bytes: the cut does not split a char"
    );
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

    let seen = sdk.seen();
    assert_eq!(track("".into(), obj(&[])), None, "an empty name is refused");
    for (name, v) in hostile_values() {
        if v.is_string() {
            continue;
        }
        assert_eq!(
            track(v, obj(&[])),
            None,
            "a name that is not a string ({name}) is refused"
        );
    }
    assert_eq!(
        track(boxed_string("boxed"), JsValue::UNDEFINED),
        None,
        "a String object is not a string"
    );
    assert_eq!(sdk.seen(), seen, "refused names reach no hook");
    assert!(track("n".repeat(500).into(), JsValue::UNDEFINED).is_some());
    let name = str_at(&sdk.last_event(), "name").expect("name");
    assert_eq!(
        name,
        format!("{}…", "n".repeat(200)),
        "names are cut at 200 bytes"
    );
    assert!(track("é".repeat(500).into(), JsValue::UNDEFINED).is_some());
    let name = str_at(&sdk.last_event(), "name").expect("name");
    assert_eq!(name, format!("{}…", "é".repeat(100)), "bytes, not chars");
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
// The scope: user, tags, breadcrumbs (set field by field through `scope`)
// ---------------------------------------------------------------------------------------------

fn map_json(map: &monitor_sdk_core::Map) -> String {
    let mut out = String::new();
    map.write_json(&mut out);
    out
}

fn user_json() -> String {
    with_sdk(|sdk| map_json(&sdk.client.scope.user)).expect("SDK running")
}

fn tags_json() -> String {
    with_sdk(|sdk| map_json(&sdk.client.scope.tags)).expect("SDK running")
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

/// Keys of a JSON object in the event, in order.
fn keys_at(ev: &JsValue, path: &str) -> Vec<String> {
    js_sys::Object::keys(&at(ev, path).into())
        .iter()
        .filter_map(|k| k.as_string())
        .collect()
}

#[wasm_bindgen_test]
fn init_leaves_the_user_and_tags_options_to_the_loader() {
    // The loader applies `user` and `tags` through `scope` after init.
    let sdk = Running::start(&[
        ("user", obj(&[("id", "from-init".into())])),
        ("tags", obj(&[("a", "1".into())])),
    ]);
    let session = session_json();
    assert_eq!(user_json(), format!("{{{session}}}"));
    assert_eq!(tags_json(), "{}");
    assert!(message("m").is_some());
    let ev = sdk.last_event();
    assert_eq!(keys_at(&ev, "user"), ["session_id"]);
    assert!(at(&ev, "tags").is_undefined(), "no tags, no tags object");
}

#[wasm_bindgen_test]
fn user_fields_are_set_one_at_a_time_and_keep_the_session() {
    let sdk = Running::start(&[]);
    let session = session_json();
    set_user_field("id".into(), "u1".into());
    set_user_field("email".into(), "a@b.test".into());
    set_user_field("age".into(), 42.into());
    set_user_field("admin".into(), JsValue::TRUE);
    set_user_field("plan".into(), obj(&[("tier", 2.into())]));
    set_user_field("sym".into(), JsValue::symbol(Some("s")));
    set_user_field("bad".into(), throwing_proxy());
    // Skipped: null and undefined values, keys that are not strings, the empty key.
    set_user_field("nothing".into(), JsValue::NULL);
    set_user_field("missing".into(), JsValue::UNDEFINED);
    set_user_field(5.into(), "number key".into());
    set_user_field(boxed_string("boxed"), "String object key".into());
    set_user_field("".into(), "empty key".into());
    let fields = concat!(
        r#""id":"u1","email":"a@b.test","age":"42","admin":"true","#,
        r#""plan":"{\"tier\":2}","sym":"Symbol(s)","bad":"""#,
    );
    assert_eq!(user_json(), format!("{{{session},{fields}}}"));
    assert!(message("m").is_some());
    let ev = sdk.last_event();
    assert_eq!(str_at(&ev, "user.id").as_deref(), Some("u1"));
    assert_eq!(str_at(&ev, "user.age").as_deref(), Some("42"));
    assert_eq!(str_at(&ev, "user.plan").as_deref(), Some(r#"{"tier":2}"#));

    // A field set again is replaced in place; null does not delete it (the loader's
    // setUser clears the user first).
    set_user_field("id".into(), "u2".into());
    set_user_field("id".into(), JsValue::NULL);
    assert!(
        user_json().contains(r#""id":"u2","email""#),
        "{}",
        user_json()
    );

    // The page cannot replace the SDK's session id, by any value.
    for forged in ["page-value".into(), JsValue::from_f64(1.0), obj(&[])] {
        set_user_field("session_id".into(), forged);
        assert!(user_json().starts_with(&format!("{{{session},")));
    }
    scope(USER_FIELD, "session_id".into(), "page-value".into());
    assert!(!user_json().contains("page-value"));

    // Clearing the user keeps the session.
    clear_user();
    assert_eq!(user_json(), format!("{{{session}}}"));
    assert!(message("after clear").is_some());
    assert_eq!(keys_at(&sdk.last_event(), "user"), ["session_id"]);
    clear_user();
    assert_eq!(user_json(), format!("{{{session}}}"));
}

#[wasm_bindgen_test]
fn user_fields_are_capped_in_number_and_length() {
    let sdk = Running::start(&[]);
    set_user_field("k".repeat(100).into(), "v".repeat(1_000).into());
    set_user_field("id".into(), "é".repeat(256).into());
    assert!(message("m").is_some());
    let ev = sdk.last_event();
    let long_key = format!("{}…", "k".repeat(64));
    assert_eq!(
        keys_at(&ev, "user"),
        ["session_id", long_key.as_str(), "id"]
    );
    let value = str_at(&at(&ev, "user"), &long_key).expect("long user field");
    assert_eq!(value, format!("{}…", "v".repeat(256)), "256 bytes plus '…'");
    assert_eq!(
        str_at(&ev, "user.id"),
        Some(format!("{}…", "é".repeat(128))),
        "256 bytes of two-byte chars plus '…'"
    );

    // Keys and values are cut by bytes, on a character boundary.
    clear_user();
    set_user_field("é".repeat(64).into(), "😀".repeat(65).into());
    set_user_field("name".into(), "é".repeat(128).into());
    set_user_field("€".repeat(30).into(), "€".repeat(86).into());
    assert!(message("m").is_some());
    let ev = sdk.last_event();
    let two_byte_key = format!("{}…", "é".repeat(32));
    let three_byte_key = format!("{}…", "€".repeat(21));
    assert_eq!(
        keys_at(&ev, "user"),
        [
            "session_id",
            two_byte_key.as_str(),
            "name",
            three_byte_key.as_str()
        ]
    );
    assert_eq!(
        str_at(&at(&ev, "user"), &two_byte_key),
        Some(format!("{}…", "😀".repeat(64)))
    );
    assert_eq!(
        str_at(&ev, "user.name"),
        Some("é".repeat(128)),
        "256 bytes are kept whole"
    );
    assert_eq!(
        str_at(&at(&ev, "user"), &three_byte_key),
        Some(format!("{}…", "€".repeat(85))),
        "255 bytes: the cut does not split the 86th char"
    );

    // 30 keys at most, the session id among them (29 for the page): a loop in the page
    // cannot grow every event.
    clear_user();
    for i in 0..1_000 {
        set_user_field(format!("k{i}").into(), format!("v{i}").into());
    }
    let len = with_sdk(|sdk| sdk.client.scope.user.len());
    assert_eq!(len, Some(30), "30 user keys, the session id included");
    let user = user_json();
    assert!(
        user.contains(r#""k28":"v28""#) && !user.contains(r#""k29""#),
        "{user}"
    );
    // A full user still takes new values for its keys, and keeps its session.
    set_user_field("k0".into(), "changed".into());
    assert!(user_json().contains(r#""k0":"changed""#));
    assert!(user_json().contains(&session_json()));
}

#[wasm_bindgen_test]
fn a_large_user_value_does_not_drop_every_event() {
    let sdk = Running::start(&[]);
    set_user_field("id".into(), "x".repeat(70_000).into());
    assert!(
        message("m").is_some(),
        "the event was dropped as larger than one request"
    );
    let id = str_at(&sdk.last_event(), "user.id").expect("user.id");
    assert_eq!(id, format!("{}…", "x".repeat(256)));
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
fn tags_are_set_one_at_a_time_and_bounded() {
    let sdk = Running::start(&[]);
    set_tag("route".into(), "/home".into());
    set_tag("count".into(), 3.into());
    set_tag("obj".into(), obj(&[("x", 1.into())]));
    set_tag("ignored-undefined".into(), JsValue::UNDEFINED);
    set_tag("ignored-null".into(), JsValue::NULL);
    set_tag(5.into(), "ignored-non-string-key".into());
    set_tag("".into(), "ignored-empty-key".into());
    set_tag("k".repeat(100).into(), "v".repeat(1_000).into());
    set_tag("route".into(), "/checkout".into());
    assert!(message("m").is_some());
    let ev = sdk.last_event();
    let tags = at(&ev, "tags");
    let long_key = format!("{}…", "k".repeat(32));
    assert_eq!(
        keys_at(&ev, "tags"),
        ["route", "count", "obj", long_key.as_str()]
    );
    assert_eq!(str_at(&tags, "route").as_deref(), Some("/checkout"));
    assert_eq!(str_at(&tags, "count").as_deref(), Some("3"));
    assert_eq!(str_at(&tags, "obj").as_deref(), Some(r#"{"x":1}"#));
    let long_value = str_at(&tags, &long_key).expect("long tag");
    assert_eq!(
        long_value,
        format!("{}…", "v".repeat(200)),
        "200 bytes plus '…'"
    );

    // null and undefined leave a tag as it was (like user fields): they neither set "null"
    // nor remove it.
    for value in [JsValue::NULL, JsValue::UNDEFINED] {
        set_tag("route".into(), value.clone());
        scope(TAG, "route".into(), value);
    }
    assert!(message("m").is_some());
    let ev = sdk.last_event();
    assert_eq!(str_at(&ev, "tags.route").as_deref(), Some("/checkout"));
    assert_eq!(keys_at(&ev, "tags").len(), 4);

    // Keys (32) and values (200) are cut by bytes, on a character boundary.
    set_tag("é".repeat(20).into(), "😀".repeat(51).into());
    set_tag("€".repeat(11).into(), "€".repeat(67).into());
    set_tag("name".into(), "é".repeat(100).into());
    assert!(message("m").is_some());
    let tags = at(&sdk.last_event(), "tags");
    assert_eq!(
        str_at(&tags, &format!("{}…", "é".repeat(16))),
        Some(format!("{}…", "😀".repeat(50)))
    );
    assert_eq!(
        str_at(&tags, &format!("{}…", "€".repeat(10))),
        Some(format!("{}…", "€".repeat(66))),
        "30 and 198 bytes: the cut does not split a char"
    );
    assert_eq!(
        str_at(&tags, "name"),
        Some("é".repeat(100)),
        "200 bytes are kept whole"
    );

    // 50 tags at most; a full set still takes new values for its keys.
    for i in 0..1_000 {
        set_tag(format!("t{i}").into(), i.into());
    }
    assert_eq!(with_sdk(|sdk| sdk.client.scope.tags.len()), Some(50));
    set_tag("route".into(), "/again".into());
    assert!(message("m").is_some());
    let ev = sdk.last_event();
    assert_eq!(keys_at(&ev, "tags").len(), 50);
    assert_eq!(str_at(&ev, "tags.route").as_deref(), Some("/again"));
    assert_eq!(str_at(&ev, "tags.t42").as_deref(), Some("42"));
    assert!(at(&ev, "tags.t43").is_undefined());
}

fn extra_json() -> String {
    with_sdk(|sdk| map_json(&sdk.client.scope.extra)).expect("SDK running")
}

#[wasm_bindgen_test]
fn extras_hold_any_json_value() {
    let sdk = Running::start(&[]);
    assert!(message("none yet").is_some());
    assert!(
        at(&sdk.last_event(), "extra").is_undefined(),
        "no extras, no extra object"
    );

    let cart = obj(&[
        ("items", Array::of2(&1.into(), &"two".into()).into()),
        ("total", 9.5.into()),
        ("coupon", JsValue::NULL),
    ]);
    set_extra("cart".into(), cart);
    set_extra("count".into(), 3.into());
    set_extra("text".into(), "line\n\"quoted\" \u{2028}é😀".into());
    set_extra("flag".into(), JsValue::FALSE);
    set_extra("nothing".into(), JsValue::NULL);
    set_extra("list".into(), Array::of2(&JsValue::NULL, &obj(&[])).into());
    scope(EXTRA, "via scope".into(), "dispatched".into());
    assert_eq!(
        extra_json(),
        concat!(
            r#"{"cart":{"items":[1,"two"],"total":9.5,"coupon":null},"count":3,"#,
            // JSON.stringify leaves U+2028 as it is: valid JSON since ES2019.
            r#""text":"line\n\"quoted\" "#,
            "\u{2028}",
            r#"é😀","flag":false,"nothing":null,"#,
            r#""list":[null,{}],"via scope":"dispatched"}"#
        ),
        "the page's JSON.stringify text, in the order set"
    );

    // Every kind of event carries them.
    assert!(message("m").is_some());
    assert!(capture_exception(js_sys::Error::new("e").into()).is_some());
    assert!(track("t".into(), JsValue::UNDEFINED).is_some());
    for ev in sdk.events().iter().skip(1) {
        assert_eq!(
            keys_at(ev, "extra"),
            [
                "cart",
                "count",
                "text",
                "flag",
                "nothing",
                "list",
                "via scope"
            ]
        );
        assert_eq!(str_at(ev, "extra.cart.items.1").as_deref(), Some("two"));
        assert_eq!(num_at(ev, "extra.cart.total"), Some(9.5));
        assert_eq!(num_at(ev, "extra.count"), Some(3.0));
        assert_eq!(
            str_at(ev, "extra.text").as_deref(),
            Some("line\n\"quoted\" \u{2028}é😀")
        );
        assert_eq!(at(ev, "extra.flag"), JsValue::FALSE);
        assert!(at(ev, "extra.nothing").is_null(), "null is a value");
        assert_eq!(len_at(ev, "extra.list"), 2);
    }

    // Set again: replaced in place. undefined removes the key (the map's order may change:
    // JSON readers ignore it); null keeps it as null.
    set_extra("count".into(), 4.into());
    set_extra("cart".into(), JsValue::UNDEFINED);
    scope(EXTRA, "via scope".into(), JsValue::UNDEFINED);
    set_extra("never set".into(), JsValue::UNDEFINED);
    set_extra("flag".into(), JsValue::NULL);
    assert!(message("m").is_some());
    let ev = sdk.last_event();
    let mut keys = keys_at(&ev, "extra");
    keys.sort_unstable();
    assert_eq!(keys, ["count", "flag", "list", "nothing", "text"]);
    assert_eq!(num_at(&ev, "extra.count"), Some(4.0));
    assert!(at(&ev, "extra.flag").is_null());
    assert!(at(&ev, "extra.nothing").is_null());
    assert_eq!(len_at(&ev, "extra.list"), 2);
    assert_eq!(
        str_at(&ev, "extra.text").as_deref(),
        Some("line\n\"quoted\" \u{2028}é😀")
    );

    // Values JSON cannot hold are sent as null, not dropped and not thrown.
    set_extra("count".into(), JsValue::UNDEFINED);
    set_extra("text".into(), JsValue::UNDEFINED);
    for (name, value) in [
        ("function", named_function()),
        ("symbol", JsValue::symbol(Some("s"))),
        ("bigint", bigint()),
        ("circular", circular()),
        ("unprintable", unprintable()),
        ("throwing proxy", throwing_proxy()),
        ("revoked proxy", revoked_proxy()),
        ("NaN (JSON null)", JsValue::from_f64(f64::NAN)),
    ] {
        set_extra(name.into(), value);
    }
    assert!(message("m").is_some());
    let ev = sdk.last_event();
    for name in [
        "function",
        "symbol",
        "bigint",
        "circular",
        "unprintable",
        "throwing proxy",
        "revoked proxy",
        "NaN (JSON null)",
    ] {
        assert!(at(&at(&ev, "extra"), name).is_null(), "{name}");
    }

    // Keys: strings only, not empty, cut at 64 bytes.
    let before = extra_json();
    set_extra(5.into(), "number key".into());
    set_extra(boxed_string("boxed"), "String object key".into());
    set_extra(JsValue::NULL, "null key".into());
    set_extra("".into(), "empty key".into());
    assert_eq!(extra_json(), before, "refused keys");
    set_extra("k".repeat(100).into(), 1.into());
    set_extra("é".repeat(40).into(), 2.into());
    assert!(message("m").is_some());
    let extra = at(&sdk.last_event(), "extra");
    assert_eq!(num_at(&extra, &format!("{}…", "k".repeat(64))), Some(1.0));
    assert_eq!(num_at(&extra, &format!("{}…", "é".repeat(32))), Some(2.0));
}

#[wasm_bindgen_test]
fn extras_are_capped_in_size_and_number() {
    let sdk = Running::start(&[]);
    // Up to 4,096 bytes of JSON (UTF-8) are kept; a larger value is sent as null.
    set_extra("ascii".into(), "x".repeat(4_094).into());
    set_extra("ascii over".into(), "x".repeat(4_095).into());
    set_extra("multibyte".into(), "é".repeat(2_047).into());
    set_extra("multibyte over".into(), "é".repeat(2_048).into());
    // {"blob":"…"} is 11 bytes of JSON around the text.
    set_extra("object".into(), obj(&[("blob", "y".repeat(4_085).into())]));
    set_extra(
        "object over".into(),
        obj(&[("blob", "y".repeat(4_086).into())]),
    );
    assert!(message("m").is_some());
    let extra = at(&sdk.last_event(), "extra");
    assert_eq!(str_at(&extra, "ascii").map(|s| s.len()), Some(4_094));
    assert!(at(&extra, "ascii over").is_null());
    assert_eq!(str_at(&extra, "multibyte"), Some("é".repeat(2_047)));
    assert!(at(&extra, "multibyte over").is_null(), "4,098 bytes");
    assert_eq!(str_at(&extra, "object.blob").map(|s| s.len()), Some(4_085));
    assert!(at(&extra, "object over").is_null());

    // 30 extras at most; a full map still takes new values for its keys, and a removed key
    // frees a place.
    for i in 0..1_000 {
        set_extra(format!("e{i}").into(), i.into());
    }
    assert_eq!(with_sdk(|sdk| sdk.client.scope.extra.len()), Some(30));
    set_extra("ascii".into(), "changed".into());
    set_extra("e23".into(), 0.into());
    assert!(message("m").is_some());
    let ev = sdk.last_event();
    assert_eq!(keys_at(&ev, "extra").len(), 30);
    assert_eq!(str_at(&ev, "extra.ascii").as_deref(), Some("changed"));
    assert_eq!(num_at(&ev, "extra.e23"), Some(0.0));
    assert!(at(&ev, "extra.e24").is_undefined());
    set_extra("e0".into(), JsValue::UNDEFINED);
    set_extra("late".into(), "kept".into());
    set_extra("later".into(), "refused".into());
    assert!(message("m").is_some());
    let ev = sdk.last_event();
    assert!(at(&ev, "extra.e0").is_undefined());
    assert_eq!(str_at(&ev, "extra.late").as_deref(), Some("kept"));
    assert!(at(&ev, "extra.later").is_undefined());
    assert_eq!(keys_at(&ev, "extra").len(), 30);

    // Extras belong to the SDK: a new init starts without them.
    sdk.reinit(&[]);
    assert_eq!(extra_json(), "{}");
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
        ("level", "warn".into()),
        // {"blob":"…"}: 2,049 bytes of JSON, one over the limit.
        ("data", obj(&[("blob", "x".repeat(2_038).into())])),
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
    assert_eq!(
        str_at(&b2, "level").as_deref(),
        Some("info"),
        "\"warn\" is no level"
    );
    assert!(at(&b2, "data").is_undefined(), "data over 2 KB is dropped");

    add_breadcrumb(obj(&[
        ("message", "m".repeat(5_000).into()),
        ("data", obj(&[("blob", "x".repeat(2_037).into())])),
    ]));
    assert!(capture_message("m".into(), JsValue::UNDEFINED).is_some());
    let b2 = at(&sdk.last_event(), "breadcrumbs.2");
    let message = str_at(&b2, "message").expect("message");
    assert_eq!(
        message,
        format!("{}…", "m".repeat(1_024)),
        "1,024 bytes plus '…'"
    );
    assert_eq!(
        str_at(&b2, "data.blob").map(|b| b.len()),
        Some(2_037),
        "2 KB of data JSON is kept"
    );

    // Messages (1,024) and categories (64) are cut by bytes, on a character boundary.
    add_breadcrumb(obj(&[
        ("category", "€".repeat(30).into()),
        ("message", "語".repeat(1_000).into()),
    ]));
    add_breadcrumb(obj(&[
        ("category", "c".repeat(64).into()),
        ("message", "é".repeat(512).into()),
    ]));
    add_breadcrumb(obj(&[("category", "c".repeat(100).into())]));
    assert!(capture_message("m".into(), JsValue::UNDEFINED).is_some());
    let ev = sdk.last_event();
    let b0 = at(&ev, "breadcrumbs.0");
    assert_eq!(
        str_at(&b0, "category"),
        Some(format!("{}…", "€".repeat(21))),
        "63 bytes of category"
    );
    assert_eq!(
        str_at(&b0, "message"),
        Some(format!("{}…", "語".repeat(341))),
        "1,023 bytes of message"
    );
    let b1 = at(&ev, "breadcrumbs.1");
    assert_eq!(str_at(&b1, "category"), Some("c".repeat(64)), "kept whole");
    assert_eq!(str_at(&b1, "message"), Some("é".repeat(512)), "kept whole");
    assert_eq!(
        str_at(&ev, "breadcrumbs.2.category"),
        Some(format!("{}…", "c".repeat(64)))
    );
}

#[wasm_bindgen_test]
fn an_event_too_large_with_its_breadcrumbs_is_sent_without_them() {
    let sdk = Running::start(&[]);
    set_tag("kept".into(), "yes".into());
    for i in 0..3 {
        add_breadcrumb(obj(&[("message", format!("small {i}").into())]));
    }
    assert!(message("with a short trail").is_some());
    assert_eq!(len_at(&sdk.last_event(), "breadcrumbs"), 3);

    // A noisy console: 100 breadcrumbs of 1 KB messages and 2 KB data, about 300 KB.
    for i in 0..100 {
        add_breadcrumb(obj(&[
            ("category", "console".into()),
            ("message", format!("{i}: {}", "x".repeat(1_000)).into()),
            ("data", obj(&[("arg", "y".repeat(2_000).into())])),
        ]));
    }
    let id = capture_exception(js_sys::Error::new("after a noisy console").into())
        .expect("the error was dropped as larger than one request");
    let ev = sdk.last_event();
    assert_eq!(str_at(&ev, "event_id"), Some(id));
    assert!(
        at(&ev, "breadcrumbs").is_undefined(),
        "the trail that did not fit is left out"
    );
    assert_eq!(
        str_at(&ev, "exception.values.0.value").as_deref(),
        Some("after a noisy console")
    );
    assert_eq!(str_at(&ev, "tags.kept").as_deref(), Some("yes"));
    assert!(str_at(&ev, "page.url").is_some());
    assert!(sdk.host.requests().is_empty());
    close();
    let sizes = sdk.host.beacon_sizes();
    assert!(
        sizes.len() == 1 && sizes[0] <= MAX_REQUEST_BYTES,
        "{sizes:?}"
    );

    // Later events fit again once the trail is short again.
    let sdk = Running::start(&[("maxBreadcrumbs", 10.into())]);
    for i in 0..20 {
        add_breadcrumb(obj(&[
            ("message", format!("{i}: {}", "x".repeat(1_000)).into()),
            ("data", obj(&[("arg", "y".repeat(2_000).into())])),
        ]));
    }
    assert!(message("ten crumbs fit").is_some());
    assert_eq!(len_at(&sdk.last_event(), "breadcrumbs"), 10);
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
        set_user_field("id".into(), "from-hook".into());
        clear_user();
        set_tag("from".into(), "hook".into());
        add_breadcrumb(obj(&[("message", "from hook".into())]));
        let ev = error_event("error", &obj(&[("error", js_sys::Error::new("e").into())]));
        log.push(format!("{:?}", cap(DOM_EVENT, ev, JsValue::UNDEFINED)));
        let host = make_host(&JsValue::UNDEFINED);
        log.push(format!("{}", init(quiet_options(&[]), host.into())));
        on_response(1, 200, f64::NAN);
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
        ["None", "None", "None", "None", "None", "false", "0 0 false"],
        "every call from inside the hook is refused"
    );
    assert_eq!(sdk.seen(), 1, "the hook ran once: no recursion");
    assert_eq!(queued(), 1);
    // close() inside the hook was refused like the rest: the SDK still works afterwards.
    let user = user_json();
    assert!(!user.contains("from-hook"), "{user}");
    assert_eq!(tags_json(), "{}");
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
// Sending: host.send, the timer, answers
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
    assert_eq!(flush_step(), FLUSH_IN_FLIGHT, "a request is in flight");
    assert_eq!(queued(), 0, "the batch is in flight");
    assert_eq!(
        in_flight(),
        Some(sdk.host.last_id()),
        "send got the request id"
    );
    assert!(message("c").is_some());
    assert_eq!(flush_step(), FLUSH_IN_FLIGHT, "still in flight");
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

    sdk.host.answer(200, None);
    assert_eq!(in_flight(), None);
    assert_eq!(queued(), 1, "c waits for its batch");
    assert_eq!(flush_step(), FLUSH_IN_FLIGHT, "the next batch goes out");
    assert_eq!(sdk.host.fetched().len(), 2);
    assert_eq!(
        str_at(&sdk.host.fetched()[1], "events.0.message").as_deref(),
        Some("c")
    );
    sdk.host.answer(204, None);
    assert_eq!(queued(), 0);
    assert_eq!(
        flush_step(),
        FLUSH_DONE,
        "nothing in flight, nothing queued"
    );
    assert_eq!(flush_step(), FLUSH_DONE, "and again: nothing is sent");
    sdk.host.answer(200, None);
    assert_eq!(
        sdk.host.requests().len(),
        2,
        "a stray answer changes nothing"
    );
}

#[wasm_bindgen_test]
fn flush_step_says_done_in_flight_or_blocked() {
    // What the loader's flush() loop reads: 0 done, 1 wait for the answer, 2 give up for now.
    assert_eq!((FLUSH_DONE, FLUSH_IN_FLIGHT, FLUSH_BLOCKED), (0, 1, 2));
    reset();
    assert_eq!(flush_step(), FLUSH_DONE, "no SDK");
    let sdk = Running::start(&[]);
    assert_eq!(flush_step(), FLUSH_DONE, "nothing queued");
    assert!(sdk.host.requests().is_empty());

    assert!(message("a").is_some());
    assert_eq!(flush_step(), FLUSH_IN_FLIGHT);
    assert_eq!(queued(), 0);
    assert_eq!(
        flush_step(),
        FLUSH_IN_FLIGHT,
        "in flight with an empty queue is not done"
    );
    sdk.host.answer(200, None);
    assert_eq!(flush_step(), FLUSH_DONE, "delivered");

    // The collector asks to wait: queued events are blocked, not done.
    assert!(message("b").is_some());
    assert_eq!(flush_step(), FLUSH_IN_FLIGHT);
    sdk.host.answer(503, Some(30.0));
    assert_eq!(queued(), 1);
    assert_eq!(flush_step(), FLUSH_BLOCKED);
    assert_eq!(sdk.host.fetched().len(), 2, "no request while blocked");

    // A request still in flight while the SDK closes: no SDK, nothing more to wait for.
    let sdk = Running::start(&[]);
    assert!(message("c").is_some());
    assert_eq!(flush_step(), FLUSH_IN_FLIGHT);
    close();
    assert_eq!(flush_step(), FLUSH_DONE, "after close");
    assert_eq!(sdk.host.fetched().len(), 1);
}

#[wasm_bindgen_test]
fn request_ids_start_at_a_random_value() {
    let mut first_ids = Vec::new();
    for _ in 0..4 {
        let sdk = Running::start(&[]);
        assert!(message("m").is_some());
        assert_eq!(flush_step(), FLUSH_IN_FLIGHT);
        first_ids.push(sdk.host.last_id());
    }
    first_ids.sort_unstable();
    first_ids.dedup();
    assert!(
        first_ids.len() >= 2,
        "four SDKs all started at request id {first_ids:?}"
    );
}

#[wasm_bindgen_test]
fn only_the_answer_to_the_request_in_flight_settles_it() {
    let sdk = Running::start(&[]);
    assert!(message("a").is_some());
    assert_eq!(flush_step(), FLUSH_IN_FLIGHT);
    let id = sdk.host.last_id();
    assert_eq!(in_flight(), Some(id));
    for wrong in [id.wrapping_add(1), id.wrapping_sub(1), 0, u32::MAX] {
        for status in [200, 503, 0] {
            on_response(wrong, status, f64::NAN);
            assert_eq!(in_flight(), Some(id), "answer {status} to request {wrong}");
            assert_eq!(queued(), 0, "answer {status} to request {wrong}");
        }
    }
    sdk.host.answer(200, None);
    assert_eq!(in_flight(), None);
    // A repeated answer to a settled request changes nothing.
    sdk.host.answer(503, None);
    assert_eq!(queued(), 0, "a second answer re-queued a delivered batch");

    assert!(message("b").is_some());
    assert_eq!(flush_step(), FLUSH_IN_FLIGHT);
    let next = sdk.host.last_id();
    assert_ne!(next, id, "each request has its own id");
    on_response(id, 200, f64::NAN);
    assert_eq!(
        in_flight(),
        Some(next),
        "the previous id settled the next request"
    );
    sdk.host.answer(500, None);
    assert_eq!(in_flight(), None);
    assert_eq!(queued(), 1);
}

#[wasm_bindgen_test]
fn the_tunnel_receives_the_same_body() {
    let sdk = Running::start(&[("tunnel", "/monitor-tunnel".into())]);
    assert!(message("a").is_some());
    assert_eq!(flush_step(), FLUSH_IN_FLIGHT);
    let requests = sdk.host.requests();
    assert_eq!(requests[0].0, "/monitor-tunnel?key=k&project_id=1");
    assert_eq!(len_at(&requests[0].1, "events"), 1);
    page_leave();
    assert!(message("b").is_some());
    page_leave();
    let requests = sdk.host.requests();
    assert_eq!(requests.len(), 2);
    assert!(requests[1].2, "a beacon");
    assert_eq!(requests[1].0, "/monitor-tunnel?key=k&project_id=1");
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
    sdk.host.answer(200, None);
    assert_eq!(sdk.host.delays().len(), 2, "nothing left to wait for");
}

#[wasm_bindgen_test]
async fn a_429_keeps_the_events_and_honours_retry_after() {
    // A short interval, so the next attempt is set by Retry-After, not by the interval.
    let sdk = Running::start(&[("flushInterval", 10.into())]);
    assert!(message("limited").is_some());
    assert_eq!(flush_step(), FLUSH_IN_FLIGHT);
    sdk.host.answer(429, Some(7.0));
    assert_eq!(queued(), 1, "kept for later");
    assert_eq!(flush_step(), FLUSH_BLOCKED, "no request while rate-limited");
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
            let sdk = Running::start(&[("flushInterval", 0.into())]);
            assert!(message("m").is_some());
            assert!(in_flight().is_some(), "sent at once");
            let sent = js_sys::Date::now();
            sdk.host.answer(status, retry_after);
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
        let sdk = Running::start(&[]);
        assert!(message("m").is_some());
        assert_eq!(flush_step(), FLUSH_IN_FLIGHT);
        sdk.host.answer(status, None);
        assert_eq!(queued(), kept, "status {status}");
        assert_eq!(in_flight(), None, "status {status}");
    }
}

#[wasm_bindgen_test]
fn a_failed_batch_is_retried_three_times_then_dropped() {
    let sdk = Running::start(&[]);
    assert!(message("m").is_some());
    for attempt in 1..=3 {
        // Each attempt after the 5 s back-off: a later clock, passed to the client directly.
        with_sdk(|s| {
            s.client
                .flush(js_sys::Date::now() + 10_000.0 * f64::from(attempt))
        });
        assert!(in_flight().is_some(), "attempt {attempt}");
        sdk.host.answer(500, None);
        assert_eq!(queued(), u32::from(attempt < 3), "after attempt {attempt}");
    }
    assert_eq!(sdk.host.fetched().len(), 3);
    let ids = sdk.host.ids();
    assert!(ids[0] != ids[1] && ids[1] != ids[2], "{ids:?}");
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
        assert_eq!(flush_step(), FLUSH_BLOCKED, "{name}: nothing in flight");
        assert_eq!(queued(), 1, "{name}");
        assert_eq!(flush_step(), FLUSH_BLOCKED, "{name}: backing off");
        assert_eq!(sdk.host.requests().len(), 1, "{name}");
    }
}

#[wasm_bindgen_test]
fn a_host_that_calls_back_into_the_sdk_is_refused() {
    use std::cell::{Cell, RefCell};
    use std::rc::Rc;
    let sdk = Running::start(&[("flushInterval", 10.into())]);
    let log: Rc<RefCell<Vec<String>>> = Rc::default();
    let sent_id: Rc<Cell<Option<u32>>> = Rc::default();
    let send_log = log.clone();
    let send_id = sent_id.clone();
    let send: Closure<dyn FnMut(JsValue, JsValue, JsValue) -> JsValue> =
        Closure::new(move |_url, _body, id: JsValue| {
            let id = id.as_f64().expect("a numeric id") as u32;
            send_id.set(Some(id));
            let mut log = send_log.borrow_mut();
            log.push(format!("{:?}", message("from send")));
            on_response(id, 200, f64::NAN);
            tick();
            page_leave();
            log.push(format!("{} {}", flush_step(), queued()));
            JsValue::TRUE
        });
    let beacon_log = log.clone();
    let beacon: Closure<dyn FnMut(JsValue, JsValue) -> JsValue> =
        Closure::new(move |_url, _body| {
            let mut log = beacon_log.borrow_mut();
            log.push(format!("beacon {:?} {}", message("from beacon"), queued()));
            close();
            JsValue::TRUE
        });
    let schedule_log = log.clone();
    let schedule: Closure<dyn FnMut(JsValue)> = Closure::new(move |_ms| {
        let mut log = schedule_log.borrow_mut();
        log.push(format!("{:?}", capture_exception("from schedule".into())));
    });
    Reflect::set(&sdk.host, &"send".into(), send.as_ref()).expect("set send");
    Reflect::set(&sdk.host, &"beacon".into(), beacon.as_ref()).expect("set beacon");
    Reflect::set(&sdk.host, &"schedule".into(), schedule.as_ref()).expect("set schedule");

    assert!(message("outer").is_some());
    assert_eq!(flush_step(), FLUSH_IN_FLIGHT);
    // flushStep from inside send is refused: it reports FLUSH_DONE (0), as with no SDK.
    assert_eq!(*log.borrow(), ["None", "None", "0 0"]);
    let id = sent_id.get().expect("send was called");
    assert_eq!(
        in_flight(),
        Some(id),
        "the on_response from inside send was refused"
    );
    on_response(id, 200, f64::NAN);
    assert_eq!(queued(), 0);

    assert!(message("left").is_some());
    page_leave();
    assert_eq!(
        log.borrow().last().map(String::as_str),
        Some("beacon None 0")
    );
    assert!(is_enabled(), "close() from inside beacon was refused");
    assert_eq!(sdk.seen(), 2);
    close();
}

// ---------------------------------------------------------------------------------------------
// Beacons: leaving the page, close
// ---------------------------------------------------------------------------------------------

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
    assert!(beacon, "host.beacon, not host.send");
    assert_eq!(url, INGEST_URL);
    assert_eq!(len_at(body, "events"), 2);
    assert_eq!(in_flight(), None, "no answer comes for a beacon");
    page_leave();
    assert_eq!(sdk.host.requests().len(), 1, "nothing queued, nothing sent");
}

#[wasm_bindgen_test]
fn leaving_the_page_sends_one_batch_per_call() {
    // The browser caps keepalive data in flight at 64 KiB: one batch (at most 32 KB, so it
    // fits beside a fetch in flight) per call.
    let sdk = Running::start(&[]);
    for i in 0..20 {
        assert!(message(&format!("{i}:{}", "x".repeat(5_000))).is_some());
    }
    page_leave();
    let sizes = sdk.host.beacon_sizes();
    assert_eq!(sizes.len(), 1, "{sizes:?}");
    assert!(sizes[0] <= MAX_REQUEST_BYTES, "{sizes:?}");
    let first = len_at(&sdk.host.beaconed()[0], "events");
    assert_eq!(queued(), 20 - first, "the rest stays queued");
    while queued() > 0 {
        let before = queued();
        page_leave();
        assert!(queued() < before, "each call sends a batch");
    }
    let sizes = sdk.host.beacon_sizes();
    assert!(
        sizes.len() >= 2 && sizes.iter().all(|s| *s <= MAX_REQUEST_BYTES),
        "{sizes:?}"
    );
    let events: Vec<String> = sdk
        .host
        .beaconed()
        .iter()
        .flat_map(|b| {
            (0..len_at(b, "events")).map(move |i| {
                let text = str_at(b, &format!("events.{i}.message")).expect("message");
                text.split(':').next().unwrap_or_default().to_string()
            })
        })
        .collect();
    let want: Vec<String> = (0..20).map(|i| i.to_string()).collect();
    assert_eq!(events, want, "every event once, oldest first");
}

#[wasm_bindgen_test]
fn leaving_the_page_while_a_request_is_in_flight_beacons_the_rest() {
    let sdk = Running::start(&[]);
    assert!(message("in flight").is_some());
    assert_eq!(flush_step(), FLUSH_IN_FLIGHT);
    let id = sdk.host.last_id();
    assert!(message("queued").is_some());
    page_leave();
    let beaconed = sdk.host.beaconed();
    assert_eq!(beaconed.len(), 1);
    assert_eq!(len_at(&beaconed[0], "events"), 1);
    assert_eq!(
        str_at(&beaconed[0], "events.0.message").as_deref(),
        Some("queued")
    );
    assert_eq!(
        in_flight(),
        Some(id),
        "the fetch in flight is still awaited"
    );
    sdk.host.answer(200, None);
    assert_eq!(queued(), 0);
}

#[wasm_bindgen_test]
fn a_refused_or_throwing_beacon_keeps_the_events() {
    for (name, result) in [
        ("false", JsValue::FALSE),
        ("undefined", JsValue::UNDEFINED),
        ("a truthy non-boolean", "yes".into()),
        ("throws", JsValue::TRUE),
    ] {
        let sdk = Running::start(&[]);
        if name == "throws" {
            sdk.host.set_beacon_throws(true);
        } else {
            sdk.host.set_beacon_result(&result);
        }
        assert!(message("x").is_some());
        page_leave();
        assert_eq!(
            queued(),
            1,
            "{name}: kept for when the page comes back (bfcache)"
        );
        assert_eq!(sdk.host.beaconed().len(), 1, "{name}");
        // The page came back: the next batch carries it.
        assert_eq!(flush_step(), FLUSH_IN_FLIGHT, "{name}");
        assert_eq!(len_at(&sdk.host.fetched()[0], "events"), 1, "{name}");
    }
}

#[wasm_bindgen_test]
fn leaving_the_page_after_a_network_error_still_uses_the_beacon() {
    for status in [0, 408, 500] {
        let sdk = Running::start(&[]);
        assert!(message("m").is_some());
        assert_eq!(flush_step(), FLUSH_IN_FLIGHT);
        sdk.host.answer(status, None);
        assert_eq!(queued(), 1);
        assert_eq!(
            flush_step(),
            FLUSH_BLOCKED,
            "{status}: the SDK backs off before fetching again"
        );
        page_leave();
        assert_eq!(
            sdk.host.beaconed().len(),
            1,
            "{status}: the back-off kept the events from the last chance to send them"
        );
        assert_eq!(queued(), 0, "{status}");
    }
}

#[wasm_bindgen_test]
fn leaving_the_page_honours_the_collectors_retry_after() {
    for status in [429, 503] {
        let sdk = Running::start(&[]);
        assert!(message("m").is_some());
        assert_eq!(flush_step(), FLUSH_IN_FLIGHT);
        sdk.host.answer(status, Some(30.0));
        page_leave();
        assert!(
            sdk.host.beaconed().is_empty(),
            "{status}: a beacon while the collector asked to wait"
        );
        assert_eq!(queued(), 1, "{status}");
        close();
        assert!(sdk.host.beaconed().is_empty(), "{status}: nor at close");
    }
}

#[wasm_bindgen_test]
fn close_hands_one_batch_to_the_beacon() {
    let sdk = Running::start(&[]);
    assert!(message("a").is_some());
    assert!(message("b").is_some());
    close();
    assert!(!is_enabled());
    let beaconed = sdk.host.beaconed();
    assert_eq!(beaconed.len(), 1);
    assert_eq!(len_at(&beaconed[0], "events"), 2);
    assert!(sdk.host.fetched().is_empty());

    // More than one request holds: one batch goes (the keepalive quota), the rest is lost
    // with the SDK. The loader's close() flushes by fetch before this.
    let sdk = Running::start(&[]);
    for i in 0..20 {
        assert!(message(&format!("{i}:{}", "x".repeat(5_000))).is_some());
    }
    close();
    let sizes = sdk.host.beacon_sizes();
    assert_eq!(sizes.len(), 1, "{sizes:?}");
    assert!(sizes[0] <= MAX_REQUEST_BYTES, "{sizes:?}");
    assert_eq!(queued(), 0);
}

#[wasm_bindgen_test]
async fn chromium_takes_a_page_leave_beacon() {
    // The real sendBeacon (to a blocked port: nothing leaves the machine). A beacon over the
    // 64 KiB keepalive quota would be refused and its events kept queued. First let earlier
    // tests' keepalive requests fail and free the quota.
    let _ = sleep(100).await;
    let sdk = Running::start(&[]);
    sdk.host.set_real_beacon(true);
    for i in 0..20 {
        assert!(message(&format!("{i}:{}", "x".repeat(5_000))).is_some());
    }
    page_leave();
    let sizes = sdk.host.beacon_sizes();
    assert_eq!(sizes.len(), 1, "{sizes:?}");
    let sent = len_at(&sdk.host.beaconed()[0], "events");
    assert_eq!(
        queued(),
        20 - sent,
        "Chromium refused a {} byte beacon",
        sizes[0]
    );
}

// ---------------------------------------------------------------------------------------------
// Bugs that were fixed: these failed before the fixes and keep them fixed.
// ---------------------------------------------------------------------------------------------

#[wasm_bindgen_test]
fn a_failed_init_keeps_the_running_sdks_global() {
    let sdk = Running::start(&[]);
    // init used to set the global before it checked the DSN.
    let host = obj(&[("global", fake_global())]);
    assert!(!init(obj(&[("dsn", "nope".into())]), host));
    assert!(is_enabled());
    assert!(message("m").is_some());
    let href = str_at(&js_sys::global().into(), "location.href");
    assert_eq!(
        str_at(&sdk.last_event(), "page.url"),
        href,
        "events now describe the failed init's global"
    );
    assert!(
        str_at(&sdk.last_event(), "browser.user_agent").is_some(),
        "the browser context is gone"
    );
    // A successful re-init adopts its host's global.
    let host = make_host(&JsValue::UNDEFINED);
    Reflect::set(&host, &"global".into(), &fake_global()).expect("set global");
    assert!(init(quiet_options(&[]), host.clone().into()));
    assert!(message("m").is_some());
    close();
    assert_eq!(
        str_at(&host.beaconed()[0], "events.0.page.url").as_deref(),
        Some("https://fake.test/")
    );
    reset();
}

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
async fn leaving_the_page_during_a_large_fetch_still_sends_the_queue() {
    // Chromium counts the keepalive fetch in flight and the beacon against one 64 KiB quota:
    // with requests of up to 60 KB, a beacon next to a large fetch was refused, and what it
    // carried was lost when the page went away. Requests are now at most 32 KB.
    // First let earlier tests' keepalive requests fail and free the quota.
    let _ = sleep(100).await;
    let sdk = Running::start(&[]);
    sdk.host.set_real_fetch(true);
    sdk.host.set_real_beacon(true);
    for i in 0..22 {
        assert!(message(&format!("{i}:{}", "x".repeat(5_000))).is_some());
    }
    assert_eq!(flush_step(), FLUSH_IN_FLIGHT, "a large batch is in flight");
    let fetch_size = sdk.host.fetch_sizes()[0];
    assert!(
        (25_000..=MAX_REQUEST_BYTES).contains(&fetch_size),
        "a batch as large as a request gets: {fetch_size} bytes"
    );
    let left = queued();
    assert!(left > 0);
    page_leave();
    let sizes = sdk.host.beacon_sizes();
    assert_eq!(sizes.len(), 1);
    assert!(sizes[0] > 25_000, "a large beacon too: {sizes:?}");
    assert!(
        queued() < left,
        "Chromium refused a {} byte beacon beside a {fetch_size} byte fetch: {left} events stay \
         queued as the page goes away",
        sizes[0]
    );
}

/// Sets 29 user fields (30 with the session id) and 50 tags at their key and value limits,
/// each key and value made of `text` repeated to the limit in bytes; returns (user fields,
/// tags) kept.
fn fill_user_and_tags(text: &str) -> Option<(usize, usize)> {
    let fill = |prefix: &str, i: usize, bytes: usize| {
        let mut s = format!("{prefix}{i}");
        while s.len() + text.len() <= bytes {
            s.push_str(text);
        }
        s
    };
    for i in 0..29 {
        set_user_field(fill("u", i, 64).into(), fill("", i, 256).into());
    }
    for i in 0..50 {
        set_tag(fill("t", i, 32).into(), fill("", i, 200).into());
    }
    with_sdk(|sdk| (sdk.client.scope.user.len(), sdk.client.scope.tags.len()))
}

#[wasm_bindgen_test]
fn a_full_user_and_tags_in_multibyte_text_do_not_drop_every_event() {
    let sdk = Running::start(&[]);
    // Within every cap (29 user fields and 50 tags, keys and values at their limits) in 4
    // bytes a char: limits in chars allowed about 80 KB of user and tags, more than one
    // request holds. In bytes they are about 21 KB.
    assert_eq!(
        fill_user_and_tags("😀"),
        Some((30, 50)),
        "every field was kept"
    );
    assert!(
        message("m").is_some(),
        "the event was dropped as larger than one request"
    );
    let ev = sdk.last_event();
    assert_eq!(keys_at(&ev, "user").len(), 30);
    assert_eq!(keys_at(&ev, "tags").len(), 50);
    assert!(
        sdk.last_event_size() <= MAX_REQUEST_BYTES - 256,
        "fits a request"
    );
}

#[wasm_bindgen_test]
fn a_full_user_and_tags_and_the_longest_message_fit_one_request() {
    // The largest user and tags in plain text (about 21 KB) beside the longest message (8 KB).
    let sdk = Running::start(&[]);
    assert_eq!(fill_user_and_tags("x"), Some((30, 50)));
    assert!(
        message(&"m".repeat(10_000)).is_some(),
        "the event was dropped"
    );
    assert!(sdk.last_event_size() <= MAX_REQUEST_BYTES - 256);
    let ev = sdk.last_event();
    assert_eq!(keys_at(&ev, "user").len(), 30);
    assert_eq!(keys_at(&ev, "tags").len(), 50);
}

// ---------------------------------------------------------------------------------------------
// Known bugs: these assert the intended behaviour and fail today. Run them with
// `-- --include-ignored`.
// ---------------------------------------------------------------------------------------------

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

#[wasm_bindgen_test]
fn a_full_extra_map_does_not_drop_every_event() {
    let sdk = Running::start(&[]);
    // Within the caps (30 extras of up to 4,096 bytes of JSON each), but 30 × 4 KB is almost
    // four requests: every event is dropped as too large (eight such extras are enough).
    for i in 0..30 {
        set_extra(format!("extra{i}").into(), "x".repeat(4_000).into());
    }
    assert_eq!(
        with_sdk(|sdk| sdk.client.scope.extra.len()),
        Some(30),
        "every extra was kept"
    );
    assert!(
        message("m").is_some(),
        "the event was dropped as larger than one request"
    );
    assert!(
        sdk.last_event_size() <= MAX_REQUEST_BYTES - 256,
        "fits a request"
    );
}

#[wasm_bindgen_test]
fn a_full_user_and_tags_of_escaped_text_do_not_drop_every_event() {
    let sdk = Running::start(&[]);
    // Within every cap in bytes, but `"` and `\` are 2 bytes each in JSON (control
    // characters 6): about 42 KB of user and tags, more than one request holds.
    assert_eq!(
        fill_user_and_tags("\""),
        Some((30, 50)),
        "every field was kept"
    );
    assert!(
        message("m").is_some(),
        "the event was dropped as larger than one request"
    );
    assert!(
        sdk.last_event_size() <= MAX_REQUEST_BYTES - 256,
        "fits a request"
    );
}

#[wasm_bindgen_test]
fn a_long_error_beside_a_full_user_and_tags_is_not_dropped() {
    // The largest user and tags in plain text (about 21 KB), the longest error message (8 KB)
    // with a short stack (V8 keeps 10 frames) and a page URL of 1 KB (URLs are kept up to
    // 2 KB): the error, the event that matters most, is larger than a request of 32 KB.
    let sdk = Running::start(&[]);
    let page: JsValue = js_sys::global().into();
    let href = format!("https://shop.example/checkout?{}", "q=1&".repeat(250));
    let global = obj(&[
        ("location", obj(&[("href", href.into())])),
        ("document", at(&page, "document")),
        ("navigator", at(&page, "navigator")),
        ("sessionStorage", at(&page, "sessionStorage")),
        ("String", at(&page, "String")),
    ]);
    Reflect::set(&sdk.host, &"global".into(), &global).expect("set global");
    sdk.reinit(&[]);
    assert_eq!(fill_user_and_tags("x"), Some((30, 50)));
    let error: JsValue = js_sys::Error::new(&"e".repeat(10_000)).into();
    let frames: String = (0..10)
        .map(|i| format!("\n    at handler{i} (https://shop.example/js/main.3f2a1c9e.js:1:{i}00)"))
        .collect();
    Reflect::set(&error, &"stack".into(), &format!("Error: e{frames}").into()).expect("set stack");
    let kept = capture_exception(error);
    let size = sdk.last_event_size();
    reset();
    assert!(kept.is_some(), "the error was dropped: {size} bytes");
}
