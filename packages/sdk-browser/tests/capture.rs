//! Captured events as the process hook receives them: the encoding of an exception event and
//! the context every event carries (session, page, browser), messages and their levels, `track`
//! names and data, `sampleRate`, the queue bound and dedupe; and the process hook itself
//! (beforeSend and the JS integrations): a hook that is not a function, and what each kind of
//! answer from the hook does to the event. How to run them, and how the tests of one file share
//! the SDK: `support/mod.rs`.

#![cfg(target_arch = "wasm32")]

mod support;

use js_sys::{Reflect, JSON};
use monitor_sdk_browser::api::{capture_exception, capture_message, close, queued, track};
use support::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

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
    let record = local_storage_get("__monitor_sess").expect("session stored");
    let session = record.split('.').next().unwrap_or_default().to_owned();
    assert!(is_event_id(&session), "{record}");
    assert_eq!(str_at(&ev, "user.session_id"), Some(session));
    let visitor = local_storage_get("__monitor_vid").expect("visitor stored");
    assert!(is_event_id(&visitor));
    assert_eq!(str_at(&ev, "user.visitor_id"), Some(visitor));
    let href = str_at(&js_sys::global().into(), "location.href");
    assert_eq!(str_at(&ev, "page.url"), href);
    // The page context is the URL, the referrer and the title (each when there is one).
    let page: JsValue = js_sys::global().into();
    let mut want = vec!["url"];
    for (key, path) in [
        ("referrer", "document.referrer"),
        ("title", "document.title"),
    ] {
        if !str_at(&page, path).unwrap_or_default().is_empty() {
            want.push(key);
        }
    }
    assert_eq!(keys_at(&ev, "page"), want);
    let ua = str_at(&js_sys::global().into(), "navigator.userAgent");
    assert_eq!(str_at(&ev, "browser.user_agent"), ua);
    assert!(num_at(&ev, "browser.viewport.w").is_some());
    assert!(num_at(&ev, "browser.viewport.h").is_some());
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
fn sample_rate_zero_drops_every_error() {
    let sdk = Running::start(&[("sampleRate", 0.into())]);
    assert_eq!(capture_exception("x".into()), None);
    assert_eq!(capture_message("x".into(), JsValue::UNDEFINED), None);
    assert_eq!(queued(), 0);
    assert_eq!(sdk.seen(), 0);
    // sampleRate is the errors': a track() call is kept.
    assert!(track("x".into(), JsValue::UNDEFINED).is_some());
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
fn a_non_function_process_hook_is_ignored() {
    for process in [JsValue::from_str("beforeSend"), obj(&[]), JsValue::NULL] {
        let _sdk = Running::start_with_process(&[], &process);
        assert!(message("m").is_some());
        assert_eq!(queued(), 1);
    }
}

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
