//! Safety of the exports the npm loader calls. With no SDK running (before init, after a failed
//! init, after close) every export does nothing and reports nothing, whatever it is given;
//! hostile values (throwing or revoked proxies, unprintable and circular objects, symbols,
//! bigints) passed as options, as the host or as arguments never make the wasm throw or panic;
//! the raw `capture` and `scope` dispatchers route by kind and ignore unknown kinds; and calls
//! back into the SDK from inside the process hook or the host's `send`, `beacon` and `schedule`
//! are refused instead of re-entering it. How to run them, and how the tests of one file share
//! the SDK: `support/mod.rs`.

#![cfg(target_arch = "wasm32")]

mod support;

use js_sys::{Array, Reflect};
use monitor_sdk_browser::api::{
    add_breadcrumb, capture_early_error, capture_exception, capture_message, close, flush_step,
    init, is_enabled, queued, scope, set_extra, set_tag, set_user_field, track, FLUSH_BLOCKED,
    FLUSH_DONE, FLUSH_IN_FLIGHT,
};
use monitor_sdk_browser::state::with_sdk;
use monitor_sdk_browser::transport::{on_response, page_leave, tick};
use support::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

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
// Hostile options, hosts and arguments
// ---------------------------------------------------------------------------------------------

#[wasm_bindgen_test]
fn init_refuses_hostile_options_without_throwing() {
    reset();
    for (name, v) in hostile_values() {
        assert!(!init(v.clone(), v.clone()), "init({name}) succeeded");
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

// ---------------------------------------------------------------------------------------------
// The `capture` and `scope` dispatchers
// ---------------------------------------------------------------------------------------------

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
    assert_eq!(
        str_at(&ev, "user.email"),
        None,
        "no personal data without sendDefaultPii"
    );
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
// Calls back into the SDK from the process hook or the host
// ---------------------------------------------------------------------------------------------

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
